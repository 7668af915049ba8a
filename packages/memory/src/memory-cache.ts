import { checkApplyAfter, checkMutation, type ApplyOptions, type ApplyResult, type Backend, type Mutation } from '@sake/abc';
import { MemoryCacheAccess } from './cache-access.js';
import { MemoryState } from './state.js';

/** Options of {@link MemoryCache}. */
export interface MemoryCacheOptions {
  /**
   * How long a user stays cached after the last member referring to it is
   * removed (ms). Default: kept until deleted.
   */
  userTtlMs?: number;
  /** Clock used for expiry (tests inject a fake one). Default `Date.now`. */
  now?: () => number;
}

/**
 * The embedded default backend: every resource and index of the standard in
 * process memory. It is also the executable definition of the semantics the
 * conformance suite checks other backends against.
 *
 * Values are deep-copied on the way in and out, so callers can't change the
 * cache by mutating what they passed or got (old values from `apply` too).
 */
export class MemoryCache extends MemoryCacheAccess implements Backend {
  /** `apply` honours {@link ApplyOptions.old}: old values are read in the same synchronous pass as the writes. */
  readonly reportsOld = true;
  /** `apply` honours {@link ApplyOptions.after} (it has nothing to prepare: the contract's reference). */
  readonly honoursAfter = true;

  constructor(options: MemoryCacheOptions = {}) {
    super(new MemoryState(options.now ?? Date.now, options.userTtlMs));
  }

  /** Open the cache (idempotent; nothing to connect to). */
  async open(): Promise<void> {
    this.setAlive(true);
  }

  /** Close the cache (idempotent). Data is kept and visible again after `open()`. */
  async close(): Promise<void> {
    this.setAlive(false);
  }

  // ----- writes ---------------------------------------------------------------------------

  /**
   * Apply a batch in order. The whole batch (and `options.old`) is validated
   * first, so a bad mutation changes nothing. With `options.old`, resolves
   * with copies of the listed mutations' entries as they were just before
   * each of them (see {@link ApplyResult}).
   */
  async apply(batch: readonly Mutation[], options?: ApplyOptions): Promise<ApplyResult | void> {
    if (!Array.isArray(batch)) throw new TypeError('batch must be an array of mutations');
    // The shared checks; checked mutations carry normalised ids and keys typed per resource.
    const checked = batch.map(checkMutation);
    const wanted = options?.old;
    if (wanted !== undefined && wanted.length !== 0) this.state.checkOld(checked, wanted);
    const after = checkApplyAfter(options?.after);
    // Validated now, written once `after` settles (and not at all if it rejects).
    if (after !== undefined) await after;
    this.assertAlive();
    const old = this.state.apply(checked, wanted);
    // Asked for no old value: report none (as RedisCache does), rather than nothing.
    return old === undefined ? undefined : { old };
  }
}
