/**
 * user-ops.lua (`sakeUserOps`, `sakeUserOpsMany`) against a TypeScript
 * reference: random runs of every op (users set whole or split, repeated,
 * deleted; guild references added to and removed from member and presence
 * lists, over an alphabet where references overlap across entry boundaries;
 * author indexes; bucket-wide drops) with and without orphan TTLs, over time,
 * give the sweep counts the reference gives and leave the keys (and author
 * index expiries) it leaves.
 */
import { describe, expect, it } from 'vitest';
import { GUILD_REF_BYTES, Keys } from '../../src/keys.js';
import { uniquePrefix } from '../helpers.js';
import { bytes, dump, ModelHashes, plain, random, scriptClient, type State } from './harness.js';

const client = scriptClient();

type Op =
  | { op: 'U'; ttl: string; users: Array<[Buffer, Buffer]> }
  | { op: 'u'; fs: Buffer[] }
  | { op: 'M+' | 'M-' | 'P+' | 'P-'; g: Buffer; fs: Buffer[] }
  | { op: 'A+'; items: Array<[Buffer, string, string]> }
  | { op: 'A-'; items: Array<[Buffer, string]> }
  | { op: 'UX' | 'MX' | 'PX' | 'SWEEP' };

function args(o: Op): Array<string | Buffer> {
  switch (o.op) {
    case 'U': {
      const packed = Buffer.concat(o.users.map(([f, v]) => Buffer.concat([f, Buffer.from([0, 0, v.length >> 8, v.length & 255]), v])));
      return ['U', o.ttl, String(o.users.length), packed];
    }
    case 'u':
      return ['u', String(o.fs.length), ...o.fs];
    case 'M+':
    case 'M-':
    case 'P+':
    case 'P-':
      return [o.op, o.g, String(o.fs.length), Buffer.concat(o.fs)];
    case 'A+':
      return ['A+', String(o.items.length), ...o.items.flat()];
    case 'A-':
      return ['A-', String(o.items.length), ...o.items.flat()];
    default:
      return [o.op, '0'];
  }
}

/** A stored score as a number ('inf' is how Redis writes +Infinity). */
function scoreOf(s: string): number {
  return s === 'inf' ? Infinity : Number(s);
}

/** Note that `c` touched user `f`: its first touch sets its TTL, and every user write. */
function touch(c: Call, f: Buffer, ttl: number, write: boolean): void {
  const hex = f.toString('hex');
  if (!c.touched.has(hex) || write) c.touched.set(hex, ttl);
  if (write) c.wrote.add(hex);
}

/** Where a reference starts in a list of references, at an entry boundary, or -1. */
function refAt(list: Buffer, g: Buffer): number {
  for (let at = 0; at + GUILD_REF_BYTES <= list.length; at += GUILD_REF_BYTES) if (list.subarray(at, at + GUILD_REF_BYTES).equals(g)) return at;
  return -1;
}

/** What one bucket's part of a call tracks: its keys, and the users it touched (with their TTL) and pinned. */
interface Call {
  readonly bucket: number;
  readonly now: number;
  readonly defaultTtl: number;
  readonly users: string;
  readonly ut: string;
  readonly mg: string;
  readonly pg: string;
  readonly orph: string;
  /** User (hex) → TTL its last write gave (-1: the default), in first-touch order. */
  readonly touched: Map<string, number>;
  /** Users whose last list edit in this call was an add. */
  readonly pinned: Set<string>;
  /** Users this call wrote, and users a message index add of this call names (their deadline is computed again). */
  readonly wrote: Set<string>;
  readonly authored: Set<string>;
  /** Per list hash: the users this call edited since the call began or the hash was dropped. */
  readonly cached: Map<string, Set<string>>;
  /** The list hashes' users stored when the call began, until an MX/PX drops them. */
  readonly stored: Map<string, string[]>;
}

/** The reference for the user buckets of one store: applies one bucket's ops, answers the users its sweep deleted. */
class Reference {
  readonly state: State = new Map();
  readonly expiry = new Map<string, number>();
  readonly #h = new ModelHashes(this.state);

