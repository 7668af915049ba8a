/**
 * Shared by the per-script tests: a client with the scripts registered, a
 * deterministic random source, and the stored state of a prefix in a form a
 * TypeScript reference model can be compared with.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { defineScripts, type ScriptCommands } from '../../src/scripts/index.js';
import { redisUrl } from '../helpers.js';

/** A client with the scripts registered; connected before the file's tests, closed after them. */
export function scriptClient(): { readonly redis: Redis & ScriptCommands } {
  const holder = {} as { redis: Redis & ScriptCommands };
  beforeAll(() => {
    const redis = new Redis(redisUrl());
    holder.redis = Object.assign(redis, defineScripts(redis));
  });
  afterAll(() => {
    holder.redis.disconnect();
  });
  return holder;
}

/** A deterministic generator of integers in [0, n) (a failing case fails the same way twice). */
export function random(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/** `n` bytes from `next`. */
export function bytes(next: (n: number) => number, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => next(256)));
}

/** A stored value: a string, a hash (hex field → hex value) or a sorted set (hex member → score). */
export type Stored = { string: string } | { hash: Record<string, string> } | { zset: Record<string, string> };

/** The state a reference model keeps: key → value, an absent key is absent (as in Redis, no empty hashes). */
export type State = Map<string, Stored>;

/** Every key under `prefix` with its value (binary as hex), to compare with a model's {@link State}. */
export async function dump(redis: Redis, prefix: string): Promise<Record<string, Stored>> {
  const keys = (await redis.keys(`${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`)).sort();
  const out: Record<string, Stored> = {};
  for (const key of keys) {
    const type = await redis.type(key);
    if (type === 'string') out[key] = { string: (await redis.getBuffer(key))!.toString('hex') };
    else if (type === 'hash') {
      // The flat reply: HGETALL's object form would decode binary field names as UTF-8.
      const flat = (await redis.callBuffer('HGETALL', key)) as Buffer[];
      const hash: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) hash[flat[i]!.toString('hex')] = flat[i + 1]!.toString('hex');
      out[key] = { hash: sortedRecord(hash) };
    } else if (type === 'zset') {
      const flat = (await redis.callBuffer('ZRANGE', key, '0', '-1', 'WITHSCORES')) as Buffer[];
      const zset: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) zset[flat[i]!.toString('hex')] = flat[i + 1]!.toString();
      out[key] = { zset: sortedRecord(zset) };
    } else throw new Error(`dump: ${key} is a ${type}`);
  }
  return out;
}

/** A model state as {@link dump} answers it. */
export function plain(state: State): Record<string, Stored> {
  const out: Record<string, Stored> = {};
  for (const key of [...state.keys()].sort()) {
    const v = state.get(key)!;
    out[key] = 'hash' in v ? { hash: sortedRecord(v.hash) } : 'zset' in v ? { zset: sortedRecord(v.zset) } : v;
  }
  return out;
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A hash of a model, created on first write; `del` drops the key once empty (as Redis does). */
export class ModelHashes {
  constructor(readonly state: State) {}

  get(key: string, field: Buffer): Buffer | undefined {
    const v = this.#hash(key)?.[field.toString('hex')];
    return v === undefined ? undefined : Buffer.from(v, 'hex');
  }

  fields(key: string): Buffer[] {
    return Object.keys(this.#hash(key) ?? {}).map((f) => Buffer.from(f, 'hex'));
  }

  /** Sets `field`; answers whether it is new (HSET's count). */
  set(key: string, field: Buffer, value: Buffer): boolean {
    let v = this.state.get(key);
    if (v === undefined) {
      v = { hash: {} };
      this.state.set(key, v);
    }
    if (!('hash' in v)) throw new Error(`${key} is not a hash`);
    const f = field.toString('hex');
    const added = !(f in v.hash);
    v.hash[f] = value.toString('hex');
    return added;
  }

  /** Deletes `field`; answers whether it was there (HDEL's count). */
  del(key: string, field: Buffer): boolean {
    const hash = this.#hash(key);
    const f = field.toString('hex');
    if (!hash || !(f in hash)) return false;
    delete hash[f];
    if (Object.keys(hash).length === 0) this.state.delete(key);
    return true;
  }

  #hash(key: string): Record<string, string> | undefined {
    const v = this.state.get(key);
    if (v === undefined) return undefined;
    if (!('hash' in v)) throw new Error(`${key} is not a hash`);
    return v.hash;
  }
}
