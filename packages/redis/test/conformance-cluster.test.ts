/** The full @sake/conformance suite against RedisCache on a 3-master Redis Cluster. */
import { runConformance } from '@sake/conformance';
import { RedisCache } from '@sake/redis';
import { corruptEntry } from './corrupt.js';
import { clusterNodes, uniquePrefix } from './helpers.js';

runConformance('RedisCache cluster', () => new RedisCache({ clusterNodes: clusterNodes() }, { prefix: uniquePrefix('cconf') }), {
  corrupt: corruptEntry,
  reportsOld: true,
  honoursAfter: true,
});
