/**
 * Optional looks inside the RedisCache paths, for whoever optimises them.
 * With `--profile <dir>` and/or `--diagnose`, each phase runs one extra,
 * untimed pass of its RedisCache path through {@link inspectPass}: under the
 * V8 profiler, and/or between CONFIG RESETSTAT and INFO commandstats (Redis
 * commands and server time per unit of work). `--diagnose` also prints the
 * memory of the cache's keys by key family and encoding after ingest.
 * Server statistics are global, so `--diagnose` needs the private server.
 */
import type { BenchContext } from './context.js';

/** Whether the phases should run their extra, inspected pass. */
export function inspecting(context: BenchContext): boolean {
  return context.profiler !== undefined || context.diagnose;
}

/** Run `fn` (an untimed pass over `units` units of work, each a `unit`) under the inspections that are on; the profile is `<name>.cpuprofile`. */
export async function inspectPass<T>(context: BenchContext, name: string, unit: string, units: number, fn: () => Promise<T>): Promise<T> {
  const admin = context.redis.admin;
  const cpu = (): Promise<number> => context.redis.cpuSeconds();
  let cpuBefore = 0;
  if (context.diagnose) {
    await admin.config('RESETSTAT');
    cpuBefore = await cpu();
  }
  const result = context.profiler ? await context.profiler.run(name, fn) : await fn();
  if (context.diagnose) {
    const cpuMs = ((await cpu()) - cpuBefore) * 1000;
    const info = await admin.info('commandstats');
    const rows = [...info.matchAll(/cmdstat_(\S+?):calls=(\d+),usec=(\d+)/g)]
      .map((m) => ({ command: m[1]!, calls: Number(m[2]), usec: Number(m[3]) }))
      .filter((r) => r.command !== 'config|resetstat' && r.command !== 'info')
      .sort((a, b) => b.usec - a.usec);
    const lines = rows
      .slice(0, 10)
      .map((r) => `    ${r.command.padEnd(18)} ${(r.calls / units).toFixed(3).padStart(8)} calls  ${(r.usec / units).toFixed(2).padStart(8)} µs`);
    // Commands a Lua script runs are also counted on their own line (and inside the script's time).
    context.log(
      `diagnose ${name}: redis-server CPU ${((1000 * cpuMs) / units).toFixed(2)} µs per ${unit} (${units} ${unit}s); ` +
        `commands per ${unit} (those run by scripts are counted again on their own line):\n${lines.join('\n')}`,
    );
  }
  return result;
}

/** Print the memory of every key under `prefix`, grouped by key family (ids replaced) and encoding. */
export async function memoryByFamily(context: BenchContext, prefix: string, members: number): Promise<void> {
  if (!context.diagnose) return;
  const admin = context.redis.admin;
  const families = new Map<string, { keys: number; bytes: number; encodings: Map<string, number> }>();
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    const pipeline = admin.pipeline();
    for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0').object('ENCODING', key);
    const replies = (await pipeline.exec()) ?? [];
    keys.forEach((key, i) => {
      const family = key
        .slice(prefix.length)
        .replace(/\{g:\d+\}/, '{g}')
        .replace(/\{u:\d+\}/, '{u}')
        .replace(/:\d+(?=:|$)/g, ':N')
        .replace(/\d{15,}|[0-9a-f]{16}$/, 'ID');
      const bytes = Number(replies[2 * i]?.[1] ?? 0);
      const encoding = (replies[2 * i + 1]?.[1] as string | undefined) ?? '?'; // OBJECT ENCODING replies a string
      const entry = families.get(family) ?? { keys: 0, bytes: 0, encodings: new Map<string, number>() };
      entry.keys++;
      entry.bytes += bytes;
      entry.encodings.set(encoding, (entry.encodings.get(encoding) ?? 0) + 1);
      families.set(family, entry);
    });
  } while (cursor !== '0');
  const lines = [...families.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, 15)
    .map(([family, e]) => {
      const encodings = [...e.encodings.entries()].map(([name, n]) => `${name} ${n}`).join(', ');
      return `    ${family.padEnd(22)} ${(e.bytes / members).toFixed(1).padStart(7)} B/member  ${String(e.keys).padStart(6)} keys  (${encodings})`;
    });
  context.log(`diagnose memory (MEMORY USAGE by key family, per member):\n${lines.join('\n')}`);
}