  constructor(readonly keys: Keys) {}

  run(bucket: number, ops: readonly Op[], now: number, defaultTtl: number): number {
    const k = this.keys;
    const [mg, pg] = [k.memberGuilds(bucket), k.presenceGuilds(bucket)];
    const c: Call = {
      bucket,
      now,
      defaultTtl,
      users: k.users(bucket),
      ut: k.userTails(bucket),
      mg,
      pg,
      orph: k.orphans(bucket),
      touched: new Map(),
      pinned: new Set(),
      wrote: new Set(),
      authored: new Set(),
      cached: new Map([
        [mg, new Set()],
        [pg, new Set()],
      ]),
      stored: new Map([mg, pg].map((key) => [key, this.#h.fields(key).map((f) => f.toString('hex'))])),
    };
    for (const o of ops) this.#op(c, o);
    const hasOrphans = this.state.has(c.orph);
    this.#schedule(c, hasOrphans);
    return hasOrphans ? this.#sweep(c) : 0;
  }

  #op(c: Call, o: Op): void {
    const h = this.#h;
    if (o.op === 'U') this.#setUsers(c, o.ttl, o.users);
    else if (o.op === 'u') {
      for (const f of o.fs) {
        h.del(c.users, f);
        h.del(c.ut, f);
        this.#zrem(c.orph, f.toString('hex'));
      }
    } else if (o.op === 'M+' || o.op === 'M-' || o.op === 'P+' || o.op === 'P-') this.#editLists(c, o.op[0] === 'M' ? c.mg : c.pg, o.g, o.fs, o.op[1] === '+');
    else if (o.op === 'A+') {
      for (const [f, mid, score] of o.items) {
        const key = this.#authorKey(c, f);
        this.#zremUpTo(key, c.now);
        this.#zadd(key, Buffer.from(mid).toString('hex'), scoreOf(score));
        const top = Math.max(...Object.values(this.#zset(key)!).map(scoreOf));
        this.expiry.set(key, top === Infinity ? -1 : top);
        touch(c, f, -1, false);
        c.authored.add(f.toString('hex'));
      }
    } else if (o.op === 'A-') {
      for (const [f, mid] of o.items) {
        this.#zrem(this.#authorKey(c, f), Buffer.from(mid).toString('hex'));
        touch(c, f, -1, false);
      }
    } else if (o.op === 'UX') for (const key of [c.users, c.orph, c.ut]) this.state.delete(key);
    else if (o.op === 'MX' || o.op === 'PX') this.#dropLists(c, o.op === 'MX' ? c.mg : c.pg);
  }

  #setUsers(c: Call, ttl: string, users: ReadonlyArray<[Buffer, Buffer]>): void {
    const h = this.#h;
    const last = new Map(users.map(([f], i) => [f.toString('hex'), i]));
    let added = 0;
    let kept = 0;
    const whole: Buffer[] = [];
    users.forEach(([f, v], i) => {
      if (last.get(f.toString('hex')) === i) {
        kept++;
        if (h.set(c.users, f, v.length > 64 ? v.subarray(0, 64) : v)) added++;
        if (v.length > 64) h.set(c.ut, f, v.subarray(64));
        else whole.push(f);
      }
      // A ttl given while a list refers to the user is not remembered.
      const listed = this.#h.get(c.mg, f) !== undefined || this.#h.get(c.pg, f) !== undefined;
      touch(c, f, ttl === '' || ttl === 'k' || listed ? -1 : Number(ttl), ttl !== 'k');
    });
    // The script drops stale tails only when some user of the op was there before.
    if (added < kept) for (const f of whole) h.del(c.ut, f);
  }

  #editLists(c: Call, key: string, g: Buffer, fs: readonly Buffer[], plus: boolean): void {
    const h = this.#h;
    for (const f of fs) {
      const list = h.get(key, f) ?? Buffer.alloc(0);
      const at = refAt(list, g);
      if (plus && at < 0) h.set(key, f, Buffer.concat([list, g]));
      if (!plus && at >= 0) {
        const rest = Buffer.concat([list.subarray(0, at), list.subarray(at + GUILD_REF_BYTES)]);
        if (rest.length === 0) h.del(key, f);
        else h.set(key, f, rest);
      }
      touch(c, f, -1, false);
      c.cached.get(key)!.add(f.toString('hex'));
      if (plus) c.pinned.add(f.toString('hex'));
      else c.pinned.delete(f.toString('hex'));
    }
  }

  #dropLists(c: Call, key: string): void {
    // The users stored when the op runs: this call's list edits are written at its end.
    const stored = c.stored.get(key)!;
    c.stored.set(key, []);
    this.state.delete(key);
    for (const f of c.cached.get(key)!) c.pinned.delete(f);
    c.cached.set(key, new Set());
    for (const f of stored) {
      touch(c, Buffer.from(f, 'hex'), -1, false);
      c.pinned.delete(f);
    }
  }

  #schedule(c: Call, hasOrphans: boolean): void {
    for (const [hex, t] of c.touched) {
      const f = Buffer.from(hex, 'hex');
      const ttl = t < 0 ? c.defaultTtl : t;
      if (c.pinned.has(hex)) {
        if (hasOrphans) this.#zrem(c.orph, hex);
        continue;
      }
      // Neither written nor newly referenced by this call: the deadline it has stays.
      if (!c.wrote.has(hex) && !c.authored.has(hex) && hasOrphans && this.#zset(c.orph)?.[hex] !== undefined) continue;
      if (this.#listed(c, f) || this.#h.get(c.users, f) === undefined) {
        if (hasOrphans) this.#zrem(c.orph, hex);
        continue;
      }
      const refs = this.#authored(c, f);
      if (refs === Infinity || ttl <= 0) {
        if (hasOrphans) this.#zrem(c.orph, hex);
      } else this.#zadd(c.orph, hex, Math.max(c.now, refs) + ttl);
    }
  }

  #sweep(c: Call): number {
    let swept = 0;
    const due = Object.entries(this.#zset(c.orph) ?? {}).filter(([, s]) => scoreOf(s) <= c.now);
    for (const [hex] of due) {
      const f = Buffer.from(hex, 'hex');
      const refs = this.#listed(c, f) ? Infinity : this.#authored(c, f);
      if (refs === Infinity) this.#zrem(c.orph, hex);
      else if (refs > c.now && c.defaultTtl > 0) this.#zadd(c.orph, hex, refs + c.defaultTtl);
      else {
        this.#h.del(c.users, f);
        this.#h.del(c.ut, f);
        this.#zrem(c.orph, hex);
        swept++;
      }
    }
    return swept;
  }

  #listed(c: Call, f: Buffer): boolean {
    return this.#h.get(c.mg, f) !== undefined || this.#h.get(c.pg, f) !== undefined;
  }

