/**
 * One exported test group per resource family, plus the lifecycle and writer
 * groups. A backend that implements a subset of the standard runs only the
 * groups it needs (or passes `resources` to `runConformance`).
 */
import { defineGroup } from './harness.js';
import type { GroupContext } from './harness.js';
import type { BackendFactory, ConformanceBackend, ConformanceOptions, TestGroup } from './options.js';
import { SPECS } from './specs.js';
import type { IterableResource } from './specs.js';
import { basicTests } from './tests/basics.js';
import { lifetimeTests, mergeKeyTests, removalTests } from './tests/contract.js';
import { channelExtras, guildExtras, inviteExtras, meBody, messageExtras, userExtras } from './tests/extras.js';
import { memberExtras } from './tests/member-extras.js';
import { idTests } from './tests/ids.js';
import { lifecycleBody, writerBody } from './tests/lifecycle.js';
import { scopeTests } from './tests/scopes.js';

type Extras = <B extends ConformanceBackend>(ctx: GroupContext<B>) => void;

function family(resource: IterableResource, extras?: Extras): TestGroup {
  const s = SPECS[resource];
  return <B extends ConformanceBackend>(factory: BackendFactory<B>, options?: ConformanceOptions<B>): void =>
    defineGroup(`${s.resource} (${s.plural})`, factory, options, (ctx) => {
      basicTests(ctx, s);
      scopeTests(ctx, s);
      removalTests(ctx, s);
      lifetimeTests(ctx, s);
      mergeKeyTests(ctx, s);
      idTests(ctx, s);
      extras?.(ctx);
    });
}

/** Guild tests: get/set/merge/delete/iter/clear, bigint and malformed ids, deleting a guild leaves its children. */
export const guildTests: TestGroup = family('guild', guildExtras);
/** Guild channel (and thread) tests, including the for-guild index. */
export const channelTests: TestGroup = family('channel', channelExtras);
/** Emoji tests, including the for-guild index. */
export const emojiTests: TestGroup = family('emoji');
/** Role tests, including the for-guild index. */
export const roleTests: TestGroup = family('role');
/** Member tests, including the user join and the for-guild / for-user indexes. */
export const memberTests: TestGroup = family('member', memberExtras);
/** Presence tests, including the for-guild / for-user indexes. */
export const presenceTests: TestGroup = family('presence');
/** Voice state tests, including the for-guild / for-channel indexes (and moving channel). */
export const voiceStateTests: TestGroup = family('voiceState');
/** Message tests, including channelLimit, ttl and the for-guild / for-channel / for-author indexes. */
export const messageTests: TestGroup = family('message', messageExtras);
/** Invite tests, including ttl (and only ttl: not `max_age`) and the for-guild / for-channel indexes. */
export const inviteTests: TestGroup = family('invite', inviteExtras);
/** User tests, including ttl. */
export const userTests: TestGroup = family('user', userExtras);

/** Tests of the bot's own user (`getMe` / `deleteMe`). */
export const meTests: TestGroup = (factory, options) => defineGroup('me', factory, options, meBody);

/** Lifecycle tests: open/close/isAlive, ClosedClient on every method, reopen, unreachable store. */
export const lifecycleTests: TestGroup = (factory, options) => defineGroup('lifecycle', factory, options, lifecycleBody);

/**
 * Write-contract tests: batch order, empty and multi-resource batches, validation before writing;
 * merge-upsert `ttlMs`/`channelLimit`, `react` (with messages), `removeRole` (with members), and
 * old values reported by `apply` (with `reportsOld`).
 */
export const writerTests: TestGroup = (factory, options) => defineGroup('writer (apply)', factory, options, writerBody);

/** Every resource family's group, by resource name. */
export const RESOURCE_TESTS: Readonly<Record<IterableResource | 'me', TestGroup>> = {
  guild: guildTests,
  channel: channelTests,
  emoji: emojiTests,
  role: roleTests,
  member: memberTests,
  presence: presenceTests,
  voiceState: voiceStateTests,
  message: messageTests,
  invite: inviteTests,
  user: userTests,
  me: meTests,
};
