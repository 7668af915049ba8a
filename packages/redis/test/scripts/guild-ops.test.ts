/**
 * guild-ops.lua (`sakeGuildOps`) against a TypeScript reference: random runs
 * of every op (guild record, child hashes, voice states, old values reported, member runs with
 * split records and repeats, member deletes, replaces that resize the buckets,
 * clears) give the replies the reference gives and leave the keys it leaves.
 */
import { describe, expect, it } from 'vitest';
import { Keys, type GuildHashResource, GUILD_CHILD_HASH } from '../../src/keys.js';
import { uniquePrefix } from '../helpers.js';
import { bytes, dump, ModelHashes, plain, random, scriptClient, type State } from './harness.js';

const client = scriptClient();
const GUILD = '81384788765712384';
const RESOURCES = Object.keys(GUILD_CHILD_HASH) as GuildHashResource[];

/** A member entry: 8-byte field, bucket seed, stored bytes (over 64: a marked head then its tail). */
interface Entry {
  field: Buffer;
  seed: number;
  stored: Buffer;
}

type Op =
  | { op: 'G'; bytes: Buffer; report?: boolean }
  | { op: 'g'; report?: boolean }
  | { op: 'S'; res: GuildHashResource; field: Buffer; bytes: Buffer; report?: boolean }
  | { op: 'D'; res: GuildHashResource; field: Buffer; report?: boolean }
  | { op: 'R'; res: GuildHashResource; pairs: Array<[Buffer, Buffer]> }
  | { op: 'C'; res: GuildHashResource }
  | { op: 'MS'; entries: Entry[] }
  | { op: 'm'; field: Buffer; seed: number }
  | { op: 'RM'; entries: Entry[]; count: number }
  | { op: 'CM' };

/** The entries packed into `pieces` arguments (at entry boundaries), as codec/writer.ts EntryList does. */
function pack(entries: readonly Entry[], pieces: number): Buffer[] {
  const one = entries.map((e) => {
    const head = Buffer.alloc(16);
    e.field.copy(head, 0);
    head.writeUInt32BE(e.seed, 8);
    head.writeUInt32BE(e.stored.length, 12);
    return Buffer.concat([head, e.stored]);
  });
  const out: Buffer[] = [];
  const per = Math.max(1, Math.ceil(one.length / pieces));
  for (let i = 0; i < one.length; i += per) out.push(Buffer.concat(one.slice(i, i + per)));
  return out;
}

function args(o: Op): Array<string | Buffer> {
  switch (o.op) {
    case 'G':
      return [o.report ? 'Go' : 'G', o.bytes];
    case 'g':
      return [o.report ? 'go' : 'g'];
    case 'CM':
      return [o.op];
    case 'S':
      return [o.report ? 'So' : 'S', GUILD_CHILD_HASH[o.res], o.field, o.bytes];
    case 'D':
      return [o.report ? 'Do' : 'D', GUILD_CHILD_HASH[o.res], o.field];
    case 'R':
      return ['R', GUILD_CHILD_HASH[o.res], String(o.pairs.length), ...o.pairs.flat()];
    case 'C':
      return ['C', GUILD_CHILD_HASH[o.res]];
    case 'm':
      return ['m', o.field, String(o.seed)];
    case 'MS': {
      const packed = pack(o.entries, 2);
      return ['MS', String(o.entries.length), String(packed.length), ...packed];
    }
    case 'RM': {
      const packed = pack(o.entries, 3);
      return ['RM', String(o.entries.length), String(o.count), String(packed.length), ...packed];
    }
  }
}

/** The reference: applies ops to a model of the guild's keys and answers each op's reply (hex, removed lists sorted). */
class Reference {
  readonly state: State = new Map();
  readonly #h = new ModelHashes(this.state);
  readonly #keys: Keys;
  readonly #meta: string;

  constructor(
    keys: Keys,
    readonly defaultBuckets: number,
  ) {
    this.#keys = keys;
    this.#meta = keys.guildMeta(GUILD);
  }

