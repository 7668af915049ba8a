/** `sake get`: read entries by id. */
import type { Command } from 'commander';
import { EntryNotFound } from '@sake/abc';
import { checkKeyPart, getEntry, resourceSpec, RESOURCE_CHOICES, type ResourceSpec } from '../resources.js';
import { addBackendOptions, info, out, withBackend } from './common.js';
import type { BackendOptions } from '../backend.js';
import { UsageError } from '../usage-error.js';

/** The keys a `get` command line names: validated before any I/O. */
export function keysFromArgs(spec: ResourceSpec, ids: readonly string[]): string[][] {
  const names = spec.keyNames;
  if (names.length === 0) {
    if (ids.length > 0) throw new UsageError(`${spec.name} takes no ids`);
    return [[]];
  }
  if (ids.length < names.length)
    throw new UsageError(`sake get ${spec.aliases[0]} needs ${names.map((n) => `<${n}>`).join(' ')}${names.length === 1 ? '…' : '…'}`);
  if (names.length === 1) return ids.map((id) => [checkKeyPart(spec, names[0]!, id)]);
  // Two-part keys: the guild first, then any number of user ids in that guild.
  const guildId = checkKeyPart(spec, names[0]!, ids[0]!);
  return ids.slice(1).map((id) => [guildId, checkKeyPart(spec, names[1]!, id)]);
}

/** Register `sake get`. */
export function registerGet(program: Command): void {
  addBackendOptions(
    program
      .command('get')
      .description('print cached entries by id (member/presence/voice-state: <guild id> <user id…>)')
      .argument('<resource>', `one of: ${RESOURCE_CHOICES}`)
      .argument('[ids...]', 'the ids of the entries to print')
      .option('--json', 'one compact JSON line per entry'),
    true,
  ).action(async (resource: string, ids: string[], options: BackendOptions & { json?: boolean }) => {
    const spec = resourceSpec(resource);
    const keys = keysFromArgs(spec, ids);
    let missing = 0;
    await withBackend(options, true, async (backend) => {
      for (const key of keys) {
        try {
          const entry = await getEntry(backend.cache, spec.name, key);
          out(options.json === true ? JSON.stringify(entry) : JSON.stringify(entry, null, 2));
        } catch (error) {
          if (!(error instanceof EntryNotFound)) throw error;
          missing++;
          info(`${spec.name} ${key.join('/') || ''}: not cached`.replace(' :', ':'));
        }
      }
    });
    if (missing > 0) process.exitCode = 1;
  });
}
