/** The one call a backend author makes. */
import { RESOURCE_NAMES } from '@sake/abc';
import { RESOURCE_TESTS, lifecycleTests, writerTests } from './families.js';
import { resolveOptions } from './harness.js';
import type { BackendFactory, ConformanceBackend, ConformanceOptions } from './options.js';

/**
 * Register the whole conformance suite for a backend in `describe(name, …)`:
 * lifecycle, the write contract, and the tests of every resource listed in
 * `options.resources` (default: all).
 *
 * @param name - the suite's name in the runner's output
 * @param factory - returns a fresh, EMPTY, NOT-yet-opened backend; the suite opens it and closes it after each test
 * @param options - capability switches and hooks (see {@link ConformanceOptions})
 *
 * @example
 * ```ts
 * import { runConformance } from '@sake/conformance';
 * runConformance('MyCache', () => new MyCache({ prefix: `test-${crypto.randomUUID()}:` }));
 * ```
 */
export function runConformance<B extends ConformanceBackend>(name: string, factory: BackendFactory<B>, options: ConformanceOptions<B> = {}): void {
  const resolved = resolveOptions(options);
  resolved.runner.describe(name, () => {
    lifecycleTests(factory, options);
    writerTests(factory, options);
    for (const resource of RESOURCE_NAMES) {
      if (resolved.resources.has(resource)) RESOURCE_TESTS[resource](factory, options);
    }
  });
}
