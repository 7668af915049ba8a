/**
 * The member read scripts (read-member.lua, read-members.lua, read-users.lua,
 * read-member-window.lua) against a TypeScript reference of their packed
 * replies (includes/packed-member.lua): members and users stored whole, split
 * with their tail, split with the tail missing, absent; long records (the
 * 13-byte header); a field that is not an 8-byte id; ids over the whole 64-bit
 * range, whose user bucket the window script computes as keys.ts bucketOf
 * does, for bucket counts that are not powers of two.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { idFromBytes } from '../../src/codec/ids.js';
import { bucketOf, Keys } from '../../src/keys.js';
import { uniquePrefix } from '../helpers.js';
import { bytes, random, scriptClient } from './harness.js';

const client = scriptClient();
const GUILD = '81384788765712384';

/** One packed member: header, field, member head and tail, user head and tail. */
function packed(flags: number, f: Buffer, m: Buffer, mt: Buffer, u: Buffer, ut: Buffer): Buffer {
  const ml = m.length + mt.length;
  const ul = u.length + ut.length;
  let header: Buffer;
  if (ml < 65536 && ul < 65536 && f.length < 256) header = Buffer.from([flags, f.length, ml >> 8, ml & 255, ul >> 8, ul & 255]);
  else {
    header = Buffer.alloc(13);
    header[0] = flags + 32;
    header.writeUInt32BE(f.length, 1);
    header.writeUInt32BE(ml, 5);
    header.writeUInt32BE(ul, 9);
  }
  return Buffer.concat([header, f, m, mt, u, ut]);
}

const EMPTY = Buffer.alloc(0);

/** Reads of the stored hashes the reference needs (the test wrote them; it reads them back as they are). */
async function hget(redis: Redis, key: string, f: Buffer): Promise<Buffer | null> {
  return redis.hgetBuffer(key, f);
}

/** The reference: the packed member `f` of member bucket `b` with its user in user bucket `ub` (null: none), or null. */
async function expectedMember(redis: Redis, keys: Keys, b: number, f: Buffer, ub: number | null): Promise<Buffer | null> {
  const m = await hget(redis, keys.memberBucket(GUILD, b), f);
  if (!m) return null;
  let flags = 0;
  let mt: Buffer = EMPTY;
  if (m[0] === 255) {
    const t = await hget(redis, keys.memberTails(GUILD, b), f);
    if (t) [flags, mt] = [8, t];
    else flags = 1;
  }
  let u: Buffer = EMPTY;
  let ut: Buffer = EMPTY;
  const head = ub === null ? null : await hget(redis, keys.users(ub), f);
  if (!head) flags += 2;
  else {
    u = head;
    if (head[0] === 255) {
      const t = await hget(redis, keys.userTails(ub!), f);
      if (t) [flags, ut] = [flags + 16, t];
      else flags += 4;
    }
  }
  return packed(flags, f, m, mt, u, ut);
}

/** A stored record: whole, or split (marked head, and a tail unless `next` drops it). */
function record(next: (n: number) => number, long = false): { head: Buffer; tail: Buffer | null } {
  if (long) return { head: Buffer.concat([Buffer.from([255]), bytes(next, 63)]), tail: bytes(next, 70_000) };
  if (next(3) > 0) return { head: Buffer.concat([Buffer.from([next(200)]), bytes(next, next(64))]), tail: null };
  return { head: Buffer.concat([Buffer.from([255]), bytes(next, 63)]), tail: next(4) === 0 ? null : bytes(next, 1 + next(100)) };
}

/** Store a guild of `n` members in `nb` buckets and their users in `ub` user buckets (some absent); answers the fields by bucket. */
async function store(redis: Redis, keys: Keys, next: (n: number) => number, n: number, nb: number, ub: number): Promise<Buffer[][]> {
  const byBucket: Buffer[][] = Array.from({ length: nb }, () => []);
  for (let i = 0; i < n; i++) {
    // The whole 64-bit range: the window script's bucket arithmetic must stay exact.
    const f = i === 0 ? Buffer.from([255, 255, 255, 255, 255, 255, 255, 255]) : bytes(next, 8);
    const b = next(nb);
    byBucket[b]!.push(f);
    const m = record(next, n > 5 && i === 1);
    await redis.hset(keys.memberBucket(GUILD, b), f, m.head);
    if (m.tail) await redis.hset(keys.memberTails(GUILD, b), f, m.tail);
    if (next(5) === 0) continue;
    const u = record(next);
    const userBucket = bucketOf(idFromBytes(f), ub);
    await redis.hset(keys.users(userBucket), f, u.head);
    if (u.tail) await redis.hset(keys.userTails(userBucket), f, u.tail);
  }
  // A field that is not an 8-byte id (not a member this cache writes): the window answers it without a user.
  const odd = Buffer.from([1, 2, 3]);
  byBucket[0]!.push(odd);
  await redis.hset(keys.memberBucket(GUILD, 0), odd, Buffer.from([7, 7]));
  return byBucket;
}

