/**
 * The merge ops of guild-ops.lua (`MM`, and `MMo`/`mo`, which report what they replace) and user-ops.lua (`UM`) against a
 * TypeScript reference (`{ ...current, ...patch }`, what MemoryCache does):
 * for random stored members and users (absent, short, or split over 64 bytes)
 * and random patches, the stored record decodes to the merged value, a
 * member created by its merge is counted, no stale tail is left behind, a
 * merge that changes nothing writes nothing, and a split head without its
 * tail is an error naming its key.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdDictionary } from '../../src/codec/dictionary.js';
import { decodeRecord, encodeRecord } from '../../src/codec/record.js';
import { bucketSeed, Keys } from '../../src/keys.js';
import { uniquePrefix } from '../helpers.js';
import { scriptClient } from './harness.js';

const client = scriptClient();
const GUILD = '81384788765712384';

/** 8-byte big-endian form of a snowflake (the hash field of a member or user). */
function id8(id: string): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(id));
  return b;
}

const snowflake = fc.bigInt({ min: 10n ** 17n, max: 2n ** 63n - 1n }).map(String);
const text = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: 40, maxLength: 90 }));
const memberFields = fc.record(
  {
    nick: fc.oneof(text, fc.constant(null)),
    joined_at: fc.constantFrom('2024-01-02T03:04:05.678000+00:00', '2021-06-01T00:00:00Z'),
    deaf: fc.boolean(),
    mute: fc.boolean(),
    flags: fc.constantFrom(0, 1, 10),
    pending: fc.boolean(),
    avatar: fc.constant(null),
    x_extra: fc.oneof(fc.integer(), text, fc.array(fc.integer(), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const userFields = fc.record(
  {
    username: text,
    global_name: fc.oneof(text, fc.constant(null)),
    discriminator: fc.constantFrom('0', '1234'),
    avatar: fc.constant(null),
    bot: fc.boolean(),
    public_flags: fc.constantFrom(0, 64),
    x_user: fc.oneof(fc.boolean(), text),
  },
  { requiredKeys: [] },
);

/** The stored record of a member or user (absent: null), joining a split head with its tail. */
async function stored(key: string, tails: string, field: Buffer): Promise<Buffer | null> {
  const head = await client.redis.hgetBuffer(key, field);
  if (head === null) return null;
  if (head[0] !== 0xff) return head;
  const tail = await client.redis.hgetBuffer(tails, field);
  return Buffer.concat([head.subarray(1), tail ?? Buffer.alloc(0)]);
}

/** Write a record as the scripts store it (split over 64 bytes). */
async function put(key: string, tails: string, field: Buffer, record: Buffer): Promise<void> {
  if (record.length <= 64) await client.redis.hset(key, field, record);
  else {
    await client.redis.hset(key, field, Buffer.concat([Buffer.from([0xff]), record.subarray(0, 63)]));
    await client.redis.hset(tails, field, record.subarray(63));
  }
}

describe('guild-ops MMo and mo', () => {
  it('do what MM and m do, and report the bucket, the member and its user as stored before (raw pieces)', async () => {
    await fc.assert(
      fc.asyncProperty(
        snowflake,
        fc.option(memberFields, { nil: undefined }),
        fc.option(userFields, { nil: undefined }),
        memberFields,
        fc.boolean(),
        async (userId, current, currentUser, patch, merge) => {
          const keys = new Keys(uniquePrefix('mmo'));
          const meta = keys.guildMeta(GUILD);
          const field = id8(userId);
          const bucket = keys.memberBucket(GUILD, bucketSeed(userId) % 4);
          const tails = keys.memberTails(GUILD, bucketSeed(userId) % 4);
          const users = keys.users(3);
          const userTails = keys.userTails(3);
          await client.redis.hset(meta, 'mb', 4, 'mc', 7);
          const implied = { guild_id: GUILD };
          if (current !== undefined) await put(bucket, tails, field, encodeRecord('member', current, implied, 'user'));
          if (currentUser !== undefined) await put(users, userTails, field, encodeRecord('user', currentUser, { id: userId }));
          const raw = async (key: string, tailKey: string): Promise<string[]> => {
            const head = await client.redis.hgetBuffer(key, field);
            if (head === null) return ['', ''];
            return [head.toString('hex'), head[0] === 0xff ? ((await client.redis.hgetBuffer(tailKey, field))?.toString('hex') ?? '') : ''];
          };
          const before = current === undefined ? ['', '', '', ''] : [...(await raw(bucket, tails)), ...(await raw(users, userTails))];
          const op = merge
            ? ['MMo', field, String(bucketSeed(userId)), encodeRecord('member', patch, implied, 'user'), '', users, userTails]
            : ['mo', field, String(bucketSeed(userId)), users, userTails];
          const [reply] = await client.redis.sakeGuildOpsBuffer(meta, ['1', ...op]);
          const answer = reply!.map((b) => (Buffer.isBuffer(b) ? b.toString('hex') : String(b)));
          const reported = [Buffer.from(bucket).toString('hex'), ...before];
          expect(answer).toEqual(merge ? [current === undefined ? Buffer.from('1').toString('hex') : '', ...reported] : reported);
          const record = await stored(bucket, tails, field);
          if (!merge) expect(record).toBeNull();
          else {
            const expected = decodeRecord('member', encodeRecord('member', { ...current, ...patch }, implied, 'user'), 'm', implied);
            expect(decodeRecord('member', record!, 'm', implied)).toEqual(expected);
          }
          const count = Number(await client.redis.hget(meta, 'mc'));
          expect(count).toBe(merge ? (current === undefined ? 8 : 7) : current === undefined ? 7 : 6);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('guild-ops MM', () => {
  it('stores { ...current, ...patch } (or the patch for an absent member), counts a created member, and leaves no stale tail', async () => {
    await fc.assert(
      fc.asyncProperty(snowflake, fc.option(memberFields, { nil: undefined }), memberFields, async (userId, current, patch) => {
        const keys = new Keys(uniquePrefix('mm'));
        const meta = keys.guildMeta(GUILD);
        const field = id8(userId);
        const bucket = keys.memberBucket(GUILD, bucketSeed(userId) % 4);
        const tails = keys.memberTails(GUILD, bucketSeed(userId) % 4);
        await client.redis.hset(meta, 'mb', 4, 'mc', 7);
        const implied = { guild_id: GUILD };
        if (current !== undefined) await put(bucket, tails, field, encodeRecord('member', current, implied, 'user'));
        const bytes = encodeRecord('member', patch, implied, 'user');
        await client.redis.sakeGuildOpsBuffer(meta, ['1', 'MM', field, String(bucketSeed(userId)), bytes, '']);
        const record = await stored(bucket, tails, field);
        expect(record).not.toBeNull();
        const expected = decodeRecord('member', encodeRecord('member', { ...current, ...patch }, implied, 'user'), 'm', implied);
        expect(decodeRecord('member', record!, 'm', implied)).toEqual(expected);
        expect(await client.redis.hexists(tails, field)).toBe(record!.length > 64 ? 1 : 0);
        expect(await client.redis.hget(meta, 'mc')).toBe(current === undefined ? '8' : '7');
      }),
      { numRuns: 150 },
    );
  });

  it('writes nothing when the patch changes nothing', async () => {
    const keys = new Keys(uniquePrefix('mm'));
    const userId = '81384788765712399';
    const meta = keys.guildMeta(GUILD);
    const bucket = keys.memberBucket(GUILD, 0);
    const member = { nick: 'n'.repeat(70), deaf: false, joined_at: '2021-06-01T00:00:00Z' };
    await client.redis.hset(meta, 'mb', 1);
    await put(bucket, keys.memberTails(GUILD, 0), id8(userId), encodeRecord('member', member, { guild_id: GUILD }, 'user'));
    const watcher = client.redis.duplicate();
    await watcher.watch(bucket, keys.memberTails(GUILD, 0));
    await client.redis.sakeGuildOpsBuffer(meta, [
      '1',
      'MM',
      id8(userId),
      String(bucketSeed(userId)),
      encodeRecord('member', { deaf: false }, { guild_id: GUILD }, 'user'),
      '',
    ]);
    // EXEC fails (null) when a watched key was written in between.
    expect(await watcher.multi().ping().exec()).not.toBeNull();
    watcher.disconnect();
  });

  it('drops the role indexes it is given from the stored record before merging (a removeRole earlier in the batch)', async () => {
    const keys = new Keys(uniquePrefix('mm'));
    const userId = '81384788765712399';
    const meta = keys.guildMeta(GUILD);
    const roles = new IdDictionary();
    const ids = ['81384788765712500', '81384788765712501', '81384788765712502'];
    roles.extendAt(0, Buffer.concat(ids.map(id8)));
    const implied = { guild_id: GUILD };
    await client.redis.hset(meta, 'mb', 1);
    const bucket = keys.memberBucket(GUILD, 0);
    await put(bucket, keys.memberTails(GUILD, 0), id8(userId), encodeRecord('member', { roles: ids, nick: 'a' }, implied, 'user', roles));
    // Index 1 is stripped; the patch leaves the roles alone.
    await client.redis.sakeGuildOpsBuffer(meta, [
      '1',
      'MM',
      id8(userId),
      String(bucketSeed(userId)),
      encodeRecord('member', { nick: 'b' }, implied, 'user', roles),
      '1',
    ]);
    const record = await stored(bucket, keys.memberTails(GUILD, 0), id8(userId));
    expect(decodeRecord('member', record!, 'm', implied, roles)).toEqual({ roles: [ids[0], ids[2]], nick: 'b', guild_id: GUILD });
  });

  it('a split head without its tail is an error naming the bucket', async () => {
    const keys = new Keys(uniquePrefix('mm'));
    const userId = '81384788765712399';
    const meta = keys.guildMeta(GUILD);
    await client.redis.hset(meta, 'mb', 1);
    await client.redis.hset(keys.memberBucket(GUILD, 0), id8(userId), Buffer.concat([Buffer.from([0xff]), Buffer.alloc(63, 1)]));
    await expect(
      client.redis.sakeGuildOpsBuffer(meta, ['1', 'MM', id8(userId), String(bucketSeed(userId)), encodeRecord('member', { deaf: true }, {}, 'user'), '']),
    ).rejects.toThrow(new RegExp(`SAKEDATA ${keys.memberBucket(GUILD, 0)}: split value whose tail is missing`));
  });
});

describe('user-ops UM', () => {
  it('stores { ...current, ...patch } (or the patch for an absent user) and leaves no stale tail', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(snowflake, { minLength: 1, maxLength: 3 }),
        fc.option(userFields, { nil: undefined }),
        userFields,
        async (ids, current, patch) => {
          const keys = new Keys(uniquePrefix('um'));
          const users = keys.users(0);
          const tails = keys.userTails(0);
          const args: Array<string | Buffer> = [];
          for (const userId of ids) {
            if (current !== undefined) await put(users, tails, id8(userId), encodeRecord('user', { ...current, id: userId }, { id: userId }));
            args.push(id8(userId), encodeRecord('user', { ...patch, id: userId }, { id: userId }));
          }
          await client.redis.sakeUserOps(users, [String(Date.now()), '0', String(2 + args.length), 'UM', String(ids.length), ...args]);
          for (const userId of ids) {
            const record = await stored(users, tails, id8(userId));
            const implied = { id: userId };
            const expected = decodeRecord('user', encodeRecord('user', { ...current, ...patch, id: userId }, implied), 'u', implied);
            expect(decodeRecord('user', record!, 'u', implied)).toEqual(expected);
            expect(await client.redis.hexists(tails, id8(userId))).toBe(record!.length > 64 ? 1 : 0);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
