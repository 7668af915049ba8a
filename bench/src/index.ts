/**
 * The benchmark's reusable parts: the seeded dataset (shared with the
 * correctness test) and the naive baseline layout.
 *
 * @packageDocumentation
 */
export * from './dataset.js';
export { NaiveStore } from './naive.js';
