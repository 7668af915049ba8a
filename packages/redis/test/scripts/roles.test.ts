/**
 * strip-roles.lua (`sakeStripRoles`) and role-holders.lua (`sakeRoleHolders`),
 * with includes/member-roles.lua, against a TypeScript reference: random
 * buckets of member records (version 2 with roles in place, in every msgpack
 * size of array and index; version 2 with roles elsewhere; other records with
 * and without a role's needle; records cut short; split records whose roles
 * end in the head or in the tail, or whose tail is missing) give the holders
 * the reference finds, and stripping them bucket by bucket (any budget)
 * answers the continuation points and leaves the buckets the reference leaves.
 */
import { describe, expect, it } from 'vitest';
import { Keys } from '../../src/keys.js';
import { uniquePrefix } from '../helpers.js';
import { bytes, dump, ModelHashes, plain, random, scriptClient, type State } from './harness.js';

const client = scriptClient();
const GUILD = '81384788765712384';
const SPLIT = 255;

type Held = boolean | 'bad' | undefined;

/** Where the roles array of the record after byte `o` starts and its length; undefined: not in place; false: unparseable. */
function rolesAt(r: Buffer, o: number): [number, number] | false | undefined {
  if (r[o] !== 0x52) return undefined;
  const codes = r[o + 1];
  if (codes === undefined) return false;
  if (codes % 4 !== 3) return undefined;
  const b = r[o + 5];
  if (b === undefined) return false;
  if (b >= 0x90 && b <= 0x9f) return [o + 6, b - 0x90];
  if (b === 0xdc && r[o + 7] !== undefined) return [o + 8, (r[o + 6]! << 8) | r[o + 7]!];
  return false;
}

function indexAt(r: Buffer, pos: number): [number, number] | undefined {
  const c = r[pos];
  if (c === undefined) return undefined;
  if (c < 0x80) return [c, pos + 1];
  if (c === 0xcc && r[pos + 1] !== undefined) return [r[pos + 1]!, pos + 2];
  if (c === 0xcd && r[pos + 2] !== undefined) return [(r[pos + 1]! << 8) | r[pos + 2]!, pos + 3];
  return undefined;
}

function holdsWanted(r: Buffer, wanted: ReadonlySet<number>, o = 0): Held {
  const at = rolesAt(r, o);
  if (at === undefined) return undefined;
  if (at === false) return 'bad';
  const [start, count] = at;
  let pos = start;
  let held = false;
  for (let i = 0; i < count; i++) {
    const x = indexAt(r, pos);
    if (!x) return 'bad';
    if (wanted.has(x[0])) held = true;
    pos = x[1];
  }
  return held;
}

function withoutWanted(r: Buffer, wanted: ReadonlySet<number>): Buffer {
  const [start, count] = rolesAt(r, 0) as [number, number];
  let pos = start;
  const kept: number[][] = [];
  for (let i = 0; i < count; i++) {
    const [x, after] = indexAt(r, pos)!;
    pos = after;
    if (!wanted.has(x)) kept.push(x < 0x80 ? [x] : x < 256 ? [0xcc, x] : [0xcd, x >> 8, x & 255]);
  }
  const n = kept.length;
  const head = n < 16 ? [0x90 + n] : [0xdc, n >> 8, n & 255];
  return Buffer.concat([r.subarray(0, 5), Buffer.from(head), Buffer.from(kept.flat()), r.subarray(pos)]);
}

/** A random member record and how it is stored: whole, or split (a marked head, its tail unless dropped). */
function randomRecord(next: (n: number) => number, needle: Buffer): { head: Buffer; tail: Buffer | null } {
  const pool = [0, 1, 2, 5, 127, 128, 200, 255, 256, 300, 1000];
  const indexes = Array.from({ length: [0, 2, 5, 15, 16, 40][next(6)]! }, () => pool[next(pool.length)]!);
  const array = Buffer.from([
    ...(indexes.length < 16 ? [0x90 + indexes.length] : [0xdc, 0, indexes.length]),
    ...indexes.flatMap((x) => (x < 0x80 ? [x] : x < 256 ? [0xcc, x] : [0xcd, x >> 8, x & 255])),
  ]);
  let r: Buffer;
  switch (next(6)) {
    case 0: // roles elsewhere: field 0 coded otherwise
      r = Buffer.concat([Buffer.from([0x52, 4 * next(60) + next(3)]), bytes(next, 3 + next(80))]);
      break;
    case 1: // another kind of record, with or without the role's needle
      r = Buffer.concat([Buffer.from([1 + next(0x50)]), bytes(next, next(40)), next(2) === 0 ? needle : Buffer.alloc(0), bytes(next, next(40))]);
      break;
    case 2: // cut short inside the roles array
      r = Buffer.concat([Buffer.from([0x52, 3, 0, 0, 0]), array.subarray(0, Math.max(1, array.length - 1 - next(3)))]);
      if (indexes.length === 0) r = Buffer.from([0x52, 3, 0, 0, 0, 0xc1]);
      break;
    default:
      r = Buffer.concat([Buffer.from([0x52, 4 * next(60) + 3, next(256), next(256), next(256)]), array, bytes(next, next(90))]);
  }
  if (r.length <= 64) return { head: r, tail: null };
  return { head: Buffer.concat([Buffer.from([SPLIT]), r.subarray(0, 63)]), tail: next(6) === 0 ? null : r.subarray(63) };
}

