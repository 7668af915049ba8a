/**
 * dictionary-add.lua (`sakeDictionaryAdd`) against a TypeScript reference:
 * callers with copies of every length (behind, current, longer than the store
 * after it was emptied) adding few or many ids, new, known or repeated, get
 * the reply the reference gives and leave the dictionary it leaves; a
 * dictionary whose length is not a multiple of 8 is refused untouched.
 */
import { describe, expect, it } from 'vitest';
import { uniquePrefix } from '../helpers.js';
import { random, scriptClient } from './harness.js';

const client = scriptClient();

/** The reference: the reply for a caller knowing `known` entries of `stored`, and the dictionary after. */
function reference(stored: Buffer, known: number, want: Buffer): { reply: Buffer; after: Buffer } {
  const from = known * 8;
  const rest = stored.subarray(from <= stored.length ? from : 0);
  const present = new Set<string>();
  for (let at = 0; at + 8 <= rest.length; at += 8) present.add(rest.subarray(at, at + 8).toString('hex'));
  const added: Buffer[] = [];
  for (let at = 0; at + 8 <= want.length; at += 8) {
    const id = want.subarray(at, at + 8);
    if (present.has(id.toString('hex'))) continue;
    present.add(id.toString('hex'));
    added.push(id);
  }
  const tail = Buffer.concat(added);
  const reply = from <= stored.length ? Buffer.concat([rest, tail]) : tail.subarray(from - stored.length);
  return { reply, after: Buffer.concat([stored, tail]) };
}

describe('sakeDictionaryAdd', () => {
  it('agrees with the reference on random dictionaries, copies and additions', async () => {
    const redis = client.redis;
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed * 13 + 5);
      const key = `${uniquePrefix('dict')}gd`;
      // Ids from a small pool (low bytes 0–2): additions meet stored ids, and each other, often.
      const id = (): Buffer => Buffer.from([0, 0, 0, 0, 0, next(2), next(3), next(seed % 2 === 0 ? 40 : 3)]);
      let stored: Buffer = Buffer.alloc(0);
      for (let call = 0; call < 4; call++) {
        const known = next(4) === 0 ? stored.length / 8 + 1 + next(3) : next(stored.length / 8 + 1);
        const want = Buffer.concat(Array.from({ length: next(4) === 0 ? 20 + next(40) : next(6) }, id));
        const expected = reference(stored, known, want);
        const reply = await redis.sakeDictionaryAddBuffer(key, known, want);
        expect(reply.toString('hex')).toBe(expected.reply.toString('hex'));
        stored = expected.after;
        expect(((await redis.getBuffer(key)) ?? Buffer.alloc(0)).toString('hex')).toBe(stored.toString('hex'));
      }
    }
  });

  it('refuses a dictionary whose length is not a multiple of 8, naming it, and leaves it as it is', async () => {
    const key = `${uniquePrefix('dict')}gd`;
    await client.redis.set(key, Buffer.alloc(12));
    await expect(client.redis.sakeDictionaryAddBuffer(key, 0, Buffer.alloc(8, 1))).rejects.toThrow(new RegExp(`dictionary ${key} is corrupt \\(12 bytes\\)`));
    expect(await client.redis.strlen(key)).toBe(12);
  });
});
