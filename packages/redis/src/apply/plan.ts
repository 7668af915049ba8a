/**
 * A batch turned into Redis work, then executed in waves:
 *  1. one `sakeGuildOps` call per guild (atomic, in batch order), message /
 *     invite / me writes, and their indexes;
 *  2. from the guild results: the cross-slot indexes (member and presence
 *     lists of users, channel/role/emoji locators, voice-channel sets, the
 *     guild set) and `sakeUserOps` over the touched user buckets (user-scripts.ts); evicted messages
 *     are looked up;
 *  3. only when a channel limit evicted messages: their removal.
 * Commands of one wave are issued together (auto-pipelined: one round trip
 * per node); a wave starts when the previous one is confirmed.
 */
import type { InviteEntity, MessageEntity, ResourceName, VoiceStateEntity } from '@sake/abc';
import { childCodec, guildCodec, idBytes, idFromBytes, inviteCodec, meCodec, messageCodec, presenceCodec, voiceStateCodec } from '../codec/index.js';
import type { PresenceEntity } from '@sake/abc';
import { encodeEntry, encodeRecord } from '../codec/record.js';
import { EntryList } from '../codec/writer.js';
import type { ChannelRemoval } from './cascade.js';
import { runUserScripts } from './user-scripts.js';
import type { Ctx } from '../context.js';
import { bucketOf, bucketSeed, GUILD_CHILD_HASH, type GuildHashResource } from '../keys.js';
import type { Entity } from './validate.js';

type Arg = string | Buffer;

/** Split a long argument list: spreading hundreds of thousands of arguments overflows the stack. */
function chunked<T>(list: readonly T[], size = 4096): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Members one `sakeStripRoles` call goes through (~3–8 ms of Redis time). */
const STRIP_MEMBERS_PER_CALL = 2048;

/** Largest piece of packed member entries per argument: under Redis' 32 KB "big argument" size. */
const PIECE_BYTES = 16 * 1024;

/** Packed member entries (id8, seed u32, length u32, bytes) cut at entry boundaries into pieces of at most ~PIECE_BYTES. */
function pieces(list: EntryList): Buffer[] {
  const bytes = list.bytes();
  if (bytes.length <= PIECE_BYTES) return [bytes];
  const out: Buffer[] = [];
  let start = 0;
  let p = 0;
  while (p < bytes.length) {
    const next = p + 16 + bytes.readUInt32BE(p + 12);
    if (next - start > PIECE_BYTES && p > start) {
      out.push(bytes.subarray(start, p));
      start = p;
    }
    p = next;
  }
  out.push(bytes.subarray(start));
  return out;
}

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

/** What one guild op did, to read its script reply. */
type GuildRecord =
  | { kind: 'guild'; present: boolean }
  | { kind: 'member' | 'presence'; op: 'set' | 'del'; userId: string }
  | { kind: 'member'; op: 'merge'; userId: string; written: boolean }
  | { kind: 'member'; op: 'setMany'; userIds: string[] }
  | { kind: 'member' | 'presence'; op: 'replace'; userIds: string[] }
  | { kind: 'member' | 'presence'; op: 'clear' }
  | { kind: 'voice'; op: 'set'; userId: string; channelId: string | null }
  | { kind: 'voice'; op: 'del'; userId: string }
  | { kind: 'voice'; op: 'replace'; channels: Map<string, string | null> }
  | { kind: 'voice'; op: 'clear' }
  | { kind: 'located'; resource: 'channel' | 'role' | 'emoji'; op: 'set' | 'del'; id: string }
  | { kind: 'located'; resource: 'channel' | 'role' | 'emoji'; op: 'replace'; ids: string[]; at?: number }
  | { kind: 'located'; resource: 'channel' | 'role' | 'emoji'; op: 'clear'; at?: number };

interface GuildGroup {
  args: Arg[];
  records: GuildRecord[];
  /** Largest member count seen for the guild in this batch (sizes a new guild's buckets). */
  memberHint: number;
  hasChildren: boolean;
  /** The open `MS` run: where its count is and how long `args` was after it (a run continues only if nothing came between). */
  run?: MemberRun;
  /** `{ guild_id }`: what member records leave out. */
  implied: { guild_id: string };
}

/** A run of member sets: one `MS` op whose members are packed into one argument. */
interface MemberRun {
  countIndex: number;
  end: number;
  userIds: string[];
  list: EntryList;
}

type Command = (ctx: Ctx) => Promise<unknown>;

/** User-bucket op kinds (see user-ops.ts): runs of the same kind and parameter share one header. */
type UserOpKind = 'U' | 'UM' | 'u' | 'M+' | 'M-' | 'P+' | 'P-' | 'A+' | 'A-' | 'UX' | 'MX' | 'PX' | 'SWEEP';

/** Items per entry of each kind. */
const USER_OP_WIDTH: Record<UserOpKind, number> = { U: 3, UM: 2, u: 1, 'M+': 1, 'M-': 1, 'P+': 1, 'P-': 1, 'A+': 3, 'A-': 2, UX: 0, MX: 0, PX: 0, SWEEP: 0 };

interface UserGroup {
  kind: UserOpKind;
  param: Arg | undefined;
  items: Arg[];
  /** Packed kinds (U, M±, P±): the entries, sent as one argument. */
  list?: EntryList;
}

