/**
 * A batch's message and invite writes, in wave 1: the value keys (one `sakeValues` call on a single
 * node), their expiring indexes (one script call per index) and the author lists (user-bucket ops).
 * After wave 1, the index fixes for entries that moved ({@link MessageWrites.moves}) and the
 * messages a channel limit evicted ({@link MessageWrites.lookUpEvicted}).
 */
import type { InviteEntity, MessageEntity } from '@sake/abc';
import { idBytes, inviteCodec, messageCodec } from '../codec/index.js';
import type { Ctx } from '../context.js';
import type { Command } from './commands.js';
import type { UserOps } from './user-ops-queue.js';
import type { Entity } from './validate.js';

type Arg = string | Buffer;

/** A batch's value writes on a single node, in order: the arguments of one `sakeValues` call (see {@link MessageWrites.#valueWrite}). */
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

/** A channel index whose limit may evict, with the ids it evicted (from wave 1). */
export interface Eviction {
  readonly index: string;
  readonly evicted: Promise<string[]>;
}

/** The message and invite writes of one batch (see the module comment). */
export class MessageWrites {
  readonly #ctx: Ctx;
  readonly #now: number;
  /** The plan's single-key writes of wave 1, in batch order (shared: these writes join them). */
  readonly #wave1: Command[];
  /** The plan's user-bucket ops (author lists). */
  readonly #users: UserOps;
  /** Channel indexes whose limit may evict: the evicted ids come back from wave 1. */
  readonly #evictions: Eviction[] = [];
  /** Open index-add groups of wave 1 (see {@link MessageWrites.#indexAdd}), by index key. */
  readonly #indexGroups = new Map<string, IndexGroup>();
  /** Open index-removal groups of wave 1 (see {@link MessageWrites.#unindex}), by index key. */
  readonly #removeGroups = new Map<string, IndexGroup>();
  /** The open group of value writes of wave 1 (single node; see {@link MessageWrites.#valueWrite}). */
  #values: ValueGroup | undefined;
  /** Message/invite writes with their previous value (SET … GET). */
  readonly #overwrites: Overwrite[] = [];

  /**
   * @param ctx - the cache's shared state
   * @param now - the time the writes are stamped with (epoch ms)
   * @param wave1 - the plan's wave-1 command list, which these writes join in batch order
   * @param users - the plan's user-bucket op queue (author lists)
   */
  constructor(ctx: Ctx, now: number, wave1: Command[], users: UserOps) {
    this.#ctx = ctx;
    this.#now = now;
    this.#wave1 = wave1;
    this.#users = users;
  }

  /** The channel indexes whose limit may evict, once wave 1 has placed their calls. */
  get evictions(): readonly Eviction[] {
    return this.#evictions;
  }

  /** Wave 1 has gone out with its index and value groups: later writes (evictions) start new ones. */
  closeGroups(): void {
    this.#indexGroups.clear();
    this.#removeGroups.clear();
    this.#values = undefined;
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
    if (authorId) this.#users.add(authorId, 'A+', undefined, idBytes(authorId), id, score);
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
   * back: {@link MessageWrites.lookUpEvicted} settles them after the batch's writes) and any whose record
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
    if (authorId) this.#users.add(authorId, 'A-', undefined, idBytes(authorId), id);
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
  async moves(out: Command[]): Promise<void> {
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
        if (typeof author === 'string' && author !== (o.value.author as Entity | undefined)?.id)
          this.#users.add(author, 'A-', undefined, idBytes(author), o.id);
      } else {
        if (guild) out.push((ctx) => ctx.conn.batched.zrem(keys.invitesByGuild(guild), o.id));
        if (channel) out.push((ctx) => ctx.conn.batched.zrem(keys.invitesByChannel(channel), o.id));
      }
    }
  }

  /**
   * The messages a channel limit evicted, to delete them with their other indexes. One the batch
   * set again after its eviction (back in that channel's index, or now in another channel) is
   * kept: evictions come back from wave 1, after every write of the batch.
   */
  lookUpEvicted(evictedFrom: ReadonlyMap<string, string>): Promise<Array<[string, Entity | null] | undefined>> {
    const ctx = this.#ctx;
    this.#wave1.length = 0;
    this.#values = undefined;
    // One ZMSCORE per index and one read of all the values (MGET on a single node), not a GET and a
    // ZSCORE per id: a large batch into full channels evicts thousands of its own messages.
    const byIndex = new Map<string, string[]>();
    for (const [id, index] of evictedFrom) {
      const list = byIndex.get(index);
      if (list) list.push(id);
      else byIndex.set(index, [id]);
    }
    const putBack = new Set<string>();
    const scores = Promise.all(
      Array.from(byIndex, async ([index, ids]) => {
        const found = await ctx.conn.batched.zmscore(index, ...ids);
        found.forEach((score, i) => score !== null && putBack.add(ids[i]!));
      }),
    );
    const ids = [...evictedFrom.keys()];
    const keys = ids.map((id) => ctx.keys.message(id));
    return Promise.all([ctx.reader.values(ctx, keys), scores]).then(([values]) =>
      ids.map((id, i): [string, Entity | null] | undefined => {
        if (putBack.has(id)) return undefined;
        const bytes = values[i];
        if (!bytes) return [id, null];
        let message: Entity;
        try {
          message = messageCodec.decode(bytes, keys[i]!, id) as unknown as Entity;
        } catch {
          // Unreadable: still delete the key and what we can of its indexes.
          return [id, null];
        }
        return ctx.keys.messagesByChannel(String(message.channel_id)) === evictedFrom.get(id) ? [id, message] : undefined;
      }),
    );
  }
}
