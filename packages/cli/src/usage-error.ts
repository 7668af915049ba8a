/** Errors that are the operator's to fix (bad arguments), reported without a stack and with exit code 2. */

/** A bad command line: an invalid id, an unknown resource, a missing option. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