/** Serialise a bucket's groups as the script's arguments. */
export function userOpArgs(groups: readonly UserGroup[]): Arg[] {
  const out: Arg[] = [];
  for (const g of groups) {
    out.push(g.kind);
    if (g.param !== undefined) out.push(g.param);
    if (g.list) {
      out.push(String(g.list.n), g.list.bytes());
      continue;
    }
    out.push(String(USER_OP_WIDTH[g.kind] === 0 ? 0 : g.items.length / USER_OP_WIDTH[g.kind]));
    for (const item of g.items) out.push(item);
  }
  return out;
}

/** A batch's value writes on a single node, in order: the arguments of one `sakeValues` call (see {@link Plan.#valueWrite}). */
interface ValueGroup {
  readonly args: Arg[];
  /** The `S` writes, in order: the call answers their previous values. */
  readonly sets: Array<Omit<Overwrite, 'previous'>>;
}

/** A message/invite write whose previous value may sit in other indexes (it moved channel, guild or author). */
interface Overwrite {
  resource: 'message' | 'invite';
  id: string;
  value: Entity;
  previous: Promise<Buffer | null>;
}

/** Adds to (or removals from) one expiring index that go out as one command. */
interface IndexGroup {
  /** The channel limit the adds evict with. */
  readonly limit: number | undefined;
  /** The ids in the group (a later opposite op on one of them starts a new group). */
  readonly ids: Set<string>;
  /** The command's arguments: (score, id) pairs for adds, ids for removals. */
  readonly args: string[];
}

/** The Redis work of one batch. */
export class Plan {
  readonly #ctx: Ctx;
  readonly #now: number;
  readonly #guilds = new Map<string, GuildGroup>();
  readonly #userOps = new Map<number, UserGroup[]>();
  /** Single-key writes of wave 1, in batch order. */
  readonly #wave1: Command[] = [];
  /** Channel indexes whose limit may evict: the evicted ids come back from wave 1. */
  readonly #evictions: Array<{ readonly index: string; readonly evicted: Promise<string[]> }> = [];
  /** Open index-add groups of wave 1 (see {@link Plan.#indexAdd}), by index key. */
  readonly #indexGroups = new Map<string, IndexGroup>();
  /** Open index-removal groups of wave 1 (see {@link Plan.#unindex}), by index key. */
  readonly #removeGroups = new Map<string, IndexGroup>();
  /** The open group of value writes of wave 1 (single node; see {@link Plan.#valueWrite}). */
  #values: ValueGroup | undefined;
  /** Message/invite writes with their previous value (SET … GET). */
  readonly #overwrites: Overwrite[] = [];
  /** Channel/role/emoji ids set in this batch, with every guild they were set under, in order. */
  readonly #placed = new Map<'channel' | 'role' | 'emoji', Map<string, string[]>>();

  constructor(ctx: Ctx, now: number) {
    this.#ctx = ctx;
    this.#now = now;
  }