  /** The last expiry of the user's live messages (Infinity: one without), 0 for none; drops expired ones. */
  #authored(c: Call, f: Buffer): number {
    const key = this.#authorKey(c, f);
    this.#zremUpTo(key, c.now);
    const scores = Object.values(this.#zset(key) ?? {}).map(scoreOf);
    return scores.length === 0 ? 0 : Math.max(...scores);
  }

  #authorKey(c: Call, f: Buffer): string {
    return this.keys.authorIndexPrefix(c.bucket) + f.toString('hex');
  }

  #zset(key: string): Record<string, string> | undefined {
    const v = this.state.get(key);
    return v && 'zset' in v ? v.zset : undefined;
  }

  #zadd(key: string, member: string, score: number): void {
    let v = this.state.get(key);
    if (!v) {
      v = { zset: {} };
      this.state.set(key, v);
    }
    if ('zset' in v) v.zset[member] = score === Infinity ? 'inf' : String(score);
  }

  #zrem(key: string, member: string): void {
    const z = this.#zset(key);
    if (!z) return;
    delete z[member];
    if (Object.keys(z).length === 0) {
      this.state.delete(key);
      this.expiry.delete(key);
    }
  }

  #zremUpTo(key: string, now: number): void {
    for (const [member, score] of Object.entries(this.#zset(key) ?? {})) if (scoreOf(score) <= now) this.#zrem(key, member);
  }
}

