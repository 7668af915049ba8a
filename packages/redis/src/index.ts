/**
 * `@sake/redis`: the sake standard on Redis. See README.md for the key
 * layout and options.
 *
 * @packageDocumentation
 */
export { RedisCache } from './redis-cache.js';
export type { RedisCacheOptions, RedisCacheLogger, RedisTarget, ClusterConnection } from './options.js';
export { Keys, LAYOUT_VERSION } from './keys.js';
export { encodeRecord, decodeRecord } from './codec/record.js';
export { CURRENT_SCHEMA, type Schema, type FieldSpec } from './codec/schemas.js';
