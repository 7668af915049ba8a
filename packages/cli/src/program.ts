/** The `sake` command line: every command registered on one commander program. */
import { Command } from 'commander';
import { registerBackupCommands } from './commands/backup.js';
import { registerClear } from './commands/clear.js';
import { registerDemo } from './commands/demo.js';
import { registerGet } from './commands/get.js';
import { registerIter } from './commands/iter.js';
import { registerRun } from './commands/run.js';
import { registerStats } from './commands/stats.js';
import { CLI_VERSION } from './version.js';

/** Build the `sake` program (commander throws instead of exiting, so callers decide the exit code). */
export function createProgram(): Command {
  const program = new Command('sake')
    .description('operate a sake Discord gateway cache: fill it (demo, run), inspect it (stats, get, iter), back it up and restore it, clear it')
    .version(CLI_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDemo(program);
  registerRun(program);
  registerStats(program);
  registerGet(program);
  registerIter(program);
  registerBackupCommands(program);
  registerClear(program);
  return program;
}
