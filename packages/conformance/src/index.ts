/**
 * `@sake/conformance`: the test suite a sake backend author runs against
 * their backend. `runConformance(name, factory, options)` registers every
 * test; each family is also exported on its own for partial backends.
 *
 * @packageDocumentation
 */
export { runConformance } from './run.js';
export {
  channelTests,
  emojiTests,
  guildTests,
  inviteTests,
  lifecycleTests,
  meTests,
  memberTests,
  messageTests,
  presenceTests,
  roleTests,
  userTests,
  voiceStateTests,
  writerTests,
  RESOURCE_TESTS,
} from './families.js';
export type { BackendFactory, ConformanceBackend, ConformanceOptions, EntryKey, TestBody, TestGroup, TestRunner } from './options.js';
export { fixtures } from './fixtures.js';
export { BAD_INVITE_CODES, BAD_SNOWFLAKES } from './tests/ids.js';
