/**
 * Registering a family of tests: one `describe`, a per-test harness that
 * creates backends through the factory and closes every one of them in
 * `afterEach` (even when the test failed), and resolved options.
 */
import { afterEach, beforeEach, describe, it } from 'vitest';
import { RESOURCE_NAMES } from '@sake/abc';
import type { ResourceName, Snowflake } from '@sake/abc';
import { snowflakes } from './fixtures.js';
import type { BackendFactory, ConformanceBackend, ConformanceOptions, TestRunner } from './options.js';
import type { Parents } from './specs.js';

/** vitest's functions, the default runner. */
const vitestRunner: TestRunner = { describe, it, beforeEach, afterEach };

/** {@link ConformanceOptions} with defaults filled in. */
export interface Resolved<B extends ConformanceBackend> {
  readonly resources: ReadonlySet<ResourceName>;
  readonly refs: boolean;
  readonly reopen: boolean;
  readonly reportsOld: boolean;
  readonly honoursAfter: boolean;
  readonly corrupt: ConformanceOptions<B>['corrupt'];
  readonly unreachable: ConformanceOptions<B>['unreachable'];
  readonly runner: TestRunner;
  readonly timeoutMs: number;
}

/** Fill in the defaults of {@link ConformanceOptions}. */
export function resolveOptions<B extends ConformanceBackend>(options: ConformanceOptions<B> = {}): Resolved<B> {
  return {
    resources: new Set(options.resources ?? RESOURCE_NAMES),
    refs: options.refs ?? true,
    reopen: options.reopen ?? true,
    reportsOld: options.reportsOld ?? false,
    honoursAfter: options.honoursAfter ?? false,
    corrupt: options.corrupt,
    unreachable: options.unreachable,
    runner: options.runner ?? vitestRunner,
    timeoutMs: options.timeoutMs ?? 10_000,
  };
}

/** What a test body gets: backends that are cleaned up for it, and fresh ids. */
export class Harness<B extends ConformanceBackend> {
  readonly options: Resolved<B>;
  readonly #factory: BackendFactory<B>;
  readonly #instances: B[] = [];
  #nextId: () => Snowflake = snowflakes();

  constructor(factory: BackendFactory<B>, options: Resolved<B>) {
    this.#factory = factory;
    this.options = options;
  }

  /** A fresh, opened backend. */
  async open(): Promise<B> {
    const backend = await this.unopened();
    await backend.open();
    return backend;
  }

  /** A fresh backend, not opened yet (still closed by the harness). */
  async unopened(): Promise<B> {
    return this.track(await this.#factory());
  }

  /** A backend that was opened and then closed. */
  async closed(): Promise<B> {
    const backend = await this.open();
    await backend.close();
    return backend;
  }

  /** Make the harness close `backend` after the test. */
  track(backend: B): B {
    this.#instances.push(backend);
    return backend;
  }

  /** A snowflake never returned before in this test (increasing, so later ids are "newer"). */
  id(): Snowflake {
    return this.#nextId();
  }

  /** A full set of fresh parents. */
  parents(overrides: Partial<Parents> = {}): Parents {
    return { id: this.id(), guildId: this.id(), channelId: this.id(), userId: this.id(), ...overrides };
  }

  /** Whether the backend under test implements `resource`. */
  has(resource: ResourceName): boolean {
    return this.options.resources.has(resource);
  }

  /** Reset per-test state (called in `beforeEach`). */
  reset(): void {
    this.#nextId = snowflakes();
    this.#instances.length = 0;
  }

  /** Close every backend this test created; reports the first failure after trying them all. */
  async dispose(): Promise<void> {
    const instances = this.#instances.splice(0);
    const results = await Promise.allSettled(instances.map((backend) => backend.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw new Error('close() failed while cleaning up after the test', { cause: failed.reason });
  }
}

/** Registers the tests of one family. */
export interface GroupContext<B extends ConformanceBackend> {
  readonly options: Resolved<B>;
  /** Register one test; its body gets the harness. A function property: tests take it out of the context. */
  readonly test: (name: string, body: (h: Harness<B>) => Promise<void>, timeoutMs?: number) => void;
  /** A nested group (same harness). */
  readonly group: (name: string, body: () => void) => void;
}

/**
 * Register a family: `describe(title)` with the per-test harness hooks, then
 * `register` adds the tests.
 */
export function defineGroup<B extends ConformanceBackend>(
  title: string,
  factory: BackendFactory<B>,
  options: ConformanceOptions<B> | undefined,
  register: (ctx: GroupContext<B>) => void,
): void {
  const resolved = resolveOptions(options);
  const { runner } = resolved;
  runner.describe(title, () => {
    const harness = new Harness(factory, resolved);
    runner.beforeEach(() => harness.reset());
    runner.afterEach(() => harness.dispose());
    register({
      options: resolved,
      test: (name, body, timeoutMs) => runner.it(name, () => body(harness), timeoutMs ?? resolved.timeoutMs),
      group: (name, body) => runner.describe(name, body),
    });
  });
}
