/**
 * includes/record-merge.lua, run in Redis' Lua: `skip_item` over every msgpack
 * type (samples written by msgpackr, and every proper prefix of each cut
 * short), and `merge_record` against the codec: for random current values and
 * patches of member (with and without a role dictionary), user, message,
 * presence, voiceState, channel and guild — absent, null, usual and typical
 * values, values of an unusual shape (kept in the extension map), unknown
 * fields (array-index keys among them), large values and many fields (masks
 * above 2^32) — merging the two records gives the bytes of the merged value's
 * record, so it also decodes to what that record decodes to.
 */
import type { ResourceName } from '@sake/abc';
import fc from 'fast-check';
import { addExtension, Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { IdDictionary } from '../../src/codec/dictionary.js';
import { CURRENT_SCHEMA } from '../../src/codec/schemas.js';
import type { FieldKind } from '../../src/codec/kinds.js';
import { decodeRecord, encodeRecord, type Implied } from '../../src/codec/record.js';
import { assembleLua } from '../../src/scripts/loader.js';
import { scriptClient } from './harness.js';

const client = scriptClient();

/** ARGV: stored, patch, resource. Returns the merged record (an error reply when one can't be parsed). */
const MERGE_LUA = assembleLua(`--- @include "record-merge"
--- @include "schemas"
local merged, why = merge_record(ARGV[1], ARGV[2], SCHEMA_FIELDS[ARGV[3]])
if not merged then return redis.error_reply(why) end
return merged
`);

/** ARGV: strings. Returns, per string, where `skip_item` ends the item at its start (0-based, exclusive), or -1 for nil. */
const SKIP_LUA = assembleLua(`--- @include "record-merge"
local out = {}
for i = 1, #ARGV do
  local e = skip_item(ARGV[i], 1)
  out[i] = e and e - 1 or -1
end
return out
`);

/** Script SHAs, loaded once per file. */
const sha: { merge?: string; skip?: string } = {};

async function load(lua: string): Promise<string> {
  return (await client.redis.script('LOAD', lua)) as string;
}

async function merge(stored: Buffer, patch: Buffer, resource: ResourceName): Promise<Buffer> {
  sha.merge ??= await load(MERGE_LUA);
  return (await client.redis.callBuffer('EVALSHA', sha.merge, '0', stored, patch, resource)) as Buffer;
}

async function skipEnds(items: readonly Buffer[]): Promise<number[]> {
  sha.skip ??= await load(SKIP_LUA);
  return (await client.redis.evalsha(sha.skip, 0, ...items)) as number[];
}

/** Bytes msgpackr writes as an ext of type 42 (fixext for 1, 2, 4, 8, 16 bytes, ext 8/16/32 otherwise). */
class Opaque {
  constructor(readonly bytes: Buffer) {}
}
addExtension({ Class: Opaque, type: 42, pack: (v: Opaque) => v.bytes, unpack: (b: Buffer) => new Opaque(b) });

const packr = new Packr({ useRecords: false, variableMapSize: true });
const packr32 = new Packr({ useRecords: false, useFloat32: 1 });

const many = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const wideMap = (n: number): Record<string, number> => Object.fromEntries(many(n).map((i) => [`k${i}`, i]));
const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : [nested(depth - 1), { d: depth }]);

