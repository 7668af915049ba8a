// The example third-party backend passes the part of the conformance suite
// for the resources it implements: the standard can be implemented from
// outside this repository. From the repository root:
//
//   npx vitest run examples/naive-backend/test/conformance.test.ts
//
// (no Redis is started for it: see the root vitest.config.ts).
import { guildTests, lifecycleTests, roleTests, userTests, writerTests } from '@sake/conformance';
import type { ConformanceOptions } from '@sake/conformance';
import { describe } from 'vitest';
import { NaiveBackend } from '../src/index.js';

const options: ConformanceOptions<NaiveBackend> = { resources: ['guild', 'role', 'user'] };
const factory = (): NaiveBackend => new NaiveBackend();

describe('NaiveBackend (examples/naive-backend)', () => {
  lifecycleTests(factory, options);
  writerTests(factory, options);
  guildTests(factory, options);
  roleTests(factory, options);
  userTests(factory, options);
});
