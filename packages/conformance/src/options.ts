/** The types a backend author passes to the conformance suite. */
import type { CacheWriter, KeyMap, Resource, ResourceName } from '@sake/abc';

/**
 * What the suite can test: anything with the lifecycle and the write contract.
 * The read methods it calls depend on {@link ConformanceOptions.resources}.
 */
export type ConformanceBackend = Resource & CacheWriter;

/**
 * Builds a fresh backend for one test: EMPTY (no entries from earlier tests)
 * and NOT yet opened (the suite calls `open()` and, in `afterEach`, `close()`).
 */
export type BackendFactory<B extends ConformanceBackend = ConformanceBackend> = () => B | Promise<B>;

/** A test body as the suite registers it. */
export type TestBody = () => Promise<void>;

/**
 * The four functions of a test runner the suite registers through. vitest's and
 * jest's exports fit as they are; so does `node:test` (`describe`, `it`,
 * `beforeEach`, `afterEach`) if you drop the timeout argument.
 */
export interface TestRunner {
  /** Group tests under a name. */
  describe(name: string, body: () => void): void;
  /** Register one test; `timeoutMs` is the suite's per-test limit. */
  it(name: string, body: TestBody, timeoutMs?: number): void;
  /** Run `hook` before each test of the enclosing group. */
  beforeEach(hook: () => void | Promise<void>): void;
  /** Run `hook` after each test of the enclosing group, whether it passed or failed. */
  afterEach(hook: () => void | Promise<void>): void;
}

/** Where one entry lives, as {@link ConformanceOptions.corrupt} receives it. */
export type EntryKey = KeyMap[ResourceName];

/** Capability switches and hooks for {@link runConformance}; every field is optional. */
export interface ConformanceOptions<B extends ConformanceBackend = ConformanceBackend> {
  /**
   * The resources the backend implements (default: all of them). Only their
   * tests run, and only their methods are called. `member` tests also read
   * users when `user` is listed (members are joined with their user).
   */
  resources?: readonly ResourceName[];
  /** Whether the backend implements the Ref* `iter…For` / `clear…For` methods (default `true`). */
  refs?: boolean;
  /** Whether a closed backend can be opened again and still holds its data (default `true`). */
  reopen?: boolean;
  /**
   * Whether the backend's `apply(batch, { old })` reports old values — set it
   * when the backend declares `reportsOld: true` (`CacheWriter.reportsOld`).
   * Default `false`: the old-value tests are not registered (a backend may
   * leave old values to the listener's own reads), and one test checks instead
   * that the backend does not declare `reportsOld`, so a backend that claims
   * the capability can't skip its tests by omission.
   */
  reportsOld?: boolean;
  /**
   * Whether the backend's `apply(batch, { after })` orders the batch after
   * `after` — set it when the backend declares `honoursAfter: true`
   * (`CacheWriter.honoursAfter`). Default `false`: the ordering tests are not
   * registered, and one test checks that the backend does not declare it.
   */
  honoursAfter?: boolean;
  /**
   * Overwrite the stored bytes of one entry with something unreadable. When
   * given, the suite checks that `get…` and iteration reject with
   * `InvalidDataFound` for that entry.
   */
  corrupt?: (backend: B, resource: ResourceName, key: EntryKey) => Promise<void>;
  /**
   * Build a backend pointed at a store that does not answer (a closed port, a
   * black-holed address). When given, the suite checks that `open()` or the
   * first call rejects with `BackendError` within `timeoutMs` instead of hanging.
   */
  unreachable?: () => B | Promise<B>;
  /** The test runner to register with (default: vitest's `describe`/`it`/`beforeEach`/`afterEach`). */
  runner?: TestRunner;
  /**
   * Upper bound for one test and for the suite's own bounded waits (TTL expiry
   * polling, the unreachable-store check). Default 10 000 ms.
   */
  timeoutMs?: number;
}

/** One family of tests (e.g. every guild test), registered in a `describe` of its own. */
export type TestGroup = <B extends ConformanceBackend>(factory: BackendFactory<B>, options?: ConformanceOptions<B>) => void;
