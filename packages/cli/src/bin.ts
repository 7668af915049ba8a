#!/usr/bin/env node
/** The `sake` executable: runs the program and turns errors into messages and exit codes. */
import { CommanderError, InvalidArgumentError } from 'commander';
import { BackupFormatError } from './errors.js';
import { createProgram } from './program.js';
import { redact } from './secrets.js';
import { UsageError } from './usage-error.js';

/** Exit once stdout has flushed (a pipe's writes are asynchronous: exiting at once could cut the output). */
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

// `sake iter … | head` closes stdout early: that is the reader being done, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

try {
  await createProgram().parseAsync(process.argv);
  exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
} catch (error) {
  if (error instanceof CommanderError && !(error instanceof InvalidArgumentError)) {
    // commander has printed the message (or the help) already.
    exit(error.exitCode === 0 ? 0 : 2);
  } else {
    const usage = error instanceof UsageError || error instanceof InvalidArgumentError || error instanceof TypeError;
    const message = error instanceof Error ? error.message : String(error);
    const kind = usage || error instanceof BackupFormatError ? 'error' : error instanceof Error ? error.name : 'error';
    process.stderr.write(`sake: ${kind}: ${redact(message)}\n`);
    if (process.env.SAKE_DEBUG === '1' && error instanceof Error && error.stack !== undefined) process.stderr.write(`${redact(error.stack)}\n`);
    exit(usage ? 2 : 1);
  }
}
