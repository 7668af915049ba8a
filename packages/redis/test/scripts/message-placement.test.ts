/**
 * includes/snowflakes.lua and includes/message-placement.lua, run in Redis'
 * Lua: ids convert between decimal text and 8 bytes exactly as codec/ids.ts
 * does (the whole 64-bit range, where doubles are not exact), buckets match
 * keys.ts, and the placement read from a stored message record is the
 * channel, guild and author the codec was given — or nil for a record whose
 * placement is in an unusual shape (the caller's path then decodes it whole).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageCodec } from '../../src/codec/index.js';
import { idBytes, idFromBytes } from '../../src/codec/ids.js';
import { bucketOf } from '../../src/keys.js';
import { assembleLua } from '../../src/scripts/loader.js';
import { scriptClient } from './harness.js';

const client = scriptClient();

/** ARGV: decimal ids, bucket count. Returns per id { bytes or false, text of those bytes or false, hex or false, bucket }. */
const SNOWFLAKE_LUA = assembleLua(`--- @include "snowflakes"
local out = {}
local n = tonumber(ARGV[#ARGV])
for i = 1, #ARGV - 1 do
  local b = snowflake_bytes(ARGV[i])
  out[i] = { b or false, b and snowflake_text(b) or false, b and snowflake_hex(b) or false, b and bucket_of(ARGV[i], n) or -1 }
end
return out
`);

/** ARGV: records. Returns per record { channel, guild or '', author or '' }, or 'nil'. */
const PLACEMENT_LUA = assembleLua(`--- @include "message-placement"
local out = {}
for i = 1, #ARGV do
  local p = message_placement(ARGV[i])
  out[i] = p and { p.channel, p.guild or '', p.author or '' } or 'nil'
end
return out
`);

const snowflake = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);

type Converted = [Buffer | null, string | null, string | null, number];

async function convert(ids: readonly string[], buckets: number): Promise<Converted[]> {
  return (await client.redis.callBuffer('EVAL', SNOWFLAKE_LUA, '0', ...ids, String(buckets))) as Converted[];
}

async function placements(records: readonly Buffer[]): Promise<Array<[string, string, string] | 'nil'>> {
  const reply = (await client.redis.eval(PLACEMENT_LUA, 0, ...records)) as Array<[string, string, string] | 'nil'>;
  return reply;
}

describe('snowflakes.lua', () => {
  it('converts ids to bytes, back to text and to hex as codec/ids.ts does, and buckets them as keys.ts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(snowflake, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4096 }), async (ids, buckets) => {
        const got = await convert(ids, buckets);
        ids.forEach((id, i) => {
          const [bytes, text, hex, bucket] = got[i]!;
          expect(bytes).toEqual(idBytes(id));
          expect(text!.toString()).toBe(idFromBytes(idBytes(id)));
          expect(hex!.toString()).toBe(idBytes(id).toString('hex'));
          expect(bucket).toBe(bucketOf(id, buckets));
        });
      }),
      { numRuns: 60 },
    );
  });

  it('refuses what is not 1–20 digits below 2^64', async () => {
    const got = await convert(['', 'abc', '12a', '-1', '18446744073709551616', '123456789012345678901', '1.5'], 7);
    for (const [bytes] of got) expect(bytes).toBeNull();
  });
});

interface Placed {
  channel_id: unknown;
  guild_id?: unknown;
  author?: unknown;
}

function record({ channel_id, guild_id, author }: Placed): Buffer {
  const id = '1191204250058753055';
  const value: Record<string, unknown> = { id, channel_id, content: 'hi', timestamp: '2024-01-01T00:00:00.000000+00:00', tts: false };
  if (guild_id !== undefined) value.guild_id = guild_id;
  if (author !== undefined) value.author = author;
  return messageCodec.encode(value as never, id);
}

describe('message-placement.lua', () => {
  it('reads the channel, guild and author the record was written with', async () => {
    const user = fc.record(
      { id: snowflake, username: fc.string(), avatar: fc.constantFrom(null, 'a'.repeat(32)), bot: fc.boolean() },
      { requiredKeys: ['id'] },
    );
    const placed = fc.record({ channel_id: snowflake, guild_id: fc.option(snowflake, { nil: undefined }), author: fc.option(user, { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(fc.array(placed, { minLength: 1, maxLength: 20 }), async (messages) => {
        const got = await placements(messages.map(record));
        messages.forEach((m, i) => expect(got[i]).toEqual([m.channel_id, m.guild_id ?? '', m.author?.id ?? '']));
      }),
      { numRuns: 40 },
    );
  });

  it('reads a null guild or author as none', async () => {
    expect(await placements([record({ channel_id: '5', guild_id: null, author: null })])).toEqual([['5', '', '']]);
  });

  it('answers nil for a placement in an unusual shape, or a record it cannot parse', async () => {
    const good = record({ channel_id: '5', guild_id: '6', author: { id: '7' } });
    const got = await placements([
      record({ channel_id: 'not-an-id', guild_id: '6', author: { id: '7' } }),
      record({ channel_id: '5', guild_id: 'x', author: { id: '7' } }),
      record({ channel_id: '5', guild_id: '6', author: { id: 'seven' } }),
      record({ channel_id: '5', guild_id: '6', author: 'someone' }),
      record({ channel_id: '5', guild_id: '6', author: { name: 'no id' } }),
      good.subarray(0, good.length - 3),
      Buffer.concat([Buffer.from([0x91]), good.subarray(1)]),
    ]);
    expect(got).toEqual(['nil', 'nil', 'nil', 'nil', 'nil', 'nil', 'nil']);
  });
});
