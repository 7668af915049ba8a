/** The pluggable logger the listener reports skipped payloads and failures to. */

/** What the listener logs through. Any of pino, winston or `console` fits (`debug`/`warn`/`error`). */
export interface ListenerLogger {
  /** Routine detail (unknown events, ignored DMs). */
  debug(message: string, details?: Record<string, unknown>): void;
  /** A payload was skipped (malformed) or a handler threw. */
  warn(message: string, details?: Record<string, unknown>): void;
  /** A batch could not be written (and no 'error' handler is registered). */
  error(message: string, details?: Record<string, unknown>): void;
}

/** The default logger: warnings and errors to the console, debug dropped. */
export const consoleLogger: ListenerLogger = {
  debug() {},
  warn(message, details) {
    console.warn(`[sake/gateway] ${message}`, details ?? '');
  },
  error(message, details) {
    console.error(`[sake/gateway] ${message}`, details ?? '');
  },
};