/** The reference of sakeRoleHolders over buckets [first, last): {field, head, tail} triples (hex), sorted. */
function holders(h: ModelHashes, keys: Keys, first: number, last: number, wanted: ReadonlySet<number>, needles: readonly Buffer[]): string[][] {
  const out: string[][] = [];
  for (let b = first; b < last; b++) {
    const key = keys.memberBucket(GUILD, b);
    for (const f of h.fields(key)) {
      const v = h.get(key, f)!;
      const split = v[0] === SPLIT;
      let held = holdsWanted(v, wanted, split ? 1 : 0);
      if (held !== undefined && held !== 'bad') continue;
      let record: Buffer | null = v;
      let tail: Buffer = Buffer.alloc(0);
      let candidate = false;
      if (split) {
        const t = h.get(keys.memberTails(GUILD, b), f);
        if (t) {
          record = Buffer.concat([v.subarray(1), t]);
          tail = t;
          held = holdsWanted(record, wanted);
        } else [record, candidate] = [null, true];
      }
      if (held === 'bad') candidate = true;
      else if (held === undefined && record) candidate = needles.some((n) => record.includes(n));
      if (candidate) out.push([f.toString('hex'), v.toString('hex'), tail.toString('hex')]);
    }
  }
  return out.sort((x, y) => (x[0]! < y[0]! ? -1 : 1));
}

/** The reference of one sakeStripRoles call: edits the model, answers the bucket to continue at or -1. */
function strip(h: ModelHashes, keys: Keys, from: number, budget: number, wanted: ReadonlySet<number>, keep: ReadonlySet<string>): number {
  const nb = Number(h.get(keys.guildMeta(GUILD), Buffer.from('mb'))?.toString() ?? NaN);
  if (Number.isNaN(nb)) return -1;
  let seen = 0;
  let b = from;
  for (; b < nb && seen < budget; b++) {
    const key = keys.memberBucket(GUILD, b);
    const tails = keys.memberTails(GUILD, b);
    const fields = h.fields(key);
    seen += fields.length;
    for (const f of fields) {
      if (keep.has(f.toString('hex'))) continue;
      const v = h.get(key, f)!;
      const split = v[0] === SPLIT;
      let record: Buffer | null = v;
      let held: Held;
      if (split) {
        held = holdsWanted(v, wanted, 1);
        if (held === true || held === 'bad') {
          const t = h.get(tails, f);
          record = t ? Buffer.concat([v.subarray(1), t]) : null;
          held = record ? holdsWanted(record, wanted) : undefined;
        }
      } else held = holdsWanted(v, wanted);
      if (held !== true) continue;
      const edited = withoutWanted(record!, wanted);
      if (edited.length <= 64) {
        h.set(key, f, edited);
        if (split) h.del(tails, f);
      } else {
        h.set(key, f, Buffer.concat([Buffer.from([SPLIT]), edited.subarray(0, 63)]));
        h.set(tails, f, edited.subarray(63));
      }
    }
  }
  return b >= nb ? -1 : b;
}

describe('sakeRoleHolders and sakeStripRoles', () => {
  it('agree with the reference on random buckets of member records', async () => {
    const redis = client.redis;
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed * 101 + 11);
      const keys = new Keys(uniquePrefix('roles'));
      const state: State = new Map();
      const h = new ModelHashes(state);
      const nb = 1 + next(5);
      const roleId = Buffer.from([0, 0, 0, 0, 0, 0, 9, 9]);
      const needles = [roleId, Buffer.from('2313')];
      for (const [f, v] of [
        [Buffer.from('mb'), Buffer.from(String(nb))],
        [Buffer.from('mc'), Buffer.from('0')],
      ] as const) {
        h.set(keys.guildMeta(GUILD), f, v);
        await redis.hset(keys.guildMeta(GUILD), f, v);
      }
      const fields: Buffer[] = [];
      for (let i = 0; i < 10 + next(30); i++) {
        const f = bytes(next, 8);
        fields.push(f);
        const b = next(nb);
        const { head, tail } = randomRecord(next, needles[next(2)]!);
        h.set(keys.memberBucket(GUILD, b), f, head);
        await redis.hset(keys.memberBucket(GUILD, b), f, head);
        if (tail) {
          h.set(keys.memberTails(GUILD, b), f, tail);
          await redis.hset(keys.memberTails(GUILD, b), f, tail);
        }
      }
      const wanted = new Set([[1], [200, 5], [300, 128, 0]][next(3)]);
      const first = next(nb);
      const last = first + 1 + next(nb - first);
      const found = await redis.sakeRoleHoldersBuffer(keys.guildMeta(GUILD), [
        keys.memberBucketPrefix(GUILD),
        String(first),
        String(last),
        String(wanted.size),
        ...[...wanted].map(String),
        ...needles,
      ]);
      const triples: string[][] = [];
      for (let i = 0; i < found.length; i += 3) triples.push([found[i]!, found[i + 1]!, found[i + 2]!].map((x) => x.toString('hex')));
      expect(
        triples.sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
        `seed ${seed}`,
      ).toEqual(holders(h, keys, first, last, wanted, needles));

      const keep = fields.filter(() => next(5) === 0);
      const budget = 1 + next(15);
      let at = 0;
      while (at !== -1) {
        const expected = strip(h, keys, at, budget, wanted, new Set(keep.map((f) => f.toString('hex'))));
        at = await redis.sakeStripRoles(keys.guildMeta(GUILD), [String(at), String(budget), String(wanted.size), ...[...wanted].map(String), ...keep]);
        expect(at, `seed ${seed}`).toBe(expected);
      }
      expect(await dump(redis, keys.prefix), `seed ${seed}`).toEqual(plain(state));
    }
  });
});
