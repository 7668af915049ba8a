/** `sake stats`: entries per resource, and Redis figures. */
import type { Command } from 'commander';
import type { Cache, ResourceName } from '@sake/abc';
import { iterResource } from '../cache-access.js';
import { RESOURCE_SPECS } from '../resources.js';
import type { RedisDetails } from '../redis.js';
import { addBackendOptions, formatBytes, out, withBackend } from './common.js';
import type { BackendOptions } from '../backend.js';

/** The figures `sake stats` prints. */
export interface CacheStats {
  /** Entries per resource (`len()` of each resource's iterator). */
  counts: Record<ResourceName, number>;
  /** Sum of the counts. */
  total: number;
}

/** Count every resource of a cache (in parallel: each is one `len()`). */
export async function collectStats(cache: Cache): Promise<CacheStats> {
  const entries = await Promise.all(RESOURCE_SPECS.map(async (spec) => [spec.name, await iterResource(cache, spec.name).len()] as const));
  const counts = Object.fromEntries(entries) as Record<ResourceName, number>;
  return { counts, total: entries.reduce((sum, [, n]) => sum + n, 0) };
}

/** Human-readable lines for {@link CacheStats}. */
export function formatStats(stats: CacheStats): string[] {
  const width = Math.max(...RESOURCE_SPECS.map((s) => s.plural.length), 5);
  const digits = String(stats.total).length;
  const lines = RESOURCE_SPECS.map((spec) => `  ${spec.plural.padEnd(width)}  ${String(stats.counts[spec.name]).padStart(digits)}`);
  lines.push(`  ${'total'.padEnd(width)}  ${String(stats.total).padStart(digits)}`);
  return lines;
}

async function redisFigures(details: RedisDetails | undefined): Promise<{ memoryUsedBytes?: number; layoutVersion?: number }> {
  if (details === undefined) return {};
  const [memoryUsedBytes, layoutVersion] = await Promise.all([details.memoryUsedBytes(), details.layoutVersion()]);
  return { memoryUsedBytes, ...(layoutVersion !== undefined ? { layoutVersion } : {}) };
}

/** Register `sake stats`. */
export function registerStats(program: Command): void {
  addBackendOptions(
    program
      .command('stats')
      .description('count the cached entries of every resource; with Redis also the memory used under the prefix and the layout version')
      .option('--json', 'print one JSON object (for machines)'),
    true,
  ).action(async (options: BackendOptions & { json?: boolean }) => {
    await withBackend(options, true, async (backend) => {
      const stats = await collectStats(backend.cache);
      const redis = backend.kind === 'redis' ? await redisFigures(backend.redis) : undefined;
      if (options.json === true) {
        out(JSON.stringify({ backend: { kind: backend.kind, label: backend.label }, ...stats, ...(redis !== undefined ? { redis } : {}) }));
        return;
      }
      out(`cache: ${backend.label}`);
      for (const line of formatStats(stats)) out(line);
      if (redis !== undefined) {
        if (redis.memoryUsedBytes !== undefined) out(`redis memory under the prefix: ${formatBytes(redis.memoryUsedBytes)}`);
        if (redis.layoutVersion !== undefined) out(`layout version: ${redis.layoutVersion}`);
      }
    });
  });
}