  #guild(guildId: string): GuildGroup {
    let g = this.#guilds.get(guildId);
    if (!g) {
      g = { args: [], records: [], memberHint: 0, hasChildren: false, implied: { guild_id: guildId } };
      this.#guilds.set(guildId, g);
    }
    return g;
  }

  /** Queue a user-bucket op; consecutive ops of one kind (and parameter) share a group. */
  #user(userId: string, kind: UserOpKind, param: Arg | undefined, ...items: Arg[]): void {
    this.#userBucketOp(bucketOf(userId, this.#ctx.userBuckets), kind, param, items);
  }

  /** The packed entry list of a user-bucket op (U, M±, P±) to append to: the bucket's last group when it has the same kind and parameter. */
  #userList(userId: string, kind: UserOpKind, param: Arg | undefined): EntryList {
    const bucket = bucketOf(userId, this.#ctx.userBuckets);
    let groups = this.#userOps.get(bucket);
    if (!groups) {
      groups = [];
      this.#userOps.set(bucket, groups);
    }
    const last = groups[groups.length - 1];
    if (last?.list && last.kind === kind && (last.param === param || (Buffer.isBuffer(last.param) && Buffer.isBuffer(param) && last.param.equals(param))))
      return last.list;
    // Sized for a typical batch's share of one bucket: a few records, or a few 8-byte ids.
    const list = new EntryList(kind === 'U' ? 512 : 64);
    groups.push({ kind, param, items: [], list });
    return list;
  }

  #userBucketOp(bucket: number, kind: UserOpKind, param: Arg | undefined, items: Arg[]): void {
    let groups = this.#userOps.get(bucket);
    if (!groups) {
      groups = [];
      this.#userOps.set(bucket, groups);
    }
    const last = groups[groups.length - 1];
    const sameParam = last !== undefined && (last.param === param || (Buffer.isBuffer(last.param) && Buffer.isBuffer(param) && last.param.equals(param)));
    if (last && last.kind === kind && sameParam && USER_OP_WIDTH[kind] > 0) last.items.push(...items);
    else groups.push({ kind, param, items: [...items] });
  }

  // ── guilds ────────────────────────────────────────────────────────────
  /** Set a guild record. */
  setGuild(guildId: string, value: Entity): void {
    const g = this.#guild(guildId);
    g.args.push('G', guildCodec.encode(value as never, guildId));
    g.records.push({ kind: 'guild', present: true });
    if (typeof value.member_count === 'number') g.memberHint = Math.max(g.memberHint, value.member_count);
  }

  /** Delete a guild record (only the record: children have their own mutations). */
  deleteGuild(guildId: string): void {
    const g = this.#guild(guildId);
    g.args.push('g');
    g.records.push({ kind: 'guild', present: false });
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

  #childRecord(resource: GuildHashResource, op: 'set' | 'del', id: string, value?: Entity): GuildRecord {
    if (resource === 'presence') return { kind: 'presence', op, userId: id };
    if (resource === 'voiceState') {
      return op === 'set'
        ? { kind: 'voice', op, userId: id, channelId: (value?.channel_id as string | null | undefined) ?? null }
        : { kind: 'voice', op, userId: id };
    }
    return { kind: 'located', resource, op, id };
  }

  /** Set one child; `id` is the entity id (the user id for presences and voice states). */
  setChild(resource: GuildHashResource, guildId: string, id: string, value: Entity): void {
    this.#place(resource, id, guildId);
    const g = this.#guild(guildId);
    g.hasChildren = true;
    g.args.push('S', GUILD_CHILD_HASH[resource], idBytes(id), this.#childBytes(resource, guildId, id, value));
    g.records.push(this.#childRecord(resource, 'set', id, value));
  }

  #place(resource: GuildHashResource, id: string, guildId: string): void {
    if (resource !== 'channel' && resource !== 'role' && resource !== 'emoji') return;
    const byId = this.#placed.get(resource) ?? this.#placed.set(resource, new Map()).get(resource)!;
    const guilds = byId.get(id);
    if (guilds) guilds.push(guildId);
    else byId.set(id, [guildId]);
  }

  /** Delete one child. */
  deleteChild(resource: GuildHashResource, guildId: string, id: string): void {
    const g = this.#guild(guildId);
    g.args.push('D', GUILD_CHILD_HASH[resource], idBytes(id));
    g.records.push(this.#childRecord(resource, 'del', id));
  }

  /** Replace every child of `resource` in a guild; `at` (the mutation's batch index) reports the channels it removes in {@link removedChannels}. */
  replaceChildren(resource: GuildHashResource, guildId: string, entries: Array<{ id: string; value: Entity }>, at?: number): void {
    for (const { id } of entries) this.#place(resource, id, guildId);
    const g = this.#guild(guildId);
    g.hasChildren = true;
    g.args.push('R', GUILD_CHILD_HASH[resource], String(entries.length));
    for (const { id, value } of entries) g.args.push(idBytes(id), this.#childBytes(resource, guildId, id, value));
    if (resource === 'presence') g.records.push({ kind: 'presence', op: 'replace', userIds: entries.map((e) => e.id) });
    else if (resource === 'voiceState') {
      g.records.push({
        kind: 'voice',
        op: 'replace',
        channels: new Map(entries.map((e) => [e.id, (e.value.channel_id as string | null | undefined) ?? null])),
      });
    } else g.records.push({ kind: 'located', resource, op: 'replace', ids: entries.map((e) => e.id), at });
  }

  /** Remove every child of `resource` in a guild; `at` as for {@link replaceChildren}. */
  clearChildren(resource: GuildHashResource, guildId: string, at?: number): void {
    const g = this.#guild(guildId);
    g.args.push('C', GUILD_CHILD_HASH[resource]);
    if (resource === 'presence') g.records.push({ kind: 'presence', op: 'clear' });
    else if (resource === 'voiceState') g.records.push({ kind: 'voice', op: 'clear' });
    else g.records.push({ kind: 'located', resource, op: 'clear', at });
  }

  /** Channels that replace/clear ops given an `at` removed, from their script replies (filled by {@link execute}). */
  readonly removedChannels: ChannelRemoval[] = [];

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
    // A member rewrite that leaves its user as stored (a role change) skips the user's encoding and bucket write.
    if (withUser) this.setUser(userId, value.user as Entity, undefined);
  }

  /**
   * Merge a patch into a member and its user in Redis (guild-ops `MM`, user-ops `UM`): the script
   * splices the patch's record over the stored one, so the batch needs neither a read of the member
   * nor Node's copy of it. An upsert: a member it does not find is created from the patch, which
   * must then be a valid member (the caller's check). `patch` holds the member's own fields;
   * `user` the user's (undefined: the user is left as it is). Roles {@link stripRoles} dropped
   * before it in the batch are dropped from the stored record first.
   */
  mergeMember(guildId: string, userId: string, patch: Entity, user: Entity | undefined): void {
    const g = this.#guild(guildId);
    // The roles the batch's removeRoles so far dropped from this guild (stripRoles is called in batch order).
    const strip = [...(this.#strips.get(guildId) ?? [])];
    g.hasChildren = true;
    g.memberHint = Math.max(g.memberHint, 1);
    const bytes = encodeRecord('member', patch, g.implied, 'user', this.#ctx.roles.of(guildId));
    g.args.push('MM', idBytes(userId), String(bucketSeed(userId)), bytes, strip.join(','));
    // The user's member list gets the guild only when the merge created the member (its reply says,
    // see execute). A merge after a role removal strips the role itself; one before it leaves that
    // to the strip script (which passes over the members the batch writes).
    g.records.push({ kind: 'member', op: 'merge', userId, written: strip.length > 0 });
    if (user !== undefined) this.#user(userId, 'UM', undefined, idBytes(userId), encodeRecord('user', user, { id: userId }));
  }

  /** Delete a member (its user stays, and may become an orphan). */
  deleteMember(guildId: string, userId: string): void {
    const g = this.#guild(guildId);
    g.args.push('m', idBytes(userId), String(bucketSeed(userId)));
    g.records.push({ kind: 'member', op: 'del', userId });
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
    for (const { userId, value } of entries) {
      encodeEntry('member', value, g.implied, 'user', list, userId, bucketSeed(userId), roles);
      this.setUser(userId, value.user as Entity, undefined);
    }
    const parts = pieces(list);
    g.args.push(String(parts.length), ...parts);
    g.records.push({ kind: 'member', op: 'replace', userIds: entries.map((e) => e.userId) });
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
    g.records.push({ kind: 'member', op: 'clear' });
  }

  // ── users and me ──────────────────────────────────────────────────────
  /** Set a user; `ttlMs` overrides the orphan TTL. */
  setUser(userId: string, value: Entity, ttlMs: number | undefined): void {
    encodeEntry('user', value, { id: userId }, undefined, this.#userList(userId, 'U', ttlMs === undefined ? '' : String(Math.ceil(ttlMs))), userId);
  }

  /** Delete a user. */
  deleteUser(userId: string): void {
    this.#user(userId, 'u', undefined, idBytes(userId));
  }

  /** Remove every user of every bucket. */
  clearUsers(): void {
    for (let b = 0; b < this.#ctx.userBuckets; b++) this.#userBucketOp(b, 'UX', undefined, []);
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

  // ── messages and invites ──────────────────────────────────────────────
  /** The time this plan's writes are stamped with (epoch ms). */
  get now(): number {
    return this.#now;
  }

  /** Set a message, index it, and apply the channel limit; returns when it expires (undefined: never). */
  setMessage(value: Entity, ttlMs: number | undefined, channelLimit: number | undefined): number | undefined {
    const message = value as unknown as MessageEntity;
    const id = message.id;
    const bytes = messageCodec.encode(message, id);
    const expireAt = ttlMs === undefined ? undefined : this.#now + Math.ceil(ttlMs);
    const score = expireAt === undefined ? 'inf' : String(expireAt);
    const keys = this.#ctx.keys;
    this.#valueWrite('S', keys.message(id), bytes, expireAt, { resource: 'message', id, value });
    this.#indexAdd(keys.allMessages, undefined, score, id);
    if (message.guild_id) this.#indexAdd(keys.messagesByGuild(message.guild_id), undefined, score, id);
    this.#indexAdd(keys.messagesByChannel(message.channel_id), channelLimit, score, id, message.channel_id);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- validation lets a message without an author through
    const authorId = message.author?.id;
    if (authorId) this.#user(authorId, 'A+', undefined, idBytes(authorId), id, score);
    return expireAt;
  }

  /**
   * Add `id` to an expiring index (with a channel `limit`, evicting the smallest ids beyond it). Adds
   * to one index go out as one script call per batch: the first add places the call in wave 1 and
   * later adds join its arguments (three calls per message were most of the mixed stream's Redis
   * time). An add never overtakes a queued removal of the same id, nor a removal an add (a new group starts).
   */
  #indexAdd(key: string, limit: number | undefined, score: string, id: string, channelId?: string): void {
    // A removal of this id from this index, queued earlier, must not be overtaken; nor, under a
    // channel limit, any removal (what is evicted depends on how many ids are in the index then).
    const removals = this.#removeGroups.get(key);
    if (removals !== undefined && (limit !== undefined || removals.ids.has(id))) {
      this.#removeGroups.delete(key);
      this.#indexGroups.delete(key);
    }
    let group = this.#indexGroups.get(key);
    if (group !== undefined && group.limit !== limit) group = undefined;
    if (group === undefined) {
      const created: IndexGroup = { limit, ids: new Set(), args: [] };
      group = created;
      this.#indexGroups.set(key, created);
      const now = String(this.#now);
      this.#wave1.push((ctx) => {
        const evicting = limit !== undefined && channelId !== undefined && !ctx.conn.isCluster ? this.#evictionBlock(ctx, key, channelId) : [];
        const evicted = ctx.conn.batched.sakeIndexAdd(key, [now, String(limit ?? 0), ...evicting, ...created.args]);
        if (limit !== undefined) this.#evictions.push({ index: key, evicted });
        return evicted;
      });
    }
    group.ids.add(id);
    group.args.push(score, id);
    if (channelId !== undefined) {
      const added = this.#channelAdds.get(key);
      if (added) added.add(id);
      else this.#channelAdds.set(key, new Set([id]));
    }
  }

  /** Channel index key → the message ids this batch adds to it. */
  readonly #channelAdds = new Map<string, Set<string>>();

  /**
   * index-add.lua's eviction block (single node): the call deletes what the limit evicts from the
   * channel's index, with its other indexes, in Redis — but for the messages this batch adds to
   * that index (their author index entry is written after this call, and a later add may put them
   * back: {@link Plan.#lookUpEvicted} settles them after the batch's writes) and any whose record
   * it can't place.
   */
  #evictionBlock(ctx: Ctx, key: string, channelId: string): string[] {
    const kept = [...(this.#channelAdds.get(key) ?? [])];
    return ['E', ctx.keys.prefix, String(ctx.userBuckets), String(ctx.userTtlMs), channelId, String(kept.length), ...kept];
  }

  /**
   * Rewrite a stored message whose channel, guild and author are unchanged: the value only, with
   * the expiry it has (`expireAt` epoch ms; null: none). Its indexes and author list already hold it.
   */
  rewriteMessage(value: Entity, expireAt: number | null): void {
    const message = value as unknown as MessageEntity;
    const bytes = messageCodec.encode(message, message.id);
    const key = this.#ctx.keys.message(message.id);
    // At least 1 ms ahead: an entry that expired since it was read must not come back without an expiry.
    const at = expireAt === null ? undefined : Math.max(expireAt, this.#now + 1);
    this.#valueWrite('W', key, bytes, at);
  }

  /** Remove `id` from an expiring index and drop its expired entries (an emptied index disappears). */
  #unindex(key: (ctx: Ctx) => string, id: string): void {
    // Removals from one index share one ZREM (and one prune) per batch, as adds share one call: a
    // channel delete or a bulk delete removes hundreds of messages from the same few indexes.
    const k = key(this.#ctx);
    // An add of this id to this index, queued earlier, must not be overtaken; under a channel limit
    // no add may be (the removal changes what a later add evicts).
    const adds = this.#indexGroups.get(k);
    if (adds !== undefined && (adds.limit !== undefined || adds.ids.has(id))) {
      this.#indexGroups.delete(k);
      this.#removeGroups.delete(k);
    }
    let group = this.#removeGroups.get(k);
    if (group === undefined) {
      const created: IndexGroup = { limit: undefined, ids: new Set(), args: [] };
      group = created;
      this.#removeGroups.set(k, created);
      const now = this.#now;
      this.#wave1.push(async (ctx) => {
        await Promise.all([ctx.conn.batched.zrem(k, ...created.args), ctx.conn.batched.zremrangebyscore(k, '-inf', now)]);
      });
    }
    group.ids.add(id);
    group.args.push(id);
  }

  /** Delete a message; `value` (when known) says which indexes hold it. */
  deleteMessage(id: string, value: Entity | null): void {
    const message = value as unknown as MessageEntity | null;
    this.#valueWrite('D', this.#ctx.keys.message(id));
    this.#unindex((ctx) => ctx.keys.allMessages, id);
    if (message?.guild_id) {
      const guildId = message.guild_id;
      this.#unindex((ctx) => ctx.keys.messagesByGuild(guildId), id);
    }
    if (message?.channel_id) {
      const channelId = message.channel_id;
      this.#unindex((ctx) => ctx.keys.messagesByChannel(channelId), id);
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- validation lets a message without an author through
    const authorId = message?.author?.id;
    if (authorId) this.#user(authorId, 'A-', undefined, idBytes(authorId), id);
  }

  /**
   * Set an invite; it expires `ttlMs` (or, when undefined, its `max_age`) from now; null: never.
   * Returns when it expires (undefined: never).
   */
  setInvite(value: Entity, ttlMs: number | null | undefined): number | undefined {
    const invite = value as unknown as InviteEntity;
    const code = invite.code;
    const bytes = inviteCodec.encode(invite, code);
    const lifetime = ttlMs === null ? undefined : (ttlMs ?? (typeof invite.max_age === 'number' && invite.max_age > 0 ? invite.max_age * 1000 : undefined));
    const expireAt = lifetime === undefined ? undefined : this.#now + Math.ceil(lifetime);
    const score = expireAt === undefined ? 'inf' : String(expireAt);
    const keys = this.#ctx.keys;
    this.#valueWrite('S', keys.invite(code), bytes, expireAt, { resource: 'invite', id: code, value });
    this.#indexAdd(keys.allInvites, undefined, score, code);
    if (invite.guild_id) this.#indexAdd(keys.invitesByGuild(invite.guild_id), undefined, score, code);
    if (invite.channel_id) this.#indexAdd(keys.invitesByChannel(invite.channel_id), undefined, score, code);
    return expireAt;
  }

  /** Delete an invite; `value` (when known) says which indexes hold it. */
  deleteInvite(code: string, value: Entity | null): void {
    const invite = value as unknown as InviteEntity | null;
    this.#valueWrite('D', this.#ctx.keys.invite(code));
    this.#unindex((ctx) => ctx.keys.allInvites, code);
    if (invite?.guild_id) {
      const guildId = invite.guild_id;
      this.#unindex((ctx) => ctx.keys.invitesByGuild(guildId), code);
    }
    if (invite?.channel_id) {
      const channelId = invite.channel_id;
      this.#unindex((ctx) => ctx.keys.invitesByChannel(channelId), code);
    }
  }

  /**
   * Write a value key in wave 1, in batch order: `S` sets it and remembers the previous value (to
   * drop the entry from indexes it no longer belongs to), `W` sets it, `D` deletes it; `at` is the
   * expiry (epoch ms). On a single node a batch's value writes are one `sakeValues` call, placed
   * where the first of them was (nothing else in a batch touches these keys, so only their order
   * among themselves matters); on a cluster each is a command of its own.
   */
  #valueWrite(op: 'S' | 'W' | 'D', key: string, bytes?: Buffer, at?: number, overwrite?: Omit<Overwrite, 'previous'>): void {
    if (this.#ctx.conn.isCluster) {
      this.#wave1.push((ctx) => {
        const client = ctx.conn.batched;
        if (op === 'D') return client.unlink(key);
        if (op === 'W') return at === undefined ? client.set(key, bytes!) : client.set(key, bytes!, 'PXAT', at);
        const previous = at === undefined ? client.setBuffer(key, bytes!, 'GET') : client.setBuffer(key, bytes!, 'PXAT', at, 'GET');
        this.#overwrites.push({ ...overwrite!, previous });
        return previous;
      });
      return;
    }
    let group = this.#values;
    if (group === undefined) {
      const created: ValueGroup = { args: [], sets: [] };
      group = created;
      this.#values = created;
      this.#wave1.push((ctx) => {
        const reply = ctx.conn.batched.sakeValuesBuffer(created.args);
        // A failed call fails the wave through `reply`; the overwrites are then never looked at.
        created.sets.forEach((set, j) =>
          this.#overwrites.push({
            ...set,
            previous: reply.then(
              (r) => r[j] ?? null,
              () => null,
            ),
          }),
        );
        return reply;
      });
    }
    if (op === 'D') group.args.push('D', key);
    else group.args.push(op, key, bytes!, at === undefined ? '0' : String(at));
    if (op === 'S') group.sets.push(overwrite!);
  }

  /** Index fixes for messages/invites that moved to another channel, guild or author. */
  async #moves(out: Command[]): Promise<void> {
    const keys = this.#ctx.keys;
    // An entry set several times in one batch ends where its last value says: every value it had
    // before is compared with that one (comparing each with the next would undo a move back).
    // One map per resource, by id (no key string per entry).
    const last = { message: new Map<string, Entity>(), invite: new Map<string, Entity>() };
    for (const o of this.#overwrites) last[o.resource].set(o.id, o.value);
    for (const overwrite of this.#overwrites) {
      const o = { resource: overwrite.resource, id: overwrite.id, value: last[overwrite.resource].get(overwrite.id)! };
      const bytes = await overwrite.previous;
      if (!bytes) continue;
      let old: Entity;
      try {
        old = (o.resource === 'message'
          ? messageCodec.decode(bytes, keys.message(o.id), o.id)
          : inviteCodec.decode(bytes, keys.invite(o.id), o.id)) as unknown as Entity;
      } catch {
        continue;
      }
      const moved = (field: string): string | undefined => {
        const before = old[field];
        return typeof before === 'string' && before !== o.value[field] ? before : undefined;
      };
      const guild = moved('guild_id');
      const channel = moved('channel_id');
      if (o.resource === 'message') {
        if (guild) out.push((ctx) => ctx.conn.batched.zrem(keys.messagesByGuild(guild), o.id));
        if (channel) out.push((ctx) => ctx.conn.batched.zrem(keys.messagesByChannel(channel), o.id));
        const author = (old.author as Entity | undefined)?.id;
        if (typeof author === 'string' && author !== (o.value.author as Entity | undefined)?.id) this.#user(author, 'A-', undefined, idBytes(author), o.id);
      } else {
        if (guild) out.push((ctx) => ctx.conn.batched.zrem(keys.invitesByGuild(guild), o.id));
        if (channel) out.push((ctx) => ctx.conn.batched.zrem(keys.invitesByChannel(channel), o.id));
      }
    }
  }

  /** Read where every placed channel/role/emoji was before the batch. */
  #readPlacements(ctx: Ctx): Promise<Array<[resource: 'channel' | 'role' | 'emoji', ids: string[], before: Array<Buffer | null>]>> {
    return Promise.all(
      [...this.#placed].map(async ([resource, byId]) => {
        const ids = [...byId.keys()];
        const parts = await Promise.all(chunked(ids).map((part) => ctx.conn.batched.hmgetBuffer(ctx.keys.locator(resource), ...part.map((id) => idBytes(id)))));
        const before = parts.flat();
        return [resource, ids, before] as [resource: 'channel' | 'role' | 'emoji', ids: string[], before: Array<Buffer | null>];
      }),
    );
  }

  /** Remove channels/roles/emojis from guilds they were moved out of. */
  #unplace(placements: Array<[resource: 'channel' | 'role' | 'emoji', ids: string[], before: Array<Buffer | null>]>, out: Command[]): void {
    const keys = this.#ctx.keys;
    for (const [resource, ids, before] of placements) {
      const byId = this.#placed.get(resource)!;
      ids.forEach((id, i) => {
        const guilds = byId.get(id)!;
        const last = guilds[guilds.length - 1]!;
        const prior = before[i];
        const stale = new Set(guilds);
        if (prior && prior.length === 8) stale.add(idFromBytes(prior));
        stale.delete(last);
        for (const guildId of stale) out.push((ctx) => ctx.conn.batched.hdel(keys.guildChild(guildId, resource), idBytes(id)));
      });
    }
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
    const bases = guildEntries.map(([guildId, g]) => this.#followUp(guildId, g, [], earlyWork));
    const earlyUserOps = [...this.#userOps];
    this.#userOps.clear();
    const [guildReplies, , , placements] = await ctx.conn.run('apply', () => {
      // Read the locators before anything of this batch can change them.
      const before = this.#readPlacements(ctx);
      const replies = Promise.all(
        guildEntries.map(([guildId, g]) => ctx.conn.batched.sakeGuildOpsBuffer(keys.guildMeta(guildId), [String(memberBucketsFor(g.memberHint)), ...g.args])),
      );
      const slots = guildEntries.filter(([, g]) => g.hasChildren).map(([id]) => id);
      const single = this.#wave1.map((cmd) => cmd(ctx));
      const slotWrites = Promise.all(chunked(slots).map((part) => ctx.conn.batched.sadd(keys.guildSlots, ...part)));
      const indexes = Promise.all([...earlyWork.map((cmd) => cmd(ctx)), this.#runUserOps(earlyUserOps)]);
      return Promise.all([replies, slotWrites, Promise.all(single), before, indexes]);
    });
    await this.#runStrips();
    // Wave 1 has gone out with its index and value groups: later removals (evictions) start new ones.
    this.#indexGroups.clear();
    this.#removeGroups.clear();
    this.#values = undefined;

    // Wave 2: cross-slot indexes from what the guild scripts did (skipped when there is none).
    const wave2: Command[] = [];
    if (!early) guildEntries.forEach(([guildId, g], i) => this.#followUp(guildId, g, guildReplies[i] ?? [], wave2, bases[i]));
    this.#unplace(placements, wave2);
    await this.#moves(wave2);
    const evictedFrom = new Map<string, string>();
    for (const { index, evicted } of this.#evictions) for (const id of await evicted) evictedFrom.set(id, index);
    const evicted = evictedFrom.size > 0 ? this.#lookUpEvicted(evictedFrom) : undefined;
    if (wave2.length > 0 || this.#userOps.size > 0 || evicted) {
      await ctx.conn.run('apply', () => Promise.all([...wave2.map((cmd) => cmd(ctx)), this.#runUserOps(), evicted]));
    }

    // Wave 3: remove what channel limits evicted.
    if (evicted) {
      this.#userOps.clear();
      const found = await evicted;
      for (const entry of found) if (entry !== undefined) this.deleteMessage(entry[0], entry[1]);
      const cleanup = this.#wave1.splice(0);
      await ctx.conn.run('apply', () => Promise.all([...cleanup.map((cmd) => cmd(ctx)), this.#runUserOps()]));
    }
  }

  /**
   * The messages a channel limit evicted, to delete them with their other indexes. One the batch
   * set again after its eviction (back in that channel's index, or now in another channel) is
   * kept: evictions come back from wave 1, after every write of the batch.
   */
  #lookUpEvicted(evictedFrom: ReadonlyMap<string, string>): Promise<Array<[string, Entity | null] | undefined>> {
    const ctx = this.#ctx;
    this.#wave1.length = 0;
    this.#values = undefined;
    return Promise.all(
      Array.from(evictedFrom, async ([id, index]): Promise<[string, Entity | null] | undefined> => {
        const key = ctx.keys.message(id);
        const [bytes, score] = await Promise.all([ctx.conn.batched.getBuffer(key), ctx.conn.batched.zscore(index, id)]);
        if (score !== null) return undefined;
        if (!bytes) return [id, null];
        let message: Entity;
        try {
          message = messageCodec.decode(bytes, key, id) as unknown as Entity;
        } catch {
          // Unreadable: still delete the key and what we can of its indexes.
          return [id, null];
        }
        return ctx.keys.messagesByChannel(String(message.channel_id)) === index ? [id, message] : undefined;
      }),
    );
  }

  /**
   * The role strips, after the guild ops: per guild, calls of ~{@link STRIP_MEMBERS_PER_CALL}
   * members one after the other (a few ms of Redis time each), skipping the members the batch wrote.
   */
  async #runStrips(): Promise<void> {
    const keys = this.#ctx.keys;
    for (const [guildId, indexes] of this.#strips) {
      const records = this.#guilds.get(guildId)?.records ?? [];
      // After a replace or clear of the guild's members, every member left is one the batch wrote.
      if (records.some((rec) => rec.kind === 'member' && (rec.op === 'replace' || rec.op === 'clear'))) continue;
      const written = new Set<string>();
      for (const rec of records) {
        if (rec.kind !== 'member') continue;
        if (rec.op === 'merge') {
          if (rec.written) written.add(rec.userId);
        } else if ('userId' in rec) written.add(rec.userId);
        else if ('userIds' in rec) for (const id of rec.userIds) written.add(id);
      }
      const args = [String(indexes.size), ...[...indexes].map(String), ...[...written].map((id) => idBytes(id))];
      for (let from = 0; from >= 0;) {
        const at = from;
        from = await this.#ctx.conn.run(
          'sakeStripRoles',
          () => this.#ctx.conn.batched.sakeStripRoles(keys.guildMeta(guildId), [String(at), String(STRIP_MEMBERS_PER_CALL), ...args]),
          keys.memberBucket(guildId, at),
        );
      }
    }
  }

  #runUserOps(ops: Iterable<[number, UserGroup[]]> = this.#userOps): Promise<unknown> {
    return runUserScripts(
      this.#ctx,
      Array.from(ops, ([bucket, groups]) => [bucket, userOpArgs(groups)] as const),
      Date.now(),
    );
  }

  /** Turn one guild's script reply into index updates. */
  #followUp(guildId: string, g: GuildGroup, replies: Buffer[][], out: Command[], base?: IndexState): IndexState {
    const keys = this.#ctx.keys;
    const members = new Map<string, boolean>();
    const presences = new Map<string, boolean>();
    const located = new Map<'channel' | 'role' | 'emoji', Map<string, boolean>>();
    const voiceOld = new Map<string, Set<string>>();
    const voiceFinal = new Map<string, string | null>();
    let guildPresent: boolean | undefined;
    const removedIds = (reply: Buffer[] | undefined): string[] => (reply ?? []).map((f) => idFromBytes(f));
    const noteOldVoice = (reply: Buffer[] | undefined): string[] => {
      const users: string[] = [];
      const list = reply ?? [];
      for (let i = 0; i + 1 < list.length; i += 2) {
        const userId = idFromBytes(list[i]!);
        users.push(userId);
        const old = list[i + 1]!;
        if (old.length === 0) continue;
        try {
          const channel = voiceStateCodec.decode(old, keys.guildChild(guildId, 'voiceState'), guildId, userId).channel_id;
          if (channel) (voiceOld.get(userId) ?? voiceOld.set(userId, new Set()).get(userId)!).add(channel);
        } catch {
          // An unreadable old value: its channel index entry can't be found, nothing else to do.
        }
      }
      return users;
    };

    g.records.forEach((rec, i) => {
      const reply = replies[i];
      switch (rec.kind) {
        case 'guild':
          guildPresent = rec.present;
          break;
        case 'member':
        case 'presence': {
          const state = rec.kind === 'member' ? members : presences;
          if (rec.op === 'set' || rec.op === 'del') state.set(rec.userId, rec.op === 'set');
          // A merge changes the user's member list only when it created the member (its reply says).
          else if (rec.op === 'merge') {
            if (reply !== undefined && reply.length > 0) state.set(rec.userId, true);
          } else if (rec.op === 'setMany') for (const id of rec.userIds) state.set(id, true);
          else {
            for (const id of removedIds(reply)) state.set(id, false);
            if (rec.op === 'replace') for (const id of rec.userIds) state.set(id, true);
          }
          break;
        }
        case 'voice': {
          const users = noteOldVoice(reply);
          if (rec.op === 'set') voiceFinal.set(rec.userId, rec.channelId);
          else if (rec.op === 'del') voiceFinal.set(rec.userId, null);
          else {
            for (const u of users) voiceFinal.set(u, null);
            if (rec.op === 'replace') for (const [u, c] of rec.channels) voiceFinal.set(u, c);
          }
          break;
        }
        case 'located': {
          const state = located.get(rec.resource) ?? located.set(rec.resource, new Map()).get(rec.resource)!;
          if (rec.op === 'set' || rec.op === 'del') state.set(rec.id, rec.op === 'set');
          else {
            const removed = removedIds(reply);
            // Only the replies (not the base pass) name what was removed: the channel cascade's input.
            const at = 'at' in rec ? rec.at : undefined;
            if (rec.resource === 'channel' && at !== undefined && removed.length > 0) this.removedChannels.push({ at, channelIds: removed });
            for (const id of removed) state.set(id, false);
            if (rec.op === 'replace') for (const id of rec.ids) state.set(id, true);
          }
          break;
        }
      }
    });

    // With `base` (what was already written from the ops alone, before the replies were known),
    // only what the replies changed is written.
    if (guildPresent !== undefined && base?.guildPresent !== guildPresent) {
      const present = guildPresent;
      out.push((ctx) => (present ? ctx.conn.batched.sadd(keys.guilds, guildId) : ctx.conn.batched.srem(keys.guilds, guildId)));
    }
    // The guild's reference in the users' guild lists, made only when a list changes (a guild of
    // channels alone may not be in the guild dictionary).
    let gid: Buffer | undefined;
    const ref = (): Buffer => (gid ??= this.#ctx.guildRefs.ref(guildId));
    for (const [userId, present] of members) if (base?.members.get(userId) !== present) this.#userList(userId, present ? 'M+' : 'M-', ref()).id(userId);
    for (const [userId, present] of presences) if (base?.presences.get(userId) !== present) this.#userList(userId, present ? 'P+' : 'P-', ref()).id(userId);
    // Locators map a channel/role/emoji to its guild's 8-byte id.
    const guildBytes = located.size > 0 ? idBytes(guildId) : undefined;
    for (const [resource, state] of located) {
      const set: Buffer[] = [];
      const del: Buffer[] = [];
      const before = base?.located.get(resource);
      for (const [id, present] of state) {
        if (before?.get(id) === present) continue;
        if (present) set.push(idBytes(id), guildBytes!);
        else del.push(idBytes(id));
      }
      for (const part of chunked(set)) out.push((ctx) => ctx.conn.batched.hset(keys.locator(resource), ...part));
      for (const part of chunked(del)) out.push((ctx) => ctx.conn.batched.hdel(keys.locator(resource), ...part));
    }
    for (const [userId, final] of voiceFinal) {
      const member = `${guildId}:${userId}`;
      for (const old of voiceOld.get(userId) ?? []) {
        if (old !== final) out.push((ctx) => ctx.conn.batched.srem(keys.voiceInChannel(old), member));
      }
      if (final && base?.voiceFinal.get(userId) !== final) out.push((ctx) => ctx.conn.batched.sadd(keys.voiceInChannel(final), member));
    }
    return { guildPresent, members, presences, located, voiceFinal };
  }
}

/** The index state a guild's ops lead to (see Plan#followUp). */
interface IndexState {
  guildPresent: boolean | undefined;
  members: Map<string, boolean>;
  presences: Map<string, boolean>;
  located: Map<'channel' | 'role' | 'emoji', Map<string, boolean>>;
  voiceFinal: Map<string, string | null>;
}

/** Whether a guild op's index updates are known before its script runs (no removed fields to learn). */
function isKnownUpFront(rec: GuildRecord): boolean {
  if (rec.kind === 'guild') return true;
  return (rec.kind === 'member' || rec.kind === 'presence') && (rec.op === 'set' || rec.op === 'del' || rec.op === 'setMany');
}

/** Resources stored in per-guild hashes, as plan methods expect them. */
export function isGuildHashResource(resource: ResourceName): resource is GuildHashResource {
  return resource in GUILD_CHILD_HASH;
}
