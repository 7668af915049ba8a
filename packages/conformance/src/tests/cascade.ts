/**
 * The channel cascade of the write contract (`@sake/abc` mutations.ts): a
 * channel removed by a `delete`, a `replaceForGuild('channel', …)` that leaves
 * it out, a `clearFor('channel', 'guild', …)`, `deleteGuildChannel` or
 * `clearGuildChannelsForGuild` takes its messages, invites and voice states
 * with it, from every read and index, at its place in the batch.
 *
 * Registered inside the writer group when the backend implements channels and
 * at least one of the three child resources; only those it implements are
 * written and checked.
 */
import { mutation } from '@sake/abc';
import type { Mutation, Snowflake } from '@sake/abc';
import { apply, call } from '../calls.js';
import * as fx from '../fixtures.js';
import type { GroupContext, Harness } from '../harness.js';
import type { ConformanceBackend } from '../options.js';
import { SPECS, scopeOf } from '../specs.js';
import type { Entity, ResourceSpec } from '../specs.js';
import { expectAbsent, expectIter, expectValue, mergeOf, put, setOf } from './ops.js';

/** An entry of a child resource and the channel it is in. */
interface Child {
  readonly s: ResourceSpec;
  readonly value: Entity;
  readonly channelId: Snowflake;
}

/** Two guilds' channels and the children in them (see {@link seed}). */
interface World {
  /** Guild under test: text channel `gone`, voice channel `voice`, text channel `kept`. */
  readonly guildId: Snowflake;
  readonly gone: Snowflake;
  readonly voice: Snowflake;
  readonly kept: Snowflake;
  /** Another guild and its channel, which nothing here removes. */
  readonly otherGuildId: Snowflake;
  readonly other: Snowflake;
  readonly children: Child[];
  readonly specs: readonly ResourceSpec[];
  /** The author of every message (so the author index holds entries of removed and kept channels). */
  readonly authorId: Snowflake;
}

/** The child resources the backend implements. */
function childSpecs<B extends ConformanceBackend>(h: Harness<B>): ResourceSpec[] {
  return [SPECS.message, SPECS.invite, SPECS.voiceState].filter((s) => h.has(s.resource));
}

/** A new child of `s` in `channelId` of `guildId` (messages all by `authorId`). */
function child<B extends ConformanceBackend>(h: Harness<B>, s: ResourceSpec, guildId: Snowflake, channelId: Snowflake, authorId: Snowflake): Child {
  const userId = s.resource === 'message' ? authorId : h.id();
  return { s, value: s.build({ id: h.id(), guildId, channelId, userId }), channelId };
}

/**
 * Store the channels (the voice channel only when `cacheVoice`) and, for each child resource, two
 * children in `gone`, one in `voice`, one in `kept` and one in the other guild's channel.
 */
async function seed<B extends ConformanceBackend>(h: Harness<B>, b: B, cacheVoice = true): Promise<World> {
  const guildId = h.id();
  const otherGuildId = h.id();
  const [gone, voice, kept, other, authorId] = [h.id(), h.id(), h.id(), h.id(), h.id()];
  const channels = [fx.channel(gone, guildId), fx.channel(kept, guildId), fx.channel(other, otherGuildId)];
  if (cacheVoice) channels.push(fx.voiceChannel(voice, guildId));
  await put(b, SPECS.channel, ...channels);
  const specs = childSpecs(h);
  const children: Child[] = [];
  for (const s of specs) {
    for (const [g, c] of [
      [guildId, gone],
      [guildId, gone],
      [guildId, voice],
      [guildId, kept],
      [otherGuildId, other],
    ] as const) {
      children.push(child(h, s, g, c, authorId));
    }
  }
  await apply(b, ...children.map((c) => setOf(c.s, c.value)));
  return { guildId, gone, voice, kept, otherGuildId, other, children, specs, authorId };
}

/**
 * Assert that exactly the children not in `removed` (plus `added`) are cached, through `get…` and,
 * with refs, through every index that could name them (each parent id any of them has).
 */
