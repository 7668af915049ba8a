/** The full @sake/conformance suite against RedisCache on a single node (its scripts as FCALLs of the function library: the server is Redis ≥ 7). */
import { runConformance } from '@sake/conformance';
import { RedisCache } from '@sake/redis';
import { corruptEntry } from './corrupt.js';
import { redisUrl, uniquePrefix } from './helpers.js';

runConformance('RedisCache single node', () => new RedisCache(redisUrl(), { prefix: uniquePrefix('conf') }), {
  corrupt: corruptEntry,
  reportsOld: true,
  honoursAfter: true,
  unreachable: () => new RedisCache('redis://127.0.0.1:1', { prefix: uniquePrefix('down'), connectTimeoutMs: 1000, commandTimeoutMs: 1000 }),
});
