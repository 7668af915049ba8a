/** `sake iter`: list a resource, optionally under one parent. */
import type { Command } from 'commander';
import type { CacheIterator } from '@sake/abc';
import { iterResource } from '../cache-access.js';
import { intArg, snowflakeArg } from '../parse.js';
import { describeEntry, iterScoped, resourceSpec, RESOURCE_CHOICES, type Scope } from '../resources.js';
import { addBackendOptions, info, out, withBackend } from './common.js';
import type { BackendOptions } from '../backend.js';
import { UsageError } from '../usage-error.js';

interface IterOptions extends BackendOptions {
  guild?: string;
  channel?: string;
  user?: string;
  author?: string;
  limit?: number;
  json?: boolean;
  count?: boolean;
}

/** Register `sake iter`. */
export function registerIter(program: Command): void {
  addBackendOptions(
    program
      .command('iter')
      .description('list the cached entries of a resource, optionally only those under one guild, channel, user or author')
      .argument('<resource>', `one of: ${RESOURCE_CHOICES}`)
      .option('--guild <id>', 'only entries of this guild', snowflakeArg('--guild'))
      .option('--channel <id>', 'only entries of this channel', snowflakeArg('--channel'))
      .option('--user <id>', 'only entries of this user', snowflakeArg('--user'))
      .option('--author <id>', 'only messages by this author', snowflakeArg('--author'))
      .option('--limit <n>', 'stop after n entries', intArg('--limit', 1))
      .option('--count', 'print only the number of entries (len(), no iteration)')
      .option('--json', 'one JSON line per entry (NDJSON)'),
    true,
  ).action(async (resource: string, options: IterOptions) => {
    const spec = resourceSpec(resource);
    const filters = (['guild', 'channel', 'user', 'author'] as const).filter((s) => options[s] !== undefined);
    if (filters.length > 1) throw new UsageError(`give at most one of --guild, --channel, --user, --author (got ${filters.map((f) => `--${f}`).join(', ')})`);
    const scope: Scope | undefined = filters[0];
    if (scope !== undefined && !spec.scopes.includes(scope)) {
      throw new UsageError(
        spec.scopes.length === 0
          ? `${spec.plural} can't be filtered by a parent`
          : `${spec.plural} can be filtered by ${spec.scopes.map((s) => `--${s}`).join(' or ')}, not --${scope}`,
      );
    }
    await withBackend(options, true, async (backend) => {
      const iterator: CacheIterator<unknown> =
        scope === undefined ? iterResource(backend.cache, spec.name) : iterScoped(backend.cache, spec.name, scope, options[scope]!)!;
      if (options.count === true) {
        out(String(await iterator.len()));
        return;
      }
      let shown = 0;
      for await (const entry of iterator) {
        out(options.json === true ? JSON.stringify(entry) : describeEntry(spec.name, entry));
        shown++;
        if (options.limit !== undefined && shown >= options.limit) break;
      }
      if (options.json !== true)
        info(
          `${shown} ${shown === 1 ? spec.singular : spec.plural}${options.limit !== undefined && shown >= options.limit ? ` (stopped at --limit ${options.limit})` : ''}`,
        );
    });
  });
}
