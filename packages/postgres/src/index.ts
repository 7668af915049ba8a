/**
 * `@sake/postgres`: `PostgresCache`, the sake cache standard on PostgreSQL
 * (node-postgres), with every resource, index and write-contract capability.
 *
 * @packageDocumentation
 */
export { PostgresCache } from './postgres-cache.js';
export type { PostgresCacheOptions, PostgresTarget } from './options.js';
export { SCHEMA_VERSION, ROW_FORMAT, TABLES } from './schema.js';
export type { TableSpec, ScopeColumn } from './schema.js';
