/**
 * The lifecycle every cache resource shares.
 *
 * Every method of every resource rejects with `ClosedClient` while the
 * resource is not open (before `open()` and after `close()`).
 */
export interface Resource {
  /** Whether the resource is open and usable. */
  readonly isAlive: boolean;

  /**
   * Connect to the backend. Idempotent: calling it on an open resource
   * resolves without doing anything. Rejects with `BackendError` when the
   * backend can't be reached within the backend's connect timeout.
   */
  open(): Promise<void>;

  /**
   * Disconnect from the backend. Idempotent: calling it on a closed resource
   * resolves without doing anything. Stored data is kept.
   */
  close(): Promise<void>;
}
