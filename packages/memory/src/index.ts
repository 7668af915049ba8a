/**
 * `@sake/memory`: the embedded default sake backend, and the executable
 * definition of the standard's semantics.
 *
 * @packageDocumentation
 */
export { MemoryCache, type MemoryCacheOptions } from './memory-cache.js';
export { IndexedStore, type ScopeReader } from './store.js';
