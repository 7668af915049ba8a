/** The full @sake/conformance suite against PostgresCache: every resource, index and capability. */
import { afterAll } from 'vitest';
import { runConformance } from '@sake/conformance';
import { PostgresCache } from '@sake/postgres';
import { corruptEntry, endSql, freshCache, uniqueSchema } from './helpers.js';

afterAll(endSql, 300_000);

runConformance('PostgresCache', () => freshCache({ sweepIntervalMs: 0 }), {
  corrupt: corruptEntry,
  reportsOld: true,
  honoursAfter: true,
  unreachable: () =>
    new PostgresCache('postgres://sake@127.0.0.1:1/postgres', { schema: uniqueSchema('down'), connectTimeoutMs: 1000, commandTimeoutMs: 1000 }),
});
