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

/** Where a reference starts in a list of references, at an entry boundary, or -1. */
function refAt(list: Buffer, g: Buffer): number {
  for (let at = 0; at + GUILD_REF_BYTES <= list.length; at += GUILD_REF_BYTES) if (list.subarray(at, at + GUILD_REF_BYTES).equals(g)) return at;
  return -1;
}

/** The reference for the user buckets of one store: applies one bucket's ops, answers the users its sweep deleted. */
class Reference {
  readonly state: State = new Map();
  readonly expiry = new Map<string, number>();
  readonly #h = new ModelHashes(this.state);

  constructor(readonly keys: Keys) {}

  run(bucket: number, ops: readonly Op[], now: number, defaultTtl: number): number {
    const k = this.keys;
    const h = this.#h;
    const [users, ut, mg, pg, orph] = [k.users(bucket), k.userTails(bucket), k.memberGuilds(bucket), k.presenceGuilds(bucket), k.orphans(bucket)];
    const touched = new Map<string, number>();
    const pinned = new Set<string>();
    const cached = new Map<string, Set<string>>([[mg, new Set()], [pg, new Set()]]);
    const dropped = new Set<string>();
    const atStart = new Map([mg, pg].map((key) => [key, h.fields(key).map((f) => f.toString('hex'))]));
    const touch = (f: Buffer, ttl: number, write: boolean): void => {
      const hex = f.toString('hex');
      if (!touched.has(hex) || write) touched.set(hex, ttl);
    };
    for (const o of ops) {
      if (o.op === 'U') {
        const last = new Map(o.users.map(([f], i) => [f.toString('hex'), i]));
        let added = 0;
        let kept = 0;
        const whole: Buffer[] = [];
        o.users.forEach(([f, v], i) => {
          if (last.get(f.toString('hex')) === i) {
            kept++;
            if (h.set(users, f, v.length > 64 ? v.subarray(0, 64) : v)) added++;
            if (v.length > 64) h.set(ut, f, v.subarray(64));
            else whole.push(f);
          }
          touch(f, o.ttl === '' ? -1 : Number(o.ttl), true);
        });
        if (added < kept) for (const f of whole) h.del(ut, f);
      } else if (o.op === 'u') {
        for (const f of o.fs) {
          h.del(users, f);
          h.del(ut, f);
          this.#zrem(orph, f.toString('hex'));
        }
      } else if (o.op === 'M+' || o.op === 'M-' || o.op === 'P+' || o.op === 'P-') {
        const key = o.op[0] === 'M' ? mg : pg;
        for (const f of o.fs) {
          const list = h.get(key, f) ?? Buffer.alloc(0);
          const at = refAt(list, o.g);
          if (o.op[1] === '+' && at < 0) h.set(key, f, Buffer.concat([list, o.g]));
          if (o.op[1] === '-' && at >= 0) {
            const rest = Buffer.concat([list.subarray(0, at), list.subarray(at + GUILD_REF_BYTES)]);
            if (rest.length === 0) h.del(key, f);
            else h.set(key, f, rest);
          }
          touch(f, -1, false);
          cached.get(key)!.add(f.toString('hex'));
          if (o.op[1] === '+') pinned.add(f.toString('hex'));
          else pinned.delete(f.toString('hex'));
        }
      } else if (o.op === 'A+') {
        for (const [f, mid, score] of o.items) {
          const key = k.authorIndexPrefix(bucket) + f.toString('hex');
          this.#zremUpTo(key, now);
          this.#zadd(key, Buffer.from(mid).toString('hex'), score === 'inf' ? Infinity : Number(score));
          const top = Math.max(...Object.values(this.#zset(key)!).map(scoreOf));
          if (top === Infinity) this.expiry.set(key, -1);
          else this.expiry.set(key, top);
          touch(f, -1, false);
        }
      } else if (o.op === 'A-') {
        for (const [f, mid] of o.items) {
          this.#zrem(k.authorIndexPrefix(bucket) + f.toString('hex'), Buffer.from(mid).toString('hex'));
          touch(f, -1, false);
        }
      } else if (o.op === 'UX') {
        for (const key of [users, orph, ut]) this.state.delete(key);
      } else if (o.op === 'MX' || o.op === 'PX') {
        const key = o.op === 'MX' ? mg : pg;
        // The fields stored when the op runs: this call's list edits are written at its end.
        const stored = dropped.has(key) ? [] : atStart.get(key)!;
        dropped.add(key);
        this.state.delete(key);
        for (const f of cached.get(key)!) pinned.delete(f);
        cached.set(key, new Set());
        for (const f of stored) {
          touch(Buffer.from(f, 'hex'), -1, false);
          pinned.delete(f);
        }
      }
    }
    const hasOrphans = this.state.has(orph);
    const listed = (f: Buffer): boolean => h.get(mg, f) !== undefined || h.get(pg, f) !== undefined;
    const authored = (f: Buffer): number => {
      const key = k.authorIndexPrefix(bucket) + f.toString('hex');
      this.#zremUpTo(key, now);
      const scores = Object.values(this.#zset(key) ?? {}).map(scoreOf);
      return scores.length === 0 ? 0 : Math.max(...scores);
    };
    for (const [hex, t] of touched) {
      const f = Buffer.from(hex, 'hex');
      const ttl = t < 0 ? defaultTtl : t;
      if (pinned.has(hex) || listed(f) || h.get(users, f) === undefined) {
        if (hasOrphans) this.#zrem(orph, hex);
        continue;
      }
      const refs = authored(f);
      if (refs === Infinity || ttl <= 0) {
        if (hasOrphans) this.#zrem(orph, hex);
      } else this.#zadd(orph, hex, Math.max(now, refs) + ttl);
    }
    if (!hasOrphans) return 0;
    let swept = 0;
    const due = Object.entries(this.#zset(orph) ?? {}).filter(([, s]) => scoreOf(s) <= now);
    for (const [hex] of due) {
      const f = Buffer.from(hex, 'hex');
      const refs = listed(f) ? Infinity : authored(f);
      if (refs === Infinity) this.#zrem(orph, hex);
      else if (refs > now && defaultTtl > 0) this.#zadd(orph, hex, refs + defaultTtl);
      else {
        h.del(users, f);
        h.del(ut, f);
        this.#zrem(orph, hex);
        swept++;
      }
    }
    return swept;
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
    const ttl = ['', '', '0', '700', '2500'][next(5)]!;
    return { op: 'U', ttl, users: Array.from({ length: 1 + next(4) }, () => [user(), bytes(next, next(3) === 0 ? 65 + next(40) : 1 + next(64))] as [Buffer, Buffer]) };
  }
  if (kind === 3) return { op: 'u', fs: users() };
  if (kind < 9) return { op: (['M+', 'M-', 'P+', 'P-', 'M+'] as const)[kind - 4]!, g, fs: users() };
  if (kind < 11) return { op: 'A+', items: Array.from({ length: 1 + next(2) }, () => [user(), mid(), next(4) === 0 ? 'inf' : String(base + next(4000))] as [Buffer, string, string]) };
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
            ? await redis.sakeUserOps(keys.users(work[0]!.b), [...head, ...work.flatMap(({ ops }) => { const a = ops.flatMap(args); return [String(a.length), ...a]; })])
            : await redis.sakeUserOpsMany(work.length, [...work.map(({ b }) => keys.users(b)), ...head, ...work.flatMap(({ ops }) => { const a = ops.flatMap(args); return [String(a.length), ...a]; })]);
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
    await expect(client.redis.sakeUserOps(keys.users(0), ['1', '0', '4', 'M+', Buffer.alloc(8), '1', f])).rejects.toThrow(/sakeUserOps: a guild reference of 8 bytes/);
    await expect(client.redis.sakeUserOps(keys.users(0), ['1', '0', '2', 'X', '0'])).rejects.toThrow(/sakeUserOps: unknown op X/);
  });
});
