/**
 * A batch turned into Redis work, then executed in waves:
 *  1. one `sakeGuildOps` call per guild (atomic, in batch order; a guild with
 *     many members in the batch gets several, guild-calls.ts), message /
 *     invite / me writes, and their indexes;
 *  2. from the guild results: the cross-slot indexes (member and presence
 *     lists of users, channel/role/emoji locators, voice-channel sets, the
 *     guild set) and `sakeUserOps` over the touched user buckets (the topology writer, writers/); evicted messages
 *     are looked up;
 *  3. only when a channel limit evicted messages: their removal.
 * Commands of one wave are issued together (auto-pipelined: one round trip
 * per node); a wave starts when the previous one is confirmed.
 *
 * Plan keeps the guild, member, user and me ops, the role strips and the waves; the
 * rest is in guild-ops.ts (a guild call's arguments and records), follow-up.ts
 * (the cross-slot indexes of wave 2), message-writes.ts (messages, invites and
 * their indexes), user-ops-queue.ts (the user-bucket ops) and placements.ts
 * (children moved between guilds).
 */
import type { PresenceEntity, ResourceName, VoiceStateEntity } from '@sake/abc';
import { childCodec, guildCodec, idBytes, meCodec, presenceCodec, voiceStateCodec } from '../codec/index.js';
import { encodeEntry, encodeRecord } from '../codec/record.js';
import { EntryList } from '../codec/writer.js';
import type { Command, Ctx } from '../context.js';
import { bucketOf, bucketSeed, GUILD_CHILD_HASH, type GuildHashResource } from '../keys.js';
import type { ChannelRemoval } from './cascade.js';
import { chunked } from './commands.js';
import { followUp, isKnownUpFront, type FollowUpTarget } from './follow-up.js';
import { sendGuildOps } from './guild-calls.js';
import { childRecord, pieces, reportOld, type GuildGroup, type MemberRun, type OldSink } from './guild-ops.js';
import { MessageWrites } from './message-writes.js';
import { Placements } from './placements.js';
import { UserOps } from './user-ops-queue.js';
import { UserTtls } from './user-ttls.js';
import { runStrips } from './role-strips.js';
import type { Entity } from './validate.js';

/**
 * Member bucket count for a guild of `n` members: at most 128 members per bucket (64–128 once a
 * guild has a few buckets), well inside Redis' listpack encoding; fewer keys than 64 per bucket
 * saved ~2 bytes per member. Same formula as the script.
 */
export function memberBucketsFor(n: number): number {
  let b = 1;
  while (b * 128 < n && b < 65536) b *= 2;
  return b;
}

/** The Redis work of one batch. */
export class Plan {
  readonly #ctx: Ctx;
  readonly #now: number;
  readonly #guilds = new Map<string, GuildGroup>();
  /** The user-bucket ops, run in waves 1 to 3. */
  readonly #users: UserOps;
  /** Single-key writes of wave 1, in batch order (message/invite writes join them). */
  readonly #wave1: Command[] = [];
  readonly #placements = new Placements();
  readonly #userTtls = new UserTtls();
  /** Channels that replace/clear ops given an `at` removed, from their script replies (filled by {@link execute}). */
  readonly removedChannels: ChannelRemoval[] = [];
  /** What the guild follow-ups write with. */
  readonly #target: FollowUpTarget;
  /** Message and invite writes (and their indexes). */
  readonly messages: MessageWrites;

  constructor(ctx: Ctx, now: number) {
    this.#ctx = ctx;
    this.#now = now;
    this.#users = new UserOps(ctx);
    this.#target = {
      ctx,
      users: this.#users,
      removedChannels: this.removedChannels,
      placements: this.#placements,
      userTtls: this.#userTtls,
    };
    this.messages = new MessageWrites(ctx, now, this.#wave1, this.#users);
  }

  /** The time this plan's writes are stamped with (epoch ms). */
  get now(): number {
    return this.#now;
  }

