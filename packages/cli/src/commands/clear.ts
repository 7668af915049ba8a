/** `sake clear`: remove resources, after a confirmation. */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { clearResource } from '../cache-access.js';
import { snowflakeArg } from '../parse.js';
import { clearForGuild, resourceSpec, RESOURCE_CHOICES, RESOURCE_SPECS, type ResourceSpec } from '../resources.js';
import { addBackendOptions, out, withBackend } from './common.js';
import type { BackendOptions } from '../backend.js';
import { UsageError } from '../usage-error.js';

/** Ask on the terminal; true only for "y"/"yes". */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Register `sake clear`. */
export function registerClear(program: Command): void {
  addBackendOptions(
    program
      .command('clear')
      .description('remove every entry of the given resources (all: every resource), or only those of one guild')
      .argument('<resources...>', `all, or any of: ${RESOURCE_CHOICES}`)
      .option('--guild <id>', "only entries of this guild (for guild: that guild's entry)", snowflakeArg('--guild'))
      .option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)'),
    false,
  ).action(async (names: string[], options: BackendOptions & { guild?: string; yes?: boolean }) => {
    const specs: ResourceSpec[] = names.includes('all') ? [...RESOURCE_SPECS] : [...new Set(names.map(resourceSpec))];
    if (options.guild !== undefined) {
      const unscoped = specs.filter((s) => s.name === 'user' || s.name === 'me');
      if (unscoped.length > 0) {
        if (names.includes('all')) specs.splice(0, specs.length, ...specs.filter((s) => !unscoped.includes(s)));
        else throw new UsageError(`${unscoped.map((s) => s.plural).join(' and ')} do not belong to a guild: drop them or drop --guild`);
      }
    }
    if (options.yes !== true && process.stdin.isTTY !== true) {
      throw new UsageError('refusing to clear without confirmation: stdin is not a terminal, pass --yes to clear anyway');
    }
    await withBackend(options, false, async (backend) => {
      const what = `${specs.map((s) => s.plural).join(', ')}${options.guild !== undefined ? ` of guild ${options.guild}` : ''}`;
      // The channel cascade of the write contract: say so before it happens.
      const cascade = specs.some((s) => s.name === 'channel') ? ' (with the messages, invites and voice states in those channels)' : '';
      if (options.yes !== true && !(await confirm(`Remove every cached ${what}${cascade} from ${backend.label}?`))) {
        out('nothing cleared');
        process.exitCode = 1;
        return;
      }
      for (const spec of specs) {
        if (options.guild === undefined) await clearResource(backend.cache, spec.name);
        else await clearForGuild(backend.cache, spec.name, options.guild);
      }
      out(`cleared ${what} from ${backend.label}`);
    });
  });
}
