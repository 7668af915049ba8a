// The example third-party backend (examples/naive-backend) passes the part of
// the conformance suite for the resources it implements: the standard can be
// implemented from outside this repository.
import { guildTests, lifecycleTests, roleTests, userTests, writerTests } from '@sake/conformance';
import type { ConformanceOptions } from '@sake/conformance';
import { NaiveBackend } from '../examples/naive-backend/dist/index.js';
import { describe } from 'vitest';

const options: ConformanceOptions<NaiveBackend> = { resources: ['guild', 'role', 'user'] };
const factory = (): NaiveBackend => new NaiveBackend();

describe('NaiveBackend (examples/naive-backend)', () => {
  lifecycleTests(factory, options);
  writerTests(factory, options);
  guildTests(factory, options);
  roleTests(factory, options);
  userTests(factory, options);
});