  #guild(guildId: string): GuildGroup {
    let g = this.#guilds.get(guildId);
    if (!g) {
      g = { args: [], records: [], memberHint: 0, hasChildren: false, implied: { guild_id: guildId } };
      this.#guilds.set(guildId, g);
    }
    return g;
  }

  // ── guilds ────────────────────────────────────────────────────────────
  /** Set a guild record; `old` gets the record it replaces (from the script's reply). */
  setGuild(guildId: string, value: Entity, old?: OldSink): void {
    const g = this.#guild(guildId);
    g.args.push(old ? 'Go' : 'G', guildCodec.encode(value as never, guildId));
    g.records.push(old ? { kind: 'guild', present: true, old } : { kind: 'guild', present: true });
    if (typeof value.member_count === 'number') g.memberHint = Math.max(g.memberHint, value.member_count);
  }

  /** Delete a guild record (only the record: children have their own mutations); `old` as for {@link setGuild}. */
  deleteGuild(guildId: string, old?: OldSink): void {
    const g = this.#guild(guildId);
    g.args.push(old ? 'go' : 'g');
    g.records.push(old ? { kind: 'guild', present: false, old } : { kind: 'guild', present: false });
  }

  // ── channels, roles, emojis, presences, voice states ──────────────────
  #childBytes(resource: GuildHashResource, guildId: string, id: string, value: Entity): Buffer {
    switch (resource) {
      case 'presence':
        return presenceCodec.encode(value as unknown as PresenceEntity, guildId);
      case 'voiceState':
        return voiceStateCodec.encode(value as unknown as VoiceStateEntity, guildId, id);
      default:
        return childCodec.encode(resource, value, id, guildId);
    }
  }

  /**
   * Set one child; `id` is the entity id (the user id for presences and voice states). `old`
   * (presences and voice states) gets the value it replaces, from the script's reply.
   */
  setChild(resource: GuildHashResource, guildId: string, id: string, value: Entity, old?: OldSink): void {
    this.#placements.place(resource, id, guildId);
    const g = this.#guild(guildId);
    g.hasChildren = true;
    g.args.push(old ? 'So' : 'S', GUILD_CHILD_HASH[resource], idBytes(id), this.#childBytes(resource, guildId, id, value));
    if (resource === 'presence') this.#userTtls.added('p', guildId, id);
    g.records.push(childRecord(resource, 'set', id, value, old));
  }

  /** Delete one child; `old` as for {@link setChild}. */
  deleteChild(resource: GuildHashResource, guildId: string, id: string, old?: OldSink): void {
    const g = this.#guild(guildId);
    g.args.push(old ? 'Do' : 'D', GUILD_CHILD_HASH[resource], idBytes(id));
    g.records.push(childRecord(resource, 'del', id, undefined, old, resource === 'presence' ? this.#userTtls.removed('p', guildId, id) : undefined));
  }

  /** Replace every child of `resource` in a guild; `at` (the mutation's batch index) reports the channels it removes in {@link removedChannels}. */
  replaceChildren(resource: GuildHashResource, guildId: string, entries: Array<{ id: string; value: Entity }>, at?: number): void {
    const seq = this.#placements.seq;
    for (const { id } of entries) this.#placements.place(resource, id, guildId);
    const g = this.#guild(guildId);
    g.hasChildren = true;
    g.args.push('R', GUILD_CHILD_HASH[resource], String(entries.length));
    for (const { id, value } of entries) g.args.push(idBytes(id), this.#childBytes(resource, guildId, id, value));
    if (resource === 'presence') {
      const userIds = entries.map((e) => e.id);
      g.records.push({ kind: 'presence', op: 'replace', userIds, seq: this.#userTtls.replaced('p', guildId, userIds) });
    } else if (resource === 'voiceState') {
      g.records.push({
        kind: 'voice',
        op: 'replace',
        channels: new Map(entries.map((e) => [e.id, (e.value.channel_id as string | null | undefined) ?? null])),
      });
    } else g.records.push({ kind: 'located', resource, op: 'replace', ids: entries.map((e) => e.id), at, seq });
  }

  /** Remove every child of `resource` in a guild; `at` as for {@link replaceChildren}. */
  clearChildren(resource: GuildHashResource, guildId: string, at?: number): void {
    const g = this.#guild(guildId);
    g.args.push('C', GUILD_CHILD_HASH[resource]);
    if (resource === 'presence') g.records.push({ kind: 'presence', op: 'clear', seq: this.#userTtls.replaced('p', guildId) });
    else if (resource === 'voiceState') g.records.push({ kind: 'voice', op: 'clear' });
    else g.records.push({ kind: 'located', resource, op: 'clear', at, seq: this.#placements.seq });
  }

  // ── members ───────────────────────────────────────────────────────────
  /** Set a member and its user. */
  setMember(guildId: string, userId: string, value: Entity, withUser = true): void {
    const g = this.#guild(guildId);
    g.hasChildren = true;
    g.memberHint = Math.max(g.memberHint, 1);
    // Consecutive member sets of a guild become one `MS` run: one bucket-count read and one
    // HSET per bucket in the script instead of three calls per member, and the members packed
    // into one argument (count and bytes filled in by execute()).
    let run = g.run;
    if (!run || run.end !== g.args.length) {
      g.args.push('MS', '0', '0');
      run = { countIndex: g.args.length - 2, end: g.args.length, userIds: [], list: new EntryList(1024) };
      g.run = run;
      this.#memberRuns.push([g, run]);
      g.records.push({ kind: 'member', op: 'setMany', userIds: run.userIds });
    }
    encodeEntry('member', value, g.implied, 'user', run.list, userId, bucketSeed(userId), this.#ctx.roles.of(guildId));
    run.userIds.push(userId);
    this.#userTtls.added('m', guildId, userId);
    // A member rewrite that leaves its user as stored (a role change) skips the user's encoding and bucket write.
    if (withUser) this.setUser(userId, value.user as Entity, undefined);
  }

  /**
   * Merge a patch into a member and its user in Redis (guild-ops `MM`, user-ops `UM`): the script
   * splices the patch's record over the stored one, so the batch needs neither a read of the member
   * nor Node's copy of it. An upsert: a member it does not find is created from the patch, which
   * must then be a valid member (the caller's check). `patch` holds the member's own fields;
   * `user` the user's (undefined: the user is left as it is). Roles {@link stripRoles} dropped
   * before it in the batch are dropped from the stored record first. `old` (single node) gets the
   * member and its user as they were (`MMo`'s reply).
   */
  mergeMember(guildId: string, userId: string, patch: Entity, user: Entity | undefined, old?: OldSink): void {
    const g = this.#guild(guildId);
    // The roles the batch's removeRoles so far dropped from this guild (stripRoles is called in batch order).
    const strip = [...(this.#strips.get(guildId) ?? [])];
    this.#userTtls.added('m', guildId, userId);
    g.hasChildren = true;
    g.memberHint = Math.max(g.memberHint, 1);
    const bytes = encodeRecord('member', patch, g.implied, 'user', this.#ctx.roles.of(guildId));
    g.args.push(old ? 'MMo' : 'MM', idBytes(userId), String(bucketSeed(userId)), bytes, strip.join(','));
    if (old) this.#pushUserKeys(g, userId);
    // The user's member list gets the guild only when the merge created the member (its reply says,
    // see execute). A merge after a role removal strips the role itself; one before it leaves that
    // to the strip script (which passes over the members the batch writes).
    g.records.push({ kind: 'member', op: 'merge', userId, written: strip.length > 0, ...(old ? { old } : {}) });
    if (user !== undefined) this.#users.add(userId, 'UM', undefined, idBytes(userId), encodeRecord('user', user, { id: userId }));
  }

  /** Delete a member (its user stays, and may become an orphan); `old` as for {@link mergeMember}. */
  deleteMember(guildId: string, userId: string, old?: OldSink): void {
    const g = this.#guild(guildId);
    g.args.push(old ? 'mo' : 'm', idBytes(userId), String(bucketSeed(userId)));
    if (old) this.#pushUserKeys(g, userId);
    const seq = this.#userTtls.removed('m', guildId, userId);
    g.records.push(old ? { kind: 'member', op: 'del', userId, old, seq } : { kind: 'member', op: 'del', userId, seq });
  }

  /** The user hash and its tail hash of `userId`, for an op that reports the member's user (single node: another slot). */
  #pushUserKeys(g: GuildGroup, userId: string): void {
    const bucket = bucketOf(userId, this.#ctx.userBuckets);
    g.args.push(this.#ctx.keys.users(bucket), this.#ctx.keys.userTails(bucket));
  }

  /** Replace every member of a guild (and set their users). */
  replaceMembers(guildId: string, entries: Array<{ userId: string; value: Entity }>): void {
    const g = this.#guild(guildId);
    g.hasChildren = true;
    g.memberHint = Math.max(g.memberHint, entries.length);
    g.args.push('RM', String(entries.length), '');
    // The bucket-count hint is patched in at execution time (a later guild set may raise it).
    const hintIndex = g.args.length - 1;
    const list = new EntryList(1024);
    const roles = this.#ctx.roles.of(guildId);
    const userIds = entries.map((e) => e.userId);
    const seq = this.#userTtls.replaced('m', guildId, userIds);
    for (const { userId, value } of entries) {
      encodeEntry('member', value, g.implied, 'user', list, userId, bucketSeed(userId), roles);
      this.setUser(userId, value.user as Entity, undefined);
    }
    const parts = pieces(list);
    g.args.push(String(parts.length), ...parts);
    g.records.push({ kind: 'member', op: 'replace', userIds, seq });
    this.#hintSlots.push([g, hintIndex]);
  }

  readonly #hintSlots: Array<[GuildGroup, number]> = [];
  readonly #memberRuns: Array<[GuildGroup, MemberRun]> = [];

  /**
   * Drop role dictionary `indexes` from every stored member of a guild whose roles are in place,
   * in Redis (`sakeStripRoles`, scripts/strip-roles.lua), after the guild's ops: a role delete rewrites
   * in Node only the members the batch writes (their roles as the batch has them; the strip leaves
   * them alone, so it may run after the batch's other ops) and those the script can't edit.
   */
  stripRoles(guildId: string, indexes: readonly number[]): void {
    let set = this.#strips.get(guildId);
    if (!set) this.#strips.set(guildId, (set = new Set()));
    for (const i of indexes) set.add(i);
  }

  readonly #strips = new Map<string, Set<number>>();

  /** Remove every member of a guild. */
  clearMembers(guildId: string): void {
    const g = this.#guild(guildId);
    g.args.push('CM');
    g.records.push({ kind: 'member', op: 'clear', seq: this.#userTtls.replaced('m', guildId) });
  }

  // ── users and me ──────────────────────────────────────────────────────
  /**
   * Set a user; `ttlMs` overrides the orphan TTL, and null keeps the deadline the user has (a merge
   * into a stored user keeps its expiry: user-ops `U` with TTL `k`).
   */
  setUser(userId: string, value: Entity, given: number | null | undefined): void {
    const ttlMs = this.#userTtls.write(userId, value, given);
    const ttl = ttlMs === undefined ? '' : ttlMs === null ? 'k' : String(Math.ceil(ttlMs));
    encodeEntry('user', value, { id: userId }, undefined, this.#users.list(userId, 'U', ttl), userId);
  }

  /** Delete a user. */
  deleteUser(userId: string): void {
    this.#users.add(userId, 'u', undefined, idBytes(userId));
  }

  /** Remove every user of every bucket. */
  clearUsers(): void {
    for (let b = 0; b < this.#ctx.userBuckets; b++) this.#users.bucketOp(b, 'UX', undefined, []);
  }

  /** Set the bot's own user. */
  setMe(value: Entity): void {
    const bytes = meCodec.encode(value as never);
    this.#wave1.push((ctx) => ctx.conn.batched.set(ctx.keys.me, bytes));
  }

  /** Delete the bot's own user. */
  deleteMe(): void {
    this.#wave1.push((ctx) => ctx.conn.batched.del(ctx.keys.me));
  }

  // ── execution ─────────────────────────────────────────────────────────
  /** Run the waves; resolves when everything is confirmed by Redis. */
  async execute(): Promise<void> {
    const ctx = this.#ctx;
    const keys = ctx.keys;
    for (const [g, index] of this.#hintSlots) g.args[index] = String(g.memberHint);
    // Last run first: splicing a run's pieces in moves only what comes after it.
    for (let r = this.#memberRuns.length - 1; r >= 0; r--) {
      const [g, run] = this.#memberRuns[r]!;
      const parts = pieces(run.list);
      g.args[run.countIndex] = String(run.list.n);
      g.args[run.countIndex + 1] = String(parts.length);
      g.args.splice(run.countIndex + 2, 0, ...parts);
    }

    // Wave 1. The index updates the guild ops imply by themselves (as if the scripts removed
    // nothing) and the user writes go out in this same wave. Only what the scripts' replies add
    // (fields a replace or clear removed, old voice channels) needs a second round trip, after
    // them; a batch whose ops are all known up front (a member chunk, a message, a presence),
    // or whose replace ops removed nothing (a new guild's GUILD_CREATE), has none.
    const guildEntries = [...this.#guilds];
    const early = guildEntries.every(([, g]) => g.records.every(isKnownUpFront));
    const earlyWork: Command[] = [];
    const bases = guildEntries.map(([guildId, g]) => followUp(this.#target, guildId, g, [], earlyWork));
    // Users set with a ttlMs after the ops that dropped them, once every drop is known (wave 2 otherwise).
    const rewrite = (): void => this.#userTtls.rewrite((userId, value, ttlMs) => this.setUser(userId, value, ttlMs));
    if (early) rewrite();
    const earlyUserOps = this.#users.take();
    const [guildReplies, , , placements] = await ctx.conn.run('apply', () => {
      // Read the locators before anything of this batch can change them.
      const before = this.#placements.read(ctx);
      const replies = Promise.all(
        guildEntries.map(([guildId, g]) => sendGuildOps(ctx, keys.guildMeta(guildId), String(memberBucketsFor(g.memberHint)), g.args)),
      );
      const slots = guildEntries.filter(([, g]) => g.hasChildren).map(([id]) => id);
      const single = this.#wave1.map((cmd) => cmd(ctx));
      const slotWrites = Promise.all(chunked(slots).map((part) => ctx.conn.batched.sadd(keys.guildSlots, ...part)));
      const indexes = Promise.all([...earlyWork.map((cmd) => cmd(ctx)), this.#users.run(earlyUserOps)]);
      return Promise.all([replies, slotWrites, Promise.all(single), before, indexes]);
    });
    // Old values the guild ops reported (an unreadable one is raised once the batch is written).
    const reported = Promise.all(guildEntries.map(([, g], i) => reportOld(g.records, guildReplies[i] ?? [])));
    await runStrips(ctx, this.#strips, this.#guilds);
    // Wave 1 has gone out with its index and value groups: later removals (evictions) start new ones.
    this.messages.closeGroups();
    this.#wave1.length = 0;

    // Wave 2: cross-slot indexes from what the guild scripts did (skipped when there is none).
    const wave2: Command[] = [];
    if (!early) {
      guildEntries.forEach(([guildId, g], i) => followUp(this.#target, guildId, g, guildReplies[i] ?? [], wave2, bases[i]));
      rewrite();
    }
    this.#placements.unplace(keys, placements, wave2);
    await this.messages.moves(wave2);
    const evictedFrom = new Map<string, string>();
    for (const { index, evicted } of this.messages.evictions) for (const id of await evicted) evictedFrom.set(id, index);
    const evicted = evictedFrom.size > 0 ? this.messages.lookUpEvicted(evictedFrom) : undefined;
    if (wave2.length > 0 || this.#users.size > 0 || evicted) {
      await ctx.conn.run('apply', () => Promise.all([...wave2.map((cmd) => cmd(ctx)), this.#users.run(), evicted]));
    }

    // Wave 3: remove what channel limits evicted.
    if (evicted) {
      this.#users.clear();
      const found = await evicted;
      for (const entry of found) if (entry !== undefined) this.messages.deleteMessage(entry[0], entry[1]);
      const cleanup = this.#wave1.splice(0);
      await ctx.conn.run('apply', () => Promise.all([...cleanup.map((cmd) => cmd(ctx)), this.#users.run()]));
    }
    const oldFailure = (await reported).find((failure) => failure !== undefined);
    if (oldFailure !== undefined) throw oldFailure;
  }
}

/** Resources stored in per-guild hashes, as plan methods expect them. */
export function isGuildHashResource(resource: ResourceName): resource is GuildHashResource {
  return resource in GUILD_CHILD_HASH;
}