/** One msgpack item of each type, by the first byte that marks it. */
const SAMPLES: ReadonlyArray<[string, Buffer, number]> = (
  [
    ['positive fixint', packr.pack(5), 0x05],
    ['fixmap', packr.pack({ a: 1, b: [2] }), 0x82],
    ['fixarray', packr.pack([1, 'x', null]), 0x93],
    ['fixstr', packr.pack('héllo'), 0xa6],
    ['nil', packr.pack(null), 0xc0],
    ['false', packr.pack(false), 0xc2],
    ['true', packr.pack(true), 0xc3],
    ['bin 8', packr.pack(Buffer.alloc(10, 7)), 0xc4],
    ['bin 16', packr.pack(Buffer.alloc(300, 7)), 0xc5],
    ['bin 32', packr.pack(Buffer.alloc(70_000, 7)), 0xc6],
    ['ext 8', packr.pack(new Opaque(Buffer.alloc(3, 1))), 0xc7],
    ['ext 16', packr.pack(new Opaque(Buffer.alloc(300, 1))), 0xc8],
    ['ext 32', packr.pack(new Opaque(Buffer.alloc(70_000, 1))), 0xc9],
    ['float 32', packr32.pack(1.5), 0xca],
    ['float 64', packr.pack(0.1), 0xcb],
    ['uint 8', packr.pack(200), 0xcc],
    ['uint 16', packr.pack(60_000), 0xcd],
    ['uint 32', packr.pack(4_000_000_000), 0xce],
    ['uint 64', packr.pack(2n ** 63n + 5n), 0xcf],
    ['int 8', packr.pack(-100), 0xd0],
    ['int 16', packr.pack(-1000), 0xd1],
    ['int 32', packr.pack(-100_000), 0xd2],
    ['int 64', packr.pack(-(2n ** 60n)), 0xd3],
    ['fixext 1', packr.pack(new Opaque(Buffer.alloc(1, 1))), 0xd4],
    ['fixext 2', packr.pack(new Opaque(Buffer.alloc(2, 1))), 0xd5],
    ['fixext 4', packr.pack(new Opaque(Buffer.alloc(4, 1))), 0xd6],
    ['fixext 8', packr.pack(new Opaque(Buffer.alloc(8, 1))), 0xd7],
    ['fixext 16', packr.pack(new Opaque(Buffer.alloc(16, 1))), 0xd8],
    ['str 8', packr.pack('x'.repeat(40)), 0xd9],
    ['str 16', packr.pack('x'.repeat(300)), 0xda],
    ['str 32', packr.pack('x'.repeat(70_000)), 0xdb],
    ['array 16', packr.pack(many(20)), 0xdc],
    ['array 32', packr.pack(many(70_000)), 0xdd],
    ['map 16', packr.pack(wideMap(20)), 0xde],
    ['map 32', packr.pack(wideMap(70_000)), 0xdf],
    ['negative fixint', packr.pack(-3), 0xfd],
    ['timestamp ext', packr.pack(new Date(1_700_000_000_123)), 0xd7],
    ['nesting 300 deep', packr.pack(nested(300)), 0x92],
  ] as const
).map(([what, bytes, first]) => [what, Buffer.from(bytes), first]);

describe('skip_item', () => {
  it('finds the end of one item of every msgpack type', async () => {
    for (const [what, bytes, first] of SAMPLES) expect(bytes[0], `${what} sample`).toBe(first);
    const ends = await skipEnds(SAMPLES.map(([, b]) => Buffer.concat([b, Buffer.from([0xc0, 0x01])])));
    expect(ends).toEqual(SAMPLES.map(([, b]) => b.length));
  });

  it('answers nil for every item cut short, for an empty string and for the unused byte 0xc1', async () => {
    const small = SAMPLES.filter(([, b]) => b.length < 400);
    const cut = small.flatMap(([, b]) => many(b.length).map((n) => b.subarray(0, n)));
    expect(await skipEnds(cut)).toEqual(cut.map(() => -1));
    const large = SAMPLES.filter(([, b]) => b.length >= 400).flatMap(([, b]) => [b.subarray(0, b.length - 1), b.subarray(0, 5)]);
    expect(await skipEnds(large)).toEqual(large.map(() => -1));
    expect(await skipEnds([Buffer.from([0xc1]), Buffer.from([0x91, 0xc1])])).toEqual([-1, -1]);
  });
});

// --- Values -------------------------------------------------------------------------------------

/** JSON values (no own `__proto__` keys: msgpackr renames them on decode). */
const json = fc
  .jsonValue({ maxDepth: 2 })
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown)
  .filter((v) => !JSON.stringify(v ?? null).includes('"__proto__"'));

const snowflake = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
const notAnId = fc.constantFrom<unknown>('not-an-id', '0123', '', 42, '18446744073709551616');
const hex32 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));
const big = fc.string({ minLength: 65, maxLength: 300 });

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
/** Discord timestamps in every stored form: seconds, microseconds, whole milliseconds (the 5-byte form). */
const time = fc
  .tuple(
    fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2080-01-01T00:00:00Z'), noInvalidDate: true }),
    fc.integer({ min: 0, max: 2 }),
    fc.nat(999_999),
  )
  .map(([d, form, micros]) => {
    const base = d.toISOString().slice(0, 19);
    if (form === 0) return `${base}+00:00`;
    return `${base}.${form === 1 ? pad(micros, 6) : `${pad(d.getUTCMilliseconds(), 3)}000`}+00:00`;
  });

/** Role ids the dictionary holds, and ones it does not. */
const DICTIONARY_ROLES = ['81384788765712384', '81384788765712385', '200000000000000001', '200000000000000002', '999'];
const OTHER_ROLES = ['300000000000000003', '300000000000000004'];