  apply(o: Op): string[] {
    const meta = this.#meta;
    const h = this.#h;
    const child = (res: GuildHashResource): string => this.#keys.guildChild(GUILD, res);
    // Voice state ops, and the ops asked to, report the value they replace.
    const oldChild = (res: GuildHashResource, f: Buffer, report?: boolean): string[] =>
      res === 'voiceState' || report ? [f.toString('hex'), (h.get(child(res), f) ?? Buffer.alloc(0)).toString('hex')] : [];
    const oldGuild = (report?: boolean): string[] => (report ? [(h.get(meta, Buffer.from('g')) ?? Buffer.alloc(0)).toString('hex')] : []);
    switch (o.op) {
      case 'G': {
        const out = oldGuild(o.report);
        h.set(meta, Buffer.from('g'), o.bytes);
        return out;
      }
      case 'g': {
        const out = oldGuild(o.report);
        h.del(meta, Buffer.from('g'));
        return out;
      }
      case 'S': {
        const out = oldChild(o.res, o.field, o.report);
        h.set(child(o.res), o.field, o.bytes);
        return out;
      }
      case 'D': {
        const out = oldChild(o.res, o.field, o.report);
        h.del(child(o.res), o.field);
        return out;
      }
      case 'R': {
        const keep = new Set(o.pairs.map(([f]) => f.toString('hex')));
        const out = this.#removeAll(o.res, o.res === 'voiceState' ? undefined : keep);
        for (const [f, v] of o.pairs) h.set(child(o.res), f, v);
        return out;
      }
      case 'C':
        return this.#removeAll(o.res, undefined);
      case 'MS':
        this.#setMembers(o.entries);
        return [];
      case 'm': {
        const nb = this.#buckets();
        if (nb !== undefined) {
          const b = o.seed % nb;
          if (h.del(this.#keys.memberBucket(GUILD, b), o.field)) this.#count(-1);
          h.del(this.#keys.memberTails(GUILD, b), o.field);
        }
        return [];
      }
      case 'RM': {
        const out = this.#removeMembers(new Set(o.entries.map((e) => e.field.toString('hex'))));
        let nb = 1;
        while (nb * 128 < Math.max(o.entries.length, o.count) && nb < 65536) nb *= 2;
        h.set(meta, Buffer.from('mb'), Buffer.from(String(nb)));
        h.set(meta, Buffer.from('mc'), Buffer.from(String(o.entries.length)));
        for (const e of o.entries) {
          const b = e.seed % nb;
          h.set(this.#keys.memberBucket(GUILD, b), e.field, e.stored.length > 64 ? e.stored.subarray(0, 64) : e.stored);
          if (e.stored.length > 64) h.set(this.#keys.memberTails(GUILD, b), e.field, e.stored.subarray(64));
        }
        return out;
      }
      case 'CM': {
        const out = this.#removeMembers(undefined);
        h.set(meta, Buffer.from('mc'), Buffer.from('0'));
        return out;
      }
    }
  }

  #setMembers(entries: readonly Entry[]): void {
    const h = this.#h;
    let nb = this.#buckets();
    if (nb === undefined) {
      nb = this.defaultBuckets;
      h.set(this.#meta, Buffer.from('mb'), Buffer.from(String(nb)));
    }
    const last = new Map(entries.map((e, k) => [e.field.toString('hex'), k]));
    const perBucket = new Map<number, { fields: number; added: number; whole: Buffer[] }>();
    let added = 0;
    entries.forEach((e, k) => {
      if (last.get(e.field.toString('hex')) !== k) return;
      const b = e.seed % nb;
      const bucket = perBucket.get(b) ?? { fields: 0, added: 0, whole: [] };
      perBucket.set(b, bucket);
      bucket.fields++;
      const split = e.stored.length > 64;
      if (h.set(this.#keys.memberBucket(GUILD, b), e.field, split ? e.stored.subarray(0, 64) : e.stored)) bucket.added++;
      if (split) h.set(this.#keys.memberTails(GUILD, b), e.field, e.stored.subarray(64));
      else bucket.whole.push(e.field);
    });
    for (const [b, bucket] of perBucket) {
      added += bucket.added;
      // The script drops stale tails only when some member of the bucket was there before.
      if (bucket.added < bucket.fields) for (const f of bucket.whole) h.del(this.#keys.memberTails(GUILD, b), f);
    }
    if (added !== 0) this.#count(added);
  }

  #buckets(): number | undefined {
    const v = this.#h.get(this.#meta, Buffer.from('mb'));
    return v === undefined ? undefined : Number(v.toString());
  }

  #count(delta: number): void {
    const v = this.#h.get(this.#meta, Buffer.from('mc'));
    this.#h.set(this.#meta, Buffer.from('mc'), Buffer.from(String(Number(v?.toString() ?? '0') + delta)));
  }

  #removeAll(res: GuildHashResource, keep: Set<string> | undefined): string[] {
    const key = this.#keys.guildChild(GUILD, res);
    const removed: Array<[string, string]> = [];
    for (const f of this.#h.fields(key)) {
      const hex = f.toString('hex');
      if (!keep?.has(hex)) removed.push([hex, this.#h.get(key, f)!.toString('hex')]);
      this.#h.del(key, f);
    }
    removed.sort(([a], [b]) => (a < b ? -1 : 1));
    return res === 'voiceState' ? removed.flat() : removed.map(([f]) => f);
  }

  #removeMembers(keep: Set<string> | undefined): string[] {
    const nb = this.#buckets();
    const removed: string[] = [];
    for (let b = 0; b < (nb ?? 0); b++) {
      for (const key of [this.#keys.memberBucket(GUILD, b), this.#keys.memberTails(GUILD, b)]) {
        for (const f of this.#h.fields(key)) {
          if (key === this.#keys.memberBucket(GUILD, b) && !keep?.has(f.toString('hex'))) removed.push(f.toString('hex'));
          this.#h.del(key, f);
        }
      }
    }
    return removed.sort();
  }
}

/** A reply as the reference answers it: hex, removed lists sorted (their order is the hash's). */
function normalise(reply: Buffer[], o: Op): string[] {
  const hex = reply.map((b) => b.toString('hex'));
  if (o.op === 'S' || o.op === 'D' || o.op === 'G' || o.op === 'g' || o.op === 'MS' || o.op === 'm') return hex;
  if ((o.op === 'R' || o.op === 'C') && o.res === 'voiceState') {
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < hex.length; i += 2) pairs.push([hex[i]!, hex[i + 1]!]);
    return pairs.sort(([a], [b]) => (a < b ? -1 : 1)).flat();
  }
  return hex.sort();
}

/** A random op over small pools of ids, so ops meet each other's fields. */
function randomOp(next: (n: number) => number): Op {
  const id = (): Buffer => Buffer.from([0, 0, 0, 0, 0, 0, 1, next(12)]);
  const res = RESOURCES[next(RESOURCES.length)]!;
  const entry = (): Entry => {
    const field = Buffer.from([0, 0, 0, 0, 0, 0, 2, next(40)]);
    const long = next(3) === 0;
    const stored = long ? Buffer.concat([Buffer.from([255]), bytes(next, 64 + next(60))]) : bytes(next, 1 + next(64));
    return { field, seed: field[7]! * 7919, stored };
  };
  switch (next(12)) {
    case 0:
      return { op: 'G', bytes: bytes(next, 1 + next(30)), report: next(2) === 0 };
    case 1:
      return { op: 'g', report: next(2) === 0 };
    case 2:
    case 3:
      return { op: 'S', res, field: id(), bytes: bytes(next, 1 + next(20)), report: next(2) === 0 };
    case 4:
      return { op: 'D', res, field: id(), report: next(2) === 0 };
    case 5:
      return { op: 'R', res, pairs: Array.from({ length: next(5) }, () => [id(), bytes(next, 1 + next(20))] as [Buffer, Buffer]) };
    case 6:
      return { op: 'C', res };
    case 7:
    case 8:
      return { op: 'MS', entries: Array.from({ length: 1 + next(20) }, entry) };
    case 9:
      return { op: 'm', field: Buffer.from([0, 0, 0, 0, 0, 0, 2, next(40)]), seed: 0 };
    case 10:
      return { op: 'RM', entries: Array.from({ length: next(30) }, entry), count: next(2) === 0 ? 0 : 100 + next(400) };
    default:
      return { op: 'CM' };
  }
}

describe('sakeGuildOps', () => {
  it('agrees with the reference on random op runs (replies and stored keys)', async () => {
    const redis = client.redis;
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed * 31 + 7);
      const keys = new Keys(uniquePrefix('gops'));
      const reference = new Reference(keys, 1 + next(4));
      for (let call = 0; call < 5; call++) {
        const ops = Array.from({ length: 1 + next(6) }, () => randomOp(next)).map((o) => (o.op === 'm' ? { ...o, seed: o.field[7]! * 7919 } : o));
        const expected = ops.map((o) => reference.apply(o));
        const replies = await redis.sakeGuildOpsBuffer(keys.guildMeta(GUILD), [String(reference.defaultBuckets), ...ops.flatMap(args)]);
        expect(
          replies.map((r, i) => normalise(r, ops[i]!)),
          `seed ${seed} call ${call}`,
        ).toEqual(expected);
        expect(await dump(redis, keys.prefix), `seed ${seed} call ${call}`).toEqual(plain(reference.state));
      }
    }
  });

  it('answers an unknown op with an error', async () => {
    const keys = new Keys(uniquePrefix('gops'));
    await expect(client.redis.sakeGuildOpsBuffer(keys.guildMeta(GUILD), ['1', 'X'])).rejects.toThrow(/sakeGuildOps: unknown op X/);
  });
});