/** A random op over small pools: 6 users, references over the bytes 0–2, a few message ids. */
function randomOp(next: (n: number) => number, base: number): Op {
  const user = (): Buffer => Buffer.from([0, 0, 0, 0, 0, 0, 3, next(6)]);
  const users = (): Buffer[] => Array.from({ length: next(4) }, user);
  const g = Buffer.from(Array.from({ length: GUILD_REF_BYTES }, () => next(3)));
  const mid = (): string => String(1000 + next(5));
  const kind = next(14);
  if (kind < 3) {
    const ttl = ['', '', '0', '700', '2500', 'k'][next(6)]!;
    return {
      op: 'U',
      ttl,
      users: Array.from({ length: 1 + next(4) }, () => [user(), bytes(next, next(3) === 0 ? 65 + next(40) : 1 + next(64))] as [Buffer, Buffer]),
    };
  }
  if (kind === 3) return { op: 'u', fs: users() };
  if (kind < 9) return { op: (['M+', 'M-', 'P+', 'P-', 'M+'] as const)[kind - 4]!, g, fs: users() };
  if (kind < 11)
    return {
      op: 'A+',
      items: Array.from({ length: 1 + next(2) }, () => [user(), mid(), next(4) === 0 ? 'inf' : String(base + next(4000))] as [Buffer, string, string]),
    };
  if (kind === 11) return { op: 'A-', items: Array.from({ length: 1 + next(2) }, () => [user(), mid()] as [Buffer, string]) };
  return { op: (['UX', 'MX', 'PX', 'SWEEP'] as const)[next(4)]! };
}

describe('sakeUserOps', () => {
  it('agrees with the reference on random op runs over time, one bucket per call and several (swept counts, stored keys, index expiries)', async () => {
    const redis = client.redis;
    // Message expiries after the server's clock (PEXPIREAT never deletes an index); `now` moves among them.
    const base = Date.now() + 3_600_000;
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed * 17 + 3);
      const keys = new Keys(uniquePrefix('uops'));
      const reference = new Reference(keys);
      const defaultTtl = [0, 600, 3000][seed % 3]!;
      for (let call = 0; call < 8; call++) {
        const now = base + call * 500;
        const buckets = next(3) === 0 ? [1, 2] : [1 + next(2)];
        const work = buckets.map((b) => ({ b, ops: Array.from({ length: 1 + next(8) }, () => randomOp(next, base)) }));
        const expected = work.reduce((sum, { b, ops }) => sum + reference.run(b, ops, now, defaultTtl), 0);
        const head = [String(now), String(defaultTtl)];
        const swept =
          work.length === 1
            ? await redis.sakeUserOps(keys.users(work[0]!.b), [
                ...head,
                ...work.flatMap(({ ops }) => {
                  const a = ops.flatMap(args);
                  return [String(a.length), ...a];
                }),
              ])
            : await redis.sakeUserOpsMany(work.length, [
                ...work.map(({ b }) => keys.users(b)),
                ...head,
                ...work.flatMap(({ ops }) => {
                  const a = ops.flatMap(args);
                  return [String(a.length), ...a];
                }),
              ]);
        const where = `seed ${seed} call ${call}`;
        expect(swept, where).toBe(expected);
        expect(await dump(redis, keys.prefix), where).toEqual(plain(reference.state));
        for (const [key, at] of reference.expiry) expect(await redis.pexpiretime(key), `${where} ${key}`).toBe(at);
      }
    }
  });

  it('refuses a guild reference of another width than GUILD_REF_BYTES, and an unknown op', async () => {
    const keys = new Keys(uniquePrefix('uops'));
    const f = Buffer.alloc(8, 1);
    await expect(client.redis.sakeUserOps(keys.users(0), ['1', '0', '4', 'M+', Buffer.alloc(8), '1', f])).rejects.toThrow(
      /sakeUserOps: a guild reference of 8 bytes/,
    );
    await expect(client.redis.sakeUserOps(keys.users(0), ['1', '0', '2', 'X', '0'])).rejects.toThrow(/sakeUserOps: unknown op X/);
  });
});