async function expectChildren<B extends ConformanceBackend>(
  h: Harness<B>,
  b: B,
  w: World,
  removed: readonly Snowflake[],
  what: string,
  added: Child[] = [],
): Promise<void> {
  const isGone = (c: Child): boolean => removed.includes(c.channelId) && !added.includes(c);
  const all = [...w.children, ...added];
  for (const c of all) {
    if (isGone(c)) await expectAbsent(b, c.s, c.value, `${what}: it was in removed channel ${c.channelId}`);
    else await expectValue(b, c.s, c.value, `${what}: it is in channel ${c.channelId}, which stays`);
  }
  for (const s of w.specs) {
    const mine = all.filter((c) => c.s === s);
    const kept = mine.filter((c) => !isGone(c)).map((c) => c.value);
    await expectIter(b, s, undefined, undefined, kept, what);
    if (!h.options.refs) continue;
    for (const scope of s.scopes) {
      const parents = new Set(mine.map((c) => scopeOf(s, scope, c.value)).filter((p): p is Snowflake => p !== undefined));
      for (const parent of parents) {
        await expectIter(
          b,
          s,
          scope,
          parent,
          kept.filter((v) => scopeOf(s, scope, v) === parent),
          what,
        );
      }
    }
  }
}

/** Register the channel cascade tests (see the module doc). */
export function channelCascadeTests<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const { test } = ctx;

  test('deleting a channel removes its messages, invites and voice states from every read and index, cached channel or not', async (h) => {
    const b = await h.open();
    const w = await seed(h, b, false);
    await apply(b, mutation.delete('channel', { channelId: w.gone }), mutation.delete('channel', { channelId: w.voice }));
    await expectChildren(h, b, w, [w.gone, w.voice], 'after apply([delete channel, delete uncached voice channel])');
  });

  test('replaceForGuild of channels removes the children of the channels it leaves out', async (h) => {
    const b = await h.open();
    const w = await seed(h, b);
    await apply(b, mutation.replaceForGuild('channel', w.guildId, [fx.channel(w.kept, w.guildId)]));
    await expectChildren(h, b, w, [w.gone, w.voice], 'after a replaceForGuild of channels listing only one of three');
  });

  test('a channel an earlier replaceForGuild of the batch added, and a later one leaves out, takes its children', async (h) => {
    const b = await h.open();
    const w = await seed(h, b);
    // Children stored before their channel is: the batch's first replace caches it, its second removes it.
    const fresh = h.id();
    const freshChildren = w.specs.map((s) => child(h, s, w.guildId, fresh, w.authorId));
    await apply(b, ...freshChildren.map((c) => setOf(c.s, c.value)));
    const stay = [fx.channel(w.gone, w.guildId), fx.voiceChannel(w.voice, w.guildId), fx.channel(w.kept, w.guildId)];
    await apply(
      b,
      mutation.replaceForGuild('channel', w.guildId, [...stay, fx.channel(fresh, w.guildId)]),
      mutation.replaceForGuild('channel', w.guildId, stay),
    );
    await expectChildren(
      h,
      b,
      { ...w, children: [...w.children, ...freshChildren] },
      [fresh],
      'after [replaceForGuild adding a channel, replaceForGuild without it]',
    );
  });

  test('a channel limit after the cascade in the same batch counts only what the channel holds by then', async (h) => {
    if (!h.has('message')) return;
    const b = await h.open();
    const w = await seed(h, b);
    const s = SPECS.message;
    // `gone` holds two messages; the replace removes them, then one of them is set again with a new one
    // under a limit of 2: both fit, since the removed ones are gone by then.
    const again = w.children.find((c) => c.s === s && c.channelId === w.gone)!;
    const fresh = child(h, s, w.guildId, w.gone, w.authorId);
    const stay = [fx.voiceChannel(w.voice, w.guildId), fx.channel(w.kept, w.guildId)];
    await apply(
      b,
      mutation.replaceForGuild('channel', w.guildId, stay),
      setOf(s, again.value, { channelLimit: 2 }),
      setOf(s, fresh.value, { channelLimit: 2 }),
    );
    const what = 'after [replaceForGuild without a channel, set one of its removed messages again and a new one, limit 2]';
    await expectValue(b, s, again.value, `${what}: set again after the cascade, within the limit`);
    await expectValue(b, s, fresh.value, `${what}: set after the cascade, within the limit`);
    if (h.options.refs) await expectIter(b, s, 'channel', w.gone, [again.value, fresh.value], what);
  });

  test("a channel moved to another guild earlier in the batch is not removed by its old guild's replace or clear", async (h) => {
    const b = await h.open();
    const w = await seed(h, b);
    const stay = [fx.voiceChannel(w.voice, w.guildId), fx.channel(w.kept, w.guildId)];
    const moved = fx.channel(w.gone, w.otherGuildId);
    await apply(b, setOf(SPECS.channel, moved), mutation.replaceForGuild('channel', w.guildId, stay));
    const what = "after [set a channel under another guild, replaceForGuild of its old guild's channels without it]";
    await expectValue(b, SPECS.channel, moved, `${what}: it is in the other guild now`);
    await expectChildren(h, b, w, [], what);
    if (h.options.refs) await expectIter(b, SPECS.channel, 'guild', w.otherGuildId, [fx.channel(w.other, w.otherGuildId), moved], what);
    // The other order: removed (with its children), then set under the other guild again.
    await apply(b, mutation.clearFor('channel', 'guild', w.otherGuildId), setOf(SPECS.channel, moved));
    await expectValue(b, SPECS.channel, moved, 'after [clearFor of its guild, set it again]');
    await expectChildren(h, b, w, [w.gone, w.other], 'after [clearFor of its guild, set it again]');
  });

  test("clearFor of a guild's channels removes the children of each, and none of another guild", async (h) => {
    const b = await h.open();
    const w = await seed(h, b);
    await apply(b, mutation.clearFor('channel', 'guild', w.guildId));
    await expectChildren(h, b, w, [w.gone, w.voice, w.kept], "after clearFor('channel', 'guild')");
  });

  test('deleteGuildChannel cascades as a delete mutation does', async (h) => {
    const b = await h.open();
    const w = await seed(h, b);
    await call(b, 'deleteGuildChannel', w.gone);
    await expectChildren(h, b, w, [w.gone], 'after deleteGuildChannel');
    if (!h.options.refs) return;
    await call(b, 'clearGuildChannelsForGuild', w.guildId);
    await expectChildren(h, b, w, [w.gone, w.voice, w.kept], 'after clearGuildChannelsForGuild');
  });

  test('the cascade happens at its place in the batch: children written into the channel after it stay', async (h) => {
    const b = await h.open();
    const w = await seed(h, b);
    const before = w.specs.map((s) => child(h, s, w.guildId, w.gone, w.authorId));
    const after = w.specs.map((s) => child(h, s, w.guildId, w.gone, w.authorId));
    // A merge after the removal finds its (removed) entry absent: nothing is written back.
    const merged = w.children.filter((c) => c.channelId === w.gone);
    const batch: Mutation[] = [
      ...before.map((c) => setOf(c.s, c.value)),
      mutation.replaceForGuild('channel', w.guildId, [fx.channel(w.kept, w.guildId), fx.voiceChannel(w.voice, w.guildId)]),
      ...merged.map((c) => mergeOf(c.s, c.value, c.s.patch)),
      ...after.map((c) => setOf(c.s, c.value)),
    ];
    await apply(b, ...batch);
    const what = 'after [set children in a channel, replaceForGuild without it, merge its old children, set new children in it]';
    await expectChildren(h, b, { ...w, children: [...w.children, ...before] }, [w.gone], what, after);

    const late = w.specs.map((s) => child(h, s, w.guildId, w.kept, w.authorId));
    await apply(b, mutation.delete('channel', { channelId: w.kept }), ...late.map((c) => setOf(c.s, c.value)));
    const all = [...w.children, ...before, ...after];
    await expectChildren(
      h,
      b,
      { ...w, children: all.filter((c) => !after.includes(c)) },
      [w.gone, w.kept],
      `${what}, then [delete channel, set children in it]`,
      [...after, ...late],
    );
  });
}
