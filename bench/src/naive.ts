/**
 * The "naive" baseline of DESIGN §7: what a bot author would write in an
 * afternoon with ioredis. Each member is `JSON.stringify` of the raw gateway
 * member (its `user` cut out) in one hash per guild, written in 1000-field
 * HSETs; users go to one separate hash. Reads are HGET + JSON.parse, iteration
 * is HSCAN + JSON.parse, and nothing joins the user back.
 */
import type { Redis } from 'ioredis';
import type { GuildPayloads, MemberPayload } from './dataset.js';

/** Fields per HSET, as DESIGN §7 defines the baseline. */
const BATCH = 1000;

/** The naive layout under one prefix. */
export class NaiveStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  /** The hash holding one guild's members. */
  membersKey(guildId: string): string {
    return `${this.#prefix}members:${guildId}`;
  }

  /** The hash holding every user. */
  get usersKey(): string {
    return `${this.#prefix}users`;
  }

  /** Write every member (and its user) of `guilds`: one pipeline per 1000 members, all in flight together. */
  async ingest(guilds: readonly GuildPayloads[]): Promise<void> {
    const pending: Promise<unknown>[] = [];
    for (const guild of guilds) {
      const key = this.membersKey(guild.guildId);
      for (let start = 0; start < guild.members.length; start += BATCH) {
        const members: string[] = [];
        const users: string[] = [];
        for (const member of guild.members.slice(start, start + BATCH)) {
          const { user, ...rest } = member as MemberPayload & Record<string, unknown>;
          members.push(user.id, JSON.stringify(rest));
          users.push(user.id, JSON.stringify(user));
        }
        pending.push(
          this.#redis
            .pipeline()
            .hset(key, ...members)
            .hset(this.usersKey, ...users)
            .exec(),
        );
      }
    }
    await Promise.all(pending);
  }

  /** A member without its user: HGET + JSON.parse (the point-read baseline). */
  async getMember(guildId: string, userId: string): Promise<unknown> {
    const raw = await this.#redis.hget(this.membersKey(guildId), userId);
    if (raw === null) throw new Error(`naive: no member ${userId} in guild ${guildId}`);
    return JSON.parse(raw);
  }

  /**
   * A member with its user joined: the two HGETs leave in one socket write (the socket corked around
   * them, as RedisCache's point read sends its two) and both replies are parsed. The floor of a point
   * read in any layout that stores a user once, apart from its members.
   */
  async getMemberJoined(guildId: string, userId: string): Promise<unknown> {
    const stream = this.#redis.stream;
    stream.cork();
    const replies = Promise.all([this.#redis.hget(this.membersKey(guildId), userId), this.#redis.hget(this.usersKey, userId)]);
    stream.uncork();
    const [raw, user] = await replies;
    if (raw === null || user === null) throw new Error(`naive: no member ${userId} (or its user) in guild ${guildId}`);
    const member = JSON.parse(raw) as Record<string, unknown>;
    member.user = JSON.parse(user);
    return member;
  }

  /**
   * Visit every member of a guild with its user joined: each HSCAN page's users are read with one
   * HMGET, sent in the same socket write as the next page's HSCAN (one round trip per page, as
   * {@link iterMembers} has), and both replies parsed: the baseline doing the join RedisCache's
   * iteration does (users stored once, apart from their members); returns how many.
   */
  async iterMembersJoined(guildId: string, visit: (member: unknown) => void = () => {}): Promise<number> {
    const key = this.membersKey(guildId);
    const stream = this.#redis.stream;
    let page = await this.#redis.hscan(key, '0', 'COUNT', BATCH);
    let count = 0;
    for (;;) {
      const [next, flat] = page;
      const ids: string[] = [];
      for (let i = 0; i < flat.length; i += 2) ids.push(flat[i]!);
      stream.cork();
      const users = ids.length > 0 ? this.#redis.hmget(this.usersKey, ...ids) : Promise.resolve([]);
      const nextPage = next === '0' ? undefined : this.#redis.hscan(key, next, 'COUNT', BATCH);
      stream.uncork();
      // (Both replies arrive together: they left in one write.)
      const [found, following] = await Promise.all([users, nextPage]);
      for (let k = 0; k < ids.length; k++) {
        const member = JSON.parse(flat[2 * k + 1]!) as Record<string, unknown>;
        const user = found[k];
        if (user == null) throw new Error(`naive: member ${ids[k]} of guild ${guildId} has no user`);
        member.user = JSON.parse(user);
        visit(member);
        count++;
      }
      if (!following) return count;
      page = following;
    }
  }

  /** Visit every member of a guild with HSCAN + JSON.parse (no user join); returns how many. */
  async iterMembers(guildId: string, visit: (member: unknown) => void = () => {}): Promise<number> {
    const key = this.membersKey(guildId);
    let cursor = '0';
    let count = 0;
    do {
      const [next, flat] = await this.#redis.hscan(key, cursor, 'COUNT', BATCH);
      cursor = next;
      for (let i = 1; i < flat.length; i += 2) {
        visit(JSON.parse(flat[i]!));
        count++;
      }
    } while (cursor !== '0');
    return count;
  }
}
