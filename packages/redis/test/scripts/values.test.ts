/**
 * values.lua (`sakeValues`) against a TypeScript reference: random runs of
 * S/W/D ops over a few keys give the previous values the reference gives, and
 * leave the values and expiries it leaves.
 */
import { describe, expect, it } from 'vitest';
import { uniquePrefix } from '../helpers.js';
import { bytes, dump, plain, random, scriptClient, type State } from './harness.js';

const client = scriptClient();

type Op = ['S' | 'W', string, Buffer, string] | ['D', string];

/** The reference: the previous values of the S ops, applying `ops` to `state` and `expiry` (key → at, '0' = none). */
function reference(ops: readonly Op[], state: State, expiry: Map<string, string>): Array<string | null> {
  const out: Array<string | null> = [];
  for (const op of ops) {
    if (op[0] === 'D') {
      state.delete(op[1]);
      expiry.delete(op[1]);
      continue;
    }
    const [kind, key, value, at] = op;
    const previous = state.get(key);
    if (kind === 'S') out.push(previous && 'string' in previous ? previous.string : null);
    state.set(key, { string: value.toString('hex') });
    expiry.set(key, at);
  }
  return out;
}

describe('sakeValues', () => {
  it('agrees with the reference on random op runs (previous values, stored values, expiries)', async () => {
    const redis = client.redis;
    const later = Date.now() + 3_600_000;
    for (let seed = 1; seed <= 30; seed++) {
      const next = random(seed);
      const prefix = uniquePrefix('values');
      const keys = Array.from({ length: 4 }, (_, i) => `${prefix}msg:${i}`);
      const state: State = new Map();
      const expiry = new Map<string, string>();
      for (let call = 0; call < 3; call++) {
        const ops: Op[] = Array.from({ length: 1 + next(12) }, (): Op => {
          const key = keys[next(keys.length)]!;
          const kind = next(5);
          if (kind === 0) return ['D', key];
          return [kind < 3 ? 'S' : 'W', key, bytes(next, next(80)), next(2) === 0 ? '0' : String(later + next(1000))];
        });
        const expected = reference(ops, state, expiry);
        const answer = await redis.sakeValuesBuffer(ops.flat());
        expect(answer.map((v) => (v === null ? null : v.toString('hex')))).toEqual(expected);
        expect(await dump(redis, prefix)).toEqual(plain(state));
        for (const [key, at] of expiry) expect(await redis.pexpiretime(key), key).toBe(at === '0' ? -1 : Number(at));
      }
    }
  });

  it('answers an unknown op with an error', async () => {
    await expect(client.redis.sakeValuesBuffer(['X', 'k'])).rejects.toThrow(/sakeValues: unknown op X/);
  });
});
