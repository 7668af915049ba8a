/** `sake run`: not wired yet (waits for @sake/gateway). */
import type { Command } from 'commander';
import { info } from './common.js';

/** Register `sake run`. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('NOT IMPLEMENTED YET: connect to Discord and keep a cache filled')
    .allowUnknownOption()
    .action(() => {
      info('sake run is not implemented yet: it needs @sake/gateway');
      process.exitCode = 2;
    });
}
