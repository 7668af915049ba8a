/** The record codec: exact round trips (unknown fields included), versioning, corrupt bytes. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InvalidDataFound, RESOURCE_NAMES } from '@sake/abc';
import { CURRENT_SCHEMA, decodeRecord, encodeRecord } from '@sake/redis';
import fc from 'fast-check';
import { pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { member, sf, user } from './helpers.js';

/**
 * Arbitrary JSON, except objects with an own `__proto__` key: msgpackr renames
 * that key on decode (its prototype-pollution guard). Discord never sends one.
 */
const json = fc
  .jsonValue({ maxDepth: 3 })
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown)
  .filter((v) => !JSON.stringify(v ?? null).includes('"__proto__"'));

/** Each of `cases` (what, bytes) read as a member is InvalidDataFound naming the entry's key. */
function expectInvalidMembers(cases: ReadonlyArray<[string, Buffer]>): void {
  for (const [what, b] of cases) {
    let err: unknown;
    try {
      decodeRecord('member', b, 'sake:{g:1}:m:0[42]');
    } catch (e) {
      err = e;
    }
    expect(err, what).toBeInstanceOf(InvalidDataFound);
    expect((err as Error).message, what).toContain('sake:{g:1}:m:0[42]');
  }
}

describe('record codec', () => {
  it('round-trips a realistic member exactly, and stores it far smaller than JSON', () => {
    const m = member(sf(), user(), { nick: 'Nick', premium_since: '2022-02-02T02:02:02+00:00', communication_disabled_until: null });
    const { user: _u, ...stored } = m;
    const bytes = encodeRecord('member', stored, { guild_id: m.guild_id as string });
    expect(decodeRecord('member', bytes, 'k', { guild_id: m.guild_id as string })).toEqual(stored);
    expect(bytes.length).toBeLessThan(JSON.stringify(stored).length / 3);
  });

  it('keeps fields the schema does not know, and known fields of an unusual shape, in the extension map', () => {
    const u = {
      ...user(),
      brand_new_field: { nested: [1, 'two', null, { three: true }] },
      avatar: 'NOT-A-HASH',
      flags: 2 ** 40 + 1,
      banner: 'a_0123456789abcdef0123456789abcdef',
    };
    const back = decodeRecord('user', encodeRecord('user', u), 'k');
    expect(back).toEqual(u);
    const m = { guild_id: '1', roles: ['12', 'not-an-id'], joined_at: '2021-01-01T00:00:00.123Z', deaf: false, mute: false, odd: -0.5 };
    expect(decodeRecord('member', encodeRecord('member', m), 'k')).toEqual(m);
  });

  it('keeps implied ids out of the bytes but restores them, and stores a differing one verbatim', () => {
    const u = user('1234567890123456789');
    const withId = encodeRecord('user', u);
    const implied = encodeRecord('user', u, { id: u.id as string });
    expect(implied.length).toBeLessThan(withId.length);
    expect(decodeRecord('user', implied, 'k', { id: u.id as string })).toEqual(u);
    const odd = encodeRecord('user', u, { id: '5' });
    expect(decodeRecord('user', odd, 'k', { id: '5' })).toEqual(u);
  });

  it('round-trips arbitrary JSON in every field of every resource (property)', () => {
    for (const resource of RESOURCE_NAMES) {
      const names = CURRENT_SCHEMA[resource].fields.map(([n]) => n);
      const key = fc.oneof(
        fc.constantFrom(...names),
        fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'),
      );
      const entity = fc.dictionary(key, json, { maxKeys: 12 });
      fc.assert(
        fc.property(entity, (value) => {
          expect(decodeRecord(resource, encodeRecord(resource, value), 'k')).toEqual(value);
        }),
        { numRuns: 150 },
      );
    }
  });

  it('writes nested JSON itself and leaves other nested values to msgpackr, all reading back as they went in', () => {
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 100; i++) at = at.next = { i };
    const strings = ['', 'a'.repeat(31), `${'a'.repeat(30)}é`, 'é'.repeat(11), 'a'.repeat(32), '😀'.repeat(70), 'x'.repeat(300), 'ü'.repeat(70_000)];
    const values: unknown[] = [
      [{ x: 1, y: 2 ** 40, z: -(2 ** 40), f: 0.5, n: null, t: true }],
      [{ gone: undefined, kept: 1 }],
      [{ at: new Date(0) }],
      [new Map([['k', 1]])],
      [new Uint8Array([1, 2, 3])],
      [deep],
      strings,
      strings.map((s) => ({ [s.slice(0, 40)]: s })),
    ];
    for (const embeds of values) {
      const back = decodeRecord<{ embeds: unknown }>('message', encodeRecord('message', { id: '1', embeds }), 'k');
      // What msgpackr makes of the same value, for the parts it encodes its own way.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- JSON.stringify gives undefined for undefined; lib.d.ts says string
      expect(back.embeds, JSON.stringify(embeds)?.slice(0, 80)).toStrictEqual(unpack(pack(embeds)));
    }
    // Unlike msgpackr (which writes a nested -0 as 0), the writer keeps -0, as it does for top-level fields.
    const minusZero = decodeRecord<{ embeds: Array<{ x: number }> }>('message', encodeRecord('message', { id: '1', embeds: [{ x: -0 }] }), 'k');
    expect(Object.is(minusZero.embeds[0]!.x, -0)).toBe(true);
    // A lone surrogate (invalid UTF-16) is U+FFFD nested as it is in a top-level string.
    const lone = decodeRecord<{ content: string; embeds: string[] }>(
      'message',
      encodeRecord('message', { id: '1', content: '\ud800!', embeds: ['\ud800!'] }),
      'k',
    );
    expect(lone.embeds[0]).toBe(lone.content);
    expect(lone.content).toBe('\ufffd!');
  });

  it('round-trips ids, timestamps and hashes at their edges', () => {
    const cases = ['0', '1', '18446744073709551615', '9007199254740993'];
    for (const id of cases) expect(decodeRecord('user', encodeRecord('user', { id }), 'k')).toEqual({ id });
    const stamps = ['1970-01-01T00:00:00+00:00', '2015-04-26T06:26:56.936000+00:00', '2099-12-31T23:59:59.999999+00:00', '2021-02-30T00:00:00+00:00'];
    for (const joined_at of stamps) expect(decodeRecord('member', encodeRecord('member', { joined_at }), 'k')).toEqual({ joined_at });
  });

  it('rejects bytes of another resource, an unknown version, and corrupt bodies with InvalidDataFound naming the key', () => {
    const bytes = encodeRecord('user', user());
    const bad: Array<[string, Buffer]> = [
      ['other resource', bytes],
      ['unknown header', Buffer.from([0xff, 0x91, 0x00])],
      ['newer version', Buffer.from([bytes[0]! + 1, ...bytes.subarray(1)])],
      ['truncated', encodeRecord('member', { roles: ['1', '2'], nick: 'x' }).subarray(0, 6)],
      ['not an array', Buffer.from([CURRENT_SCHEMA.member.header, 0xa1, 0x61])],
      ['too short', Buffer.from([CURRENT_SCHEMA.member.header])],
      ['empty', Buffer.alloc(0)],
      ['json', Buffer.from('{"id":"1"}')],
    ];
    expectInvalidMembers(bad);
  });

  it('works without msgpackr native acceleration, bytes identical to the default build', () => {
    const script = `
      import { encodeRecord, decodeRecord } from '@sake/redis';
      const v = { id: '123456789012345678', username: 'x', avatar: '0123456789abcdef0123456789abcdef', extra: { a: [1, 2] } };
      const b = encodeRecord('user', v);
      const back = decodeRecord('user', b, 'k');
      process.stdout.write(JSON.stringify({ hex: b.toString('hex'), ok: JSON.stringify(back) === JSON.stringify(back) && back.extra.a[1] === 2 }));
    `;
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const run = (env: NodeJS.ProcessEnv): { hex: string; ok: boolean } =>
      JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd, env: { ...process.env, ...env } }).toString()) as {
        hex: string;
        ok: boolean;
      };
    const native = run({});
    const pure = run({ MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'true' });
    expect(pure.ok).toBe(true);
    expect(pure.hex).toBe(native.hex);
    const v = { id: '123456789012345678', username: 'x', avatar: '0123456789abcdef0123456789abcdef', extra: { a: [1, 2] } };
    expect(encodeRecord('user', v).toString('hex')).toBe(pure.hex);
  });

  it('codes nulls and usual values without a value byte (coded member and user records), and keeps -0 apart from the usual 0', () => {
    const m = {
      roles: [],
      nick: null,
      avatar: null,
      joined_at: '2021-05-04T12:34:56+00:00',
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
    };
    const bytes = encodeRecord('member', m);
    // Header, 4 code bytes, then the two values that follow: roles (an empty list: no dictionary,
    // so verbatim in the extension map) and joined_at (5 bytes as a uint32 of seconds).
    expect(bytes[0]).toBe(CURRENT_SCHEMA.member.header);
    expect(bytes.length).toBeLessThanOrEqual(1 + 4 + 5 + 8);
    expect(decodeRecord('member', bytes, 'k')).toEqual(m);
    const u = { ...user(), discriminator: '0', bot: false, flags: 0, public_flags: 0 };
    const usual = encodeRecord('user', u);
    const unusual = encodeRecord('user', { ...u, discriminator: '1234', bot: true, flags: 1, public_flags: 64 });
    expect(unusual.length - usual.length).toBeGreaterThanOrEqual(2 + 5 + 1 + 1 + 1 + 1 - 4);
    expect(decodeRecord('user', usual, 'k')).toEqual(u);
    const negativeZero = decodeRecord<{ flags: number }>('user', encodeRecord('user', { ...u, flags: -0 }), 'k');
    expect(Object.is(negativeZero.flags, -0)).toBe(true);
  });

  it("refuses coded records whose codes can't be right, naming the key", () => {
    const good = encodeRecord('member', { nick: 'x', deaf: true, joined_at: '2021-05-04T12:34:56+00:00' });
    const at = (i: number): [number, number] => [1 + (i >> 2), (i & 3) * 2];
    const withCode = (i: number, code: number): Buffer => {
      const b = Buffer.from(good);
      const [byte, shift] = at(i);
      b[byte] = (b[byte]! & ~(3 << shift)) | (code << shift);
      return b;
    };
    const nickAt = CURRENT_SCHEMA.member.fields.findIndex(([n]) => n === 'nick');
    const bad: Array<[string, Buffer]> = [
      // nick has no usual value.
      ['usual value of a field without one', withCode(nickAt, 2)],
      // Field 14 does not exist (member records have 14 fields: 0–13).
      ['code for a field past the schema', withCode(14, 3)],
      ['fewer values than codes', Buffer.concat([good.subarray(0, 5), Buffer.from([0xa1, 0x78])])],
      ['trailing bytes that are not an extension map', Buffer.concat([good, Buffer.from([0x01])])],
    ];
    expectInvalidMembers(bad);
  });

  it('stores whole-millisecond times as 5 bytes since the Discord epoch, and other times as integers, all exactly', () => {
    const times = [
      '2023-11-23T06:08:46.975000+00:00', // what the gateway sends: 5 bytes
      '2015-01-01T00:00:00.000000+00:00', // the Discord epoch itself
      '2023-11-23T06:08:46.975123+00:00', // microseconds: an integer
      '2014-12-31T23:59:59.999000+00:00', // before the Discord epoch: an integer
      '2023-11-23T06:08:46+00:00', // whole seconds: an integer
      '2050-01-01T00:00:00.001000+00:00', // past 2^40 ms: an integer
    ];
    const sizes = times.map((t) => encodeRecord('channel', { last_pin_timestamp: t }).length);
    for (const t of times) expect(decodeRecord('channel', encodeRecord('channel', { last_pin_timestamp: t }), 'k')).toEqual({ last_pin_timestamp: t });
    const [ms, epoch, micros, before, seconds, late] = sizes as [number, number, number, number, number, number];
    expect(epoch).toBe(ms);
    expect(micros - ms).toBe(2);
    expect(before).toBe(micros);
    expect(late).toBe(micros);
    expect(seconds).toBeLessThan(ms);
  });
});