/** Values of a field of `kind` that have its usual shape (written positionally). */
function typical(kind: FieldKind, dictionary: boolean): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'id':
      return snowflake;
    case 'ids':
      return fc.array(snowflake, { maxLength: 4 });
    case 'time':
      return time;
    case 'hash':
      return fc.oneof(
        hex32,
        hex32.map((h) => `a_${h}`),
      );
    case 'roles':
      return fc.array(fc.constantFrom(...(dictionary ? DICTIONARY_ROLES : OTHER_ROLES)), { maxLength: 6 });
    case 'raw':
      return fc.oneof(json, big, fc.constantFrom(2 ** 40 + 1, -(2 ** 33), 0.5, 255, 65_536));
  }
}

/** Values of a field of `kind` with an unusual shape (kept in the extension map). */
function unusual(kind: FieldKind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'id':
      return notAnId;
    case 'ids':
      return fc.oneof(fc.constant<unknown>(['1', 'x']), fc.constant('12'));
    case 'time':
      return fc.constantFrom<unknown>('2021-01-01T00:00:00.123Z', '2021-02-30T00:00:00+00:00', 1_600_000_000, big);
    case 'hash':
      return fc.constantFrom<unknown>('NOT-A-HASH', '0123456789ABCDEF0123456789ABCDEF', 7);
    case 'roles':
      return fc.constantFrom<unknown>([OTHER_ROLES[0]], 'roles', [DICTIONARY_ROLES[0], 5]);
    case 'raw':
      return json;
  }
}

interface Variant {
  readonly name: string;
  readonly resource: ResourceName;
  readonly implied: Implied;
  readonly omit?: string;
  readonly roles?: IdDictionary;
}

const GUILD = '81384788765712384';
const ID = '1100000000000000001';

function dictionary(): IdDictionary {
  const d = new IdDictionary();
  const bytes = Buffer.alloc(8 * DICTIONARY_ROLES.length);
  DICTIONARY_ROLES.forEach((id, i) => bytes.writeBigUInt64BE(BigInt(id), 8 * i));
  d.extendAt(0, bytes);
  return d;
}

/** The resources of the brief with the implied fields, `omit` and role dictionary their codecs use (codec/index.ts). */
const VARIANTS: readonly Variant[] = [
  { name: 'member with a role dictionary', resource: 'member', implied: { guild_id: GUILD }, omit: 'user', roles: dictionary() },
  { name: 'member without a role dictionary', resource: 'member', implied: { guild_id: GUILD }, omit: 'user' },
  { name: 'user', resource: 'user', implied: { id: ID } },
  { name: 'message', resource: 'message', implied: { id: ID } },
  { name: 'presence', resource: 'presence', implied: { guild_id: GUILD } },
  { name: 'voiceState', resource: 'voiceState', implied: { guild_id: GUILD, user_id: ID } },
  { name: 'channel', resource: 'channel', implied: { id: ID, guild_id: GUILD } },
  { name: 'guild', resource: 'guild', implied: { id: ID } },
];

/** Keys no schema field has: array-index keys (JavaScript lists them first), long and non-ASCII ones. */
const unknownKey = (names: ReadonlySet<string>): fc.Arbitrary<string> =>
  fc
    .oneof(fc.constantFrom('extra', 'x', 'zz_new', '0', '7', '42', '4294967294', '4294967295', '01', 'émoji', 'k'.repeat(40)), fc.string({ maxLength: 8 }))
    .filter((k) => !names.has(k) && k !== '__proto__');

/** A value of the variant's resource: any subset of its fields, each of any kind of value, and unknown fields. */
function entity(v: Variant): fc.Arbitrary<Record<string, unknown>> {
  const fields = CURRENT_SCHEMA[v.resource].fields;
  const names = new Set(fields.map(([n]) => n));
  const known: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, kind, usual] of fields) {
    const choices: Array<fc.WeightedArbitrary<unknown>> = [
      { arbitrary: typical(kind, v.roles !== undefined), weight: 5 },
      { arbitrary: fc.constant(null), weight: 1 },
      { arbitrary: unusual(kind), weight: 1 },
    ];
    if (usual !== undefined) choices.push({ arbitrary: fc.constant(usual), weight: 3 }, { arbitrary: fc.constant(usual === 0 ? -0 : 'other'), weight: 1 });
    if (name in v.implied) choices.push({ arbitrary: fc.constant(v.implied[name]), weight: 4 });
    known[name] = fc.oneof(...choices);
  }
  if (v.omit) known[v.omit] = json;
  return fc
    .tuple(fc.record(known, { requiredKeys: [] }), fc.dictionary(unknownKey(names), json, { maxKeys: 4 }), fc.boolean())
    .map(([k, u, unknownFirst]) => (unknownFirst ? { ...u, ...k } : { ...k, ...u }));
}

