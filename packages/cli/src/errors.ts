/** Errors of the backup format. */

/** Why a backup file was rejected. */
export type BackupFormatProblem = 'magic' | 'version' | 'truncated' | 'checksum' | 'malformed' | 'trailing-data' | 'changed';

/**
 * A backup file (or stream) that is not a valid sake backup: wrong magic,
 * unsupported format version, truncated, a checksum mismatch, a record that
 * does not decode to a valid entity. `offset` is the byte offset where the
 * problem was found; the message names it too.
 */
export class BackupFormatError extends Error {
  /** The byte offset (from the start of the file) of the faulty part. */
  readonly offset: number;
  /** The kind of problem. */
  readonly problem: BackupFormatProblem;

  constructor(problem: BackupFormatProblem, offset: number, detail: string, options: { cause?: unknown } = {}) {
    super(`invalid sake backup at byte offset ${offset}: ${detail}`, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'BackupFormatError';
    this.offset = offset;
    this.problem = problem;
  }
}
