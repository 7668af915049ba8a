/**
 * A batch's message and invite writes, in wave 1: the value keys and their expiring indexes
 * (index-writes.ts), both through the topology's writer (writers/), and the author lists
 * (user-bucket ops).
 * After wave 1, the index fixes for entries that moved ({@link MessageWrites.moves}) and the
 * messages a channel limit evicted ({@link MessageWrites.lookUpEvicted}).
 */
import type { InviteEntity, MessageEntity } from '@sake/abc';
import { idBytes, inviteCodec, messageCodec } from '../codec/index.js';
import type { Command, Ctx, Eviction, ValueWrite, WriteQueue } from '../context.js';
import { IndexWrites } from './index-writes.js';
import type { UserOps } from './user-ops-queue.js';
import type { Entity } from './validate.js';

/** A message/invite write whose previous value may sit in other indexes (it moved channel, guild or author). */
interface Overwrite {
  resource: 'message' | 'invite';
  id: string;
  value: Entity;
  previous: Promise<Buffer | null>;
}

/** The message and invite writes of one batch (see the module comment). */
export class MessageWrites {
  readonly #ctx: Ctx;
  readonly #now: number;
  /** The plan's user-bucket ops (author lists). */
  readonly #users: UserOps;
  /** The batch's index writes (index-writes.ts). */
  readonly #indexes: IndexWrites;
  /** The value-key writes, in batch order (the topology's queue). */
  readonly #values: WriteQueue<ValueWrite>;
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
    this.#users = users;
    this.#values = ctx.writer.values(ctx, wave1);
    this.#indexes = new IndexWrites(ctx, now, wave1);
  }

  /** The channel indexes whose limit may evict, once wave 1 has placed their calls. */
  get evictions(): readonly Eviction[] {
    return this.#indexes.evictions;
  }

  /** Wave 1 has gone out with its index and value groups: later writes (evictions) start new ones. */
  closeGroups(): void {
    this.#indexes.close();
    this.#values.close();
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
    this.#indexes.add(keys.allMessages, undefined, score, id);
    if (message.guild_id) this.#indexes.add(keys.messagesByGuild(message.guild_id), undefined, score, id);
    this.#indexes.add(keys.messagesByChannel(message.channel_id), channelLimit, score, id, message.channel_id);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- validation lets a message without an author through
    const authorId = message.author?.id;
    if (authorId) this.#users.add(authorId, 'A+', undefined, idBytes(authorId), id, score);
    return expireAt;
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

  /** Delete a message; `value` (when known) says which indexes hold it. */
  deleteMessage(id: string, value: Entity | null): void {
    const message = value as unknown as MessageEntity | null;
    this.#valueWrite('D', this.#ctx.keys.message(id));
    const keys = this.#ctx.keys;
    this.#indexes.remove(keys.allMessages, id);
    if (message?.guild_id) this.#indexes.remove(keys.messagesByGuild(message.guild_id), id);
    if (message?.channel_id) this.#indexes.remove(keys.messagesByChannel(message.channel_id), id);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- validation lets a message without an author through
    const authorId = message?.author?.id;
    if (authorId) this.#users.add(authorId, 'A-', undefined, idBytes(authorId), id);
  }

  /**
   * Set an invite; it expires `ttlMs` from now (undefined or null: never; the listener turns a
   * `max_age` into a `ttlMs`). Returns when it expires (undefined: never).
   */
  setInvite(value: Entity, ttlMs: number | null | undefined): number | undefined {
    const invite = value as unknown as InviteEntity;
    const code = invite.code;
    const bytes = inviteCodec.encode(invite, code);
    const expireAt = ttlMs == null ? undefined : this.#now + Math.ceil(ttlMs);
    const score = expireAt === undefined ? 'inf' : String(expireAt);
    const keys = this.#ctx.keys;
    this.#valueWrite('S', keys.invite(code), bytes, expireAt, { resource: 'invite', id: code, value });
    this.#indexes.add(keys.allInvites, undefined, score, code);
    if (invite.guild_id) this.#indexes.add(keys.invitesByGuild(invite.guild_id), undefined, score, code);
    if (invite.channel_id) this.#indexes.add(keys.invitesByChannel(invite.channel_id), undefined, score, code);
    return expireAt;
  }

  /** Delete an invite; `value` (when known) says which indexes hold it. */
  deleteInvite(code: string, value: Entity | null): void {
    const invite = value as unknown as InviteEntity | null;
    this.#valueWrite('D', this.#ctx.keys.invite(code));
    const keys = this.#ctx.keys;
    this.#indexes.remove(keys.allInvites, code);
    if (invite?.guild_id) this.#indexes.remove(keys.invitesByGuild(invite.guild_id), code);
    if (invite?.channel_id) this.#indexes.remove(keys.invitesByChannel(invite.channel_id), code);
  }

  /**
   * Write a value key in wave 1, in batch order: `S` sets it and remembers the value it replaces (to
   * drop the entry from indexes it no longer belongs to), `W` sets it, `D` deletes it; `at` is the
   * expiry (epoch ms).
   */
  #valueWrite(op: 'S' | 'W' | 'D', key: string, bytes?: Buffer, at?: number, overwrite?: Omit<Overwrite, 'previous'>): void {
    const replaced = overwrite && ((previous: Promise<Buffer | null>): void => void this.#overwrites.push({ ...overwrite, previous }));
    this.#values.push({ op, key, bytes, at, replaced });
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