/**
 * A patch can't clear a field back to its implied value: the patch record leaves the field out
 * (implied), as it leaves out a field the patch does not have, so a differing stored value stays.
 */
function restoresImplied(v: Variant, current: Record<string, unknown>, patch: Record<string, unknown>): boolean {
  return Object.entries(v.implied).some(([name, value]) => patch[name] === value && name in current && current[name] !== value);
}

describe('merge_record', () => {
  for (const v of VARIANTS) {
    it(`merges ${v.name} records into the bytes of the merged value's record`, async () => {
      const encode = (value: object): Buffer => encodeRecord(v.resource, value, v.implied, v.omit, v.roles);
      const decode = (bytes: Buffer): unknown => decodeRecord(v.resource, bytes, 'k', v.implied, v.roles);
      const seen = { large: 0, wideMask: 0, ext: 0 };
      const valueOf = entity(v);
      await fc.assert(
        fc.asyncProperty(valueOf, valueOf, fc.boolean(), async (current, other, overlap) => {
          // Half the patches are built from the current value's keys, so they often hit the same fields and unknown keys.
          const patch = overlap
            ? Object.fromEntries(
                Object.keys(current)
                  .map((k, i): [string, unknown] => [k, i % 2 ? other[k] : current[k]])
                  .filter(([, x]) => x !== undefined),
              )
            : other;
          fc.pre(!restoresImplied(v, current, patch));
          const want = encode({ ...current, ...patch });
          const got = await merge(encode(current), encode(patch), v.resource);
          expect(decode(got)).toEqual(decode(want));
          expect(got.toString('hex')).toBe(want.toString('hex'));
          if (want.length > 64) seen.large++;
          if (!CURRENT_SCHEMA[v.resource].coded && (want[1] === 0xdc ? want[4] : want[2]) === 0xcf) seen.wideMask++;
          if (Object.keys(decode(want) as object).some((k) => !CURRENT_SCHEMA[v.resource].fields.some(([n]) => n === k))) seen.ext++;
        }),
        { numRuns: 300, seed: 20_240_601 + VARIANTS.indexOf(v) },
      );
      expect(seen.large).toBeGreaterThan(0);
      expect(seen.ext).toBeGreaterThan(0);
      if (v.resource === 'message' || v.resource === 'guild') expect(seen.wideMask).toBeGreaterThan(0);
    });
  }

  it('gives back the stored bytes for a patch that changes nothing', async () => {
    const v = VARIANTS[0]!;
    const encode = (value: object): Buffer => encodeRecord(v.resource, value, v.implied, v.omit, v.roles);
    await fc.assert(
      fc.asyncProperty(entity(v), fc.array(fc.boolean()), async (current, keep) => {
        const patch = Object.fromEntries(Object.entries(current).filter((_, i) => keep[i] ?? true));
        const stored = encode(current);
        expect((await merge(stored, encode(patch), v.resource)).toString('hex')).toBe(stored.toString('hex'));
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it('reads the schemas include as codec/schemas.ts has it', async () => {
    const lua = assembleLua(`--- @include "schemas"
local out = {}
for i = 1, #ARGV do
  local r = ARGV[i]
  out[i] = SCHEMA_HEADER[r] .. (SCHEMA_CODED[SCHEMA_HEADER[r]] and ' coded ' or ' array ') .. table.concat(SCHEMA_FIELDS[r], ',')
end
return out
`);
    const resources = Object.keys(CURRENT_SCHEMA);
    const want = Object.values(CURRENT_SCHEMA).map((s) => `${s.header} ${s.coded ? 'coded' : 'array'} ${s.fields.map(([n]) => n).join(',')}`);
    expect(await client.redis.eval(lua, 0, ...resources)).toEqual(want);
  });

  it('returns the patch of another schema unchanged, and refuses records it can not parse', async () => {
    const user = encodeRecord('user', { username: 'a' });
    const member = encodeRecord('member', { nick: 'b' });
    expect((await merge(user, member, 'user')).equals(member)).toBe(true);
    expect((await merge(Buffer.alloc(0), member, 'member')).equals(member)).toBe(true);
    const message = encodeRecord('message', { content: 'hi', extra: 1 });
    await expect(merge(message.subarray(0, message.length - 1), message, 'message')).rejects.toThrow(/stored record/);
    await expect(merge(message, Buffer.concat([message, Buffer.from([0xc0])]), 'message')).rejects.toThrow(/patch record/);
    await expect(merge(member, member.subarray(0, 3), 'member')).rejects.toThrow(/patch record/);
  });
});