describe('member read scripts', () => {
  for (const [n, nb, ub] of [
    [20, 3, 7],
    [60, 5, 1000],
    [8, 1, 1],
  ] as const) {
    it(`agree with the reference: ${n} members in ${nb} buckets, ${ub} user buckets`, async () => {
      const redis = client.redis;
      const next = random(n * 1000 + nb * 10 + ub);
      const keys = new Keys(uniquePrefix('rm'));
      const byBucket = await store(redis, keys, next, n, nb, ub);
      const all = byBucket.flatMap((fields, b) => fields.filter((f) => f.length === 8).map((f) => ({ f, b, ub: bucketOf(idFromBytes(f), ub) })));
      const absent = { f: bytes(next, 8), b: 0, ub: 0 };

      // sakeReadMember: one member per call.
      for (const { f, b, ub: u } of [...all, absent]) {
        const mk = keys.memberBucket(GUILD, b);
        const got = await redis.sakeReadMemberBuffer(mk, keys.memberTails(GUILD, b), keys.users(u), keys.userTails(u), f);
        expect(got?.toString('hex') ?? null).toEqual((await expectedMember(redis, keys, b, f, u))?.toString('hex') ?? null);
      }

      // sakeReadMembers: every member (and the absent one) in one call, grouped by bucket.
      const asked = [...all, absent].sort((x, y) => x.b - y.b);
      const ids = Buffer.concat(asked.map(({ f, ub: u }) => Buffer.concat([f, Buffer.from([u >>> 24, (u >>> 16) & 255, (u >>> 8) & 255, u & 255])])));
      const groups: Array<string | number> = [];
      for (const { b } of asked) {
        const key = keys.memberBucket(GUILD, b);
        if (groups[groups.length - 2] === key) groups[groups.length - 1] = (groups[groups.length - 1] as number) + 1;
        else groups.push(key, 1);
      }
      const many = await redis.sakeReadMembersBuffer([keys.prefix, ids, ...groups]);
      const expectedMany: Buffer[] = [];
      for (const { f, b, ub: u } of asked) {
        const one = await expectedMember(redis, keys, b, f, u);
        expectedMany.push(one ? Buffer.concat([Buffer.from([1]), one]) : Buffer.from([0]));
      }
      expect(many.toString('hex')).toBe(Buffer.concat(expectedMany).toString('hex'));

      // sakeReadUsers: heads, and tails of split heads.
      const users = await redis.sakeReadUsersBuffer([
        keys.prefix,
        Buffer.concat(all.map(({ f }) => f)),
        Buffer.concat(all.map(({ ub: u }) => Buffer.from([u >>> 24, (u >>> 16) & 255, (u >>> 8) & 255, u & 255]))),
      ]);
      const expectedUsers: Array<string | null> = [];
      for (const { f, ub: u } of all) {
        const head = await hget(redis, keys.users(u), f);
        const tail = head && head[0] === 255 ? await hget(redis, keys.userTails(u), f) : null;
        expectedUsers.push(head?.toString('hex') ?? null, tail?.toString('hex') ?? null);
      }
      expect(users.map((v) => v?.toString('hex') ?? null)).toEqual(expectedUsers);

      // sakeReadMemberWindow: every bucket, each window of buckets (members in the hash's own order).
      const windows: Array<[number, number]> = [
        [0, nb],
        [nb > 1 ? 1 : 0, nb],
      ];
      for (const [from, to] of windows) {
        const window = await redis.sakeReadMemberWindowBuffer([keys.prefix, keys.memberBucketPrefix(GUILD), from, to, ub]);
        const parts: Buffer[] = [];
        for (let b = from; b < to; b++) {
          const mk = keys.memberBucket(GUILD, b);
          const fields = (await redis.callBuffer('HKEYS', mk)) as Buffer[];
          if (fields.length > 0) parts.push(Buffer.from([255, b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255]));
          for (const f of fields) parts.push((await expectedMember(redis, keys, b, f, f.length === 8 ? bucketOf(idFromBytes(f), ub) : null))!);
        }
        expect(window.toString('hex')).toBe(Buffer.concat(parts).toString('hex'));
      }
    });
  }
});
