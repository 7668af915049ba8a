/**
 * The topology reader of a single node (or Sentinel): every key is on one
 * server, so one command can read keys of many slots. Member point reads are
 * coalesced per tick by the member loader; iteration windows, member users
 * and many string values are one command each (`sakeReadMemberWindow`,
 * `sakeReadUsers`, MGET) instead of one per bucket or key. A script that
 * meets a foreign value (`WRONGTYPE`) is retried through the per-command
 * reads of the cluster reader, whose errors name the key.
 */
import type { MemberEntity, UserEntity } from '@sake/abc';
import { idBytes, idFromBytes, userCodec } from '../codec/index.js';
import type { IdDictionary } from '../codec/dictionary.js';
import { writeId } from '../codec/ids.js';
import { joinRecord } from '../codec/split.js';
import { toCacheError, type Connection } from '../connection.js';
import { fieldLocator, type Ctx, type TopologyReader } from '../context.js';
import { bucketOf, GUILD_CHILD_HASH, type Keys } from '../keys.js';
import { notCached, readMember, readMemberAfterMiss } from '../resources/members.js';
import { decodeWithRoles, settleWith } from '../resources/roles.js';
import { expiringPerKey, liveIdsPerKey, locatedInTwoSteps, memberWindowPerSlot, valuesPerKey } from './cluster.js';
import { MemberLoader } from './member-loader.js';
import { decodePacked, decodePackedMember, lastPackedEnd } from './packed-member.js';

/** Keys one MGET reads (bounds one reply). */
const MGET_KEYS = 512;

/**
 * `keys` read in parts of {@link MGET_KEYS}, each part one command (`read`), the answers in order; a
 * single key, or a part that meets a `WRONGTYPE`, is read with `perKey` instead (one command per
 * key, whose error names the key).
 */
async function inParts<T>(keys: readonly string[], read: (slice: string[]) => Promise<T[]>, perKey: (slice: readonly string[]) => Promise<T[]>): Promise<T[]> {
  if (keys.length < 2) return perKey(keys);
  const parts: Array<Promise<T[]>> = [];
  for (let from = 0; from < keys.length; from += MGET_KEYS) {
    const slice = keys.slice(from, from + MGET_KEYS);
    parts.push(
      read(slice).catch((err: unknown) => {
        if (err instanceof Error && /\bWRONGTYPE\b/.test(err.message)) return perKey(slice);
        throw err;
      }),
    );
  }
  return (await Promise.all(parts)).flat();
}

/** Decode the packed member at `pos` of a read script's reply (with the guild's role dictionary) into `resolve`, or reject naming `key`. */
function settlePacked(
  ctx: Ctx,
  guildId: string,
  key: string,
  blob: Buffer,
  pos: number,
  resolve: (member: MemberEntity) => void,
  reject: (err: unknown) => void,
): void {
  try {
    settleWith(decodePackedMember(ctx, guildId, key, blob, pos), resolve, reject);
  } catch (err) {
    reject(err);
  }
}

/** The single node's {@link TopologyReader} (one per open cache: it holds the cache's member loader). */
export class SingleNodeReader implements TopologyReader {
  readonly #loader: MemberLoader;
  readonly #conn: Connection;

  constructor(conn: Connection, keys: Keys) {
    this.#conn = conn;
    this.#loader = new MemberLoader(conn, keys);
  }

