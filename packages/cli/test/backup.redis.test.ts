// backup/restore against a real Redis (the vitest global setup's), and portability Memory ⇄ Redis.
import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MemoryCache } from '@sake/memory';
import { RedisCache } from '@sake/redis';
import { BackupFormatError, backup, restore } from '@sake/cli';
import { dropPrefix, dump, fill } from './fixtures.js';

const opened: RedisCache[] = [];
afterAll(async () => {
  for (const cache of opened) {
    if (cache.isAlive) {
      await dropPrefix(cache.client, cache.prefix);
      await cache.close();
    }
  }
});

async function redisCache(): Promise<RedisCache> {
  const cache = new RedisCache(inject('redisUrl'), { prefix: `test-cli-${randomUUID().slice(0, 8)}:`, sweepIntervalMs: 0 });
  opened.push(cache);
  await cache.open();
  return cache;
}

async function toBuffer(cache: MemoryCache | RedisCache): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await backup(cache, sink);
  return Buffer.concat(chunks);
}

describe('backup and restore (RedisCache)', () => {
  it('round-trips every resource: backup → clear → restore equals the original', async () => {
    const cache = await redisCache();
    await fill(cache, 3, 6);
    const original = await dump(cache);
    for (const entries of Object.values(original)) expect(entries.length).toBeGreaterThan(0);
    const bytes = await toBuffer(cache);
    // An empty stream is not a backup: rejected at offset 0, nothing written.
    await expect(restore(cache, Readable.from([Buffer.alloc(0)]), { clear: true })).rejects.toMatchObject({ problem: 'magic', offset: 0 });
    expect(await dump(cache)).toEqual(original);
    const result = await restore(cache, Readable.from([bytes]), { clear: true });
    expect(result.counts.member).toBe(18);
    expect(await dump(cache)).toEqual(original);
  });

  it('is portable: Memory → Redis → Memory gives back the same entries', async () => {
    const memory = new MemoryCache();
    await memory.open();
    await fill(memory, 2, 4);
    const original = await dump(memory);
    const redis = await redisCache();
    await restore(redis, Readable.from([await toBuffer(memory)]));
    expect(await dump(redis)).toEqual(original);
    const back = new MemoryCache();
    await back.open();
    await restore(back, Readable.from([await toBuffer(redis)]));
    expect(await dump(back)).toEqual(original);
  });

  it('rejects corrupt, truncated and wrong-version files with the offset, leaving Redis untouched', async () => {
    const source = new MemoryCache();
    await source.open();
    await fill(source, 2, 4);
    const bytes = await toBuffer(source);
    const target = await redisCache();
    await fill(target, 1, 2);
    const before = await dump(target);

    const flipped = Buffer.from(bytes);
    const middle = Math.floor(bytes.length / 2);
    flipped[middle] = flipped[middle]! ^ 0x04;
    const wrongVersion = Buffer.from(bytes);
    wrongVersion.writeUInt16BE(7, 12);
    const cases: [Buffer, string][] = [
      [flipped, 'checksum'],
      [bytes.subarray(0, bytes.length - 3), 'truncated'],
      [wrongVersion, 'version'],
    ];
    for (const [bad, problem] of cases) {
      const error = await restore(target, Readable.from([bad]), { clear: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BackupFormatError);
      expect((error as BackupFormatError).problem).toBe(problem);
      expect((error as BackupFormatError).message).toMatch(/at byte offset \d+/);
      expect(await dump(target)).toEqual(before);
    }
  });
});