  /**
   * With a client the cache created and a known bucket count, the reply callback decodes and settles
   * the caller's promise directly (one promise instead of one per async step: each step was a
   * measurable share of a point read's latency). Everything else goes through `readMember`.
   */
  getMember(ctx: Ctx, guildId: string, userId: string): Promise<MemberEntity> {
    const buckets = ctx.memberBucketHint.get(guildId);
    const conn = this.#conn;
    if (buckets === undefined || !conn.owned || !conn.isOpen) {
      return readMember(ctx, guildId, userId).then((found) => {
        if (found === null) throw notCached(guildId, userId);
        return found;
      });
    }
    return new Promise<MemberEntity>((resolve, reject) => {
      const key = ctx.keys.memberBucket(guildId, bucketOf(userId, buckets));
      this.#loader.request(
        key,
        userId,
        bucketOf(userId, ctx.userBuckets),
        (blob, pos) => {
          if (blob) {
            settlePacked(ctx, guildId, key, blob, pos, resolve, reject);
            return;
          }
          // A miss may come from a stale bucket-count hint: the general path re-reads it.
          readMemberAfterMiss(ctx, guildId, userId, buckets).then((found) => (found ? resolve(found) : reject(notCached(guildId, userId))), reject);
        },
        (err) => reject(toCacheError(err, 'getMember')),
      );
    });
  }

  /** A member and its user through the member loader (one command, one reply). */
  memberAt(ctx: Ctx, guildId: string, userId: string, buckets: number): Promise<MemberEntity | null> {
    const key = ctx.keys.memberBucket(guildId, bucketOf(userId, buckets));
    return this.#conn.run(
      'sakeReadMember',
      () =>
        new Promise<MemberEntity | null>((resolve, reject) =>
          this.#loader.request(
            key,
            userId,
            bucketOf(userId, ctx.userBuckets),
            (blob, pos) => {
              if (!blob) resolve(null);
              else settlePacked(ctx, guildId, key, blob, pos, resolve, reject);
            },
            reject,
          ),
        ),
    );
  }

  /** One `sakeReadUsers` call (one reply instead of one per user bucket). */
  async memberUsers(ctx: Ctx, userIds: readonly string[]): Promise<Array<UserEntity | null>> {
    const n = userIds.length;
    if (n === 0) return [];
    const ids = Buffer.allocUnsafe(8 * n);
    const buckets = Buffer.allocUnsafe(4 * n);
    const keys = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const b = bucketOf(userIds[i]!, ctx.userBuckets);
      writeId(ids, 8 * i, userIds[i]!);
      buckets.writeUInt32BE(b, 4 * i);
      keys[i] = ctx.keys.users(b);
    }
    const flat = await ctx.conn.run('sakeReadUsers', () => ctx.conn.reads.call<Array<Buffer | null>>('sakeReadUsersBuffer', [ctx.keys.prefix, ids, buckets]));
    const out = new Array<UserEntity | null>(n);
    for (let i = 0; i < n; i++) {
      const head = flat[2 * i];
      const where = fieldLocator(keys[i]!, userIds[i]!);
      out[i] = head ? userCodec.decode(joinRecord(head, flat[2 * i + 1], where), where, userIds[i]!) : null;
    }
    return out;
  }

  /** `sakeReadMemberWindow`: the buckets, their tails and their users in one command with one packed reply. */
  async memberWindow(ctx: Ctx, guildId: string, from: number, to: number): Promise<MemberEntity[]> {
    const base = ctx.keys.memberBucketPrefix(guildId);
    let blob: Buffer;
    try {
      blob = await ctx.conn.run('sakeReadMemberWindow', () =>
        ctx.conn.reads.call<Buffer>('sakeReadMemberWindowBuffer', [ctx.keys.prefix, base, from, to, ctx.userBuckets]),
      );
    } catch (err) {
      if (err instanceof Error && /\bWRONGTYPE\b/.test(err.message)) return memberWindowPerSlot(ctx, guildId, from, to);
      throw err;
    }
    const implied = { guild_id: guildId };
    const decodeAll = (roles: IdDictionary): MemberEntity[] => {
      const out: MemberEntity[] = [];
      let bucket = from;
      const memberKey = (): string => `${base}${bucket}`;
      for (let pos = 0; pos < blob.length;) {
        if (blob[pos] === 255) {
          // A bucket marker: the members after it are in that bucket.
          bucket = blob.readUInt32BE(pos + 1);
          pos += 5;
          continue;
        }
        out.push(decodePacked(blob, pos, implied, memberKey, ctx, roles));
        pos = lastPackedEnd();
      }
      return out;
    };
    return decodeWithRoles(ctx.roles, guildId, () => `${base}${from}`, decodeAll);
  }

  /**
   * One MGET per {@link MGET_KEYS} keys instead of a command per key (each costs this process
   * ~10 µs; a channel delete reads every message of the channel). An MGET answers nil for a key of
   * another Redis type too, so each nil is read again alone, whose error names the key.
   */
  async values(ctx: Ctx, keys: readonly string[]): Promise<Array<Buffer | null>> {
    if (keys.length < 2) return valuesPerKey(ctx, keys);
    const out = new Array<Buffer | null>(keys.length).fill(null);
    const parts: Array<Promise<void>> = [];
    for (let from = 0; from < keys.length; from += MGET_KEYS) {
      const slice = keys.slice(from, from + MGET_KEYS);
      parts.push(
        ctx.conn
          .run('MGET', (c) => c.mgetBuffer(slice))
          .then(async (values) => {
            const again: Array<Promise<void>> = [];
            values.forEach((bytes, i) => {
              if (bytes) out[from + i] = bytes;
              else again.push(valuesPerKey(ctx, [slice[i]!]).then(([v]) => void (out[from + i] = v ?? null)));
            });
            await Promise.all(again);
          }),
      );
    }
    await Promise.all(parts);
    return out;
  }

  /** `sakeReadExpiring`: values and PTTLs in one command per {@link MGET_KEYS} keys. */
  expiring(ctx: Ctx, keys: readonly string[]): Promise<Array<readonly [Buffer | null, number]>> {
    return inParts(
      keys,
      (slice) =>
        ctx.conn
          .run('sakeReadExpiring', () => ctx.conn.reads.call<Array<Buffer | number | null>>('sakeReadExpiringBuffer', slice))
          .then((flat) => slice.map((_, i): readonly [Buffer | null, number] => [(flat[2 * i] as Buffer | null) ?? null, flat[2 * i + 1] as number])),
      (slice) => expiringPerKey(ctx, slice),
    );
  }

  /** `sakeReadLiveIds`: the live ids of {@link MGET_KEYS} indexes per command. */
  liveIds(ctx: Ctx, indexKeys: readonly string[]): Promise<string[][]> {
    const now = String(Date.now());
    return inParts(
      indexKeys,
      (slice) => ctx.conn.run('sakeReadLiveIds', () => ctx.conn.reads.call<string[][]>('sakeReadLiveIds', [now, ...slice])),
      (slice) => liveIdsPerKey(ctx, slice),
    );
  }

  /** `sakeReadLocated`: the locator entry and the record in one command; after a `WRONGTYPE`, in two (the error names the key). */
  located(ctx: Ctx, resource: 'channel' | 'role' | 'emoji', id: string): Promise<readonly [string, Buffer | null] | null> {
    const args = [ctx.keys.locator(resource), ctx.keys.prefix, GUILD_CHILD_HASH[resource], idBytes(id)];
    return ctx.conn
      .run('sakeReadLocated', () => ctx.conn.reads.call<[Buffer, Buffer | null] | null>('sakeReadLocatedBuffer', args))
      .then(
        (reply) => (reply ? ([idFromBytes(reply[0]), reply[1]] as const) : null),
        (err: unknown) => {
          if (err instanceof Error && /\bWRONGTYPE\b/.test(err.message)) return locatedInTwoSteps(ctx, resource, id);
          throw err;
        },
      );
  }
}
