import { PassThrough, Readable } from 'node:stream';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { MemoryCache } from '@sake/memory';
import { BackupFormatError, backup, crc32, restore, verifyBackup } from '@sake/cli';
import { dump, fill } from './fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sake-cli-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function filledCache(): Promise<MemoryCache> {
  const cache = new MemoryCache();
  await cache.open();
  await fill(cache);
  return cache;
}

async function backupToBuffer(cache: MemoryCache): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await backup(cache, sink);
  return Buffer.concat(chunks);
}

describe('backup and restore (MemoryCache)', () => {
  it('round-trips every resource through a file: backup → clear → restore equals the original', async () => {
    const cache = await filledCache();
    const original = await dump(cache);
    for (const entries of Object.values(original)) expect(entries.length).toBeGreaterThan(0);
    const file = join(dir, 'roundtrip.sakebak');
    const result = await backup(cache, createWriteStream(file));
    expect(result.counts.member).toBe(10);
    expect(result.counts.user).toBe(6);
    expect(result.counts.me).toBe(1);

    const restored = await restore(cache, file, { clear: true });
    expect(restored.counts).toEqual(result.counts);
    expect(await dump(cache)).toEqual(original);

    // Into a fresh cache too, and from a stream rather than a path.
    const fresh = new MemoryCache();
    await fresh.open();
    await restore(fresh, Readable.from([await readFile(file)]), { spoolDir: dir });
    expect(await dump(fresh)).toEqual(original);
  });

  it('clear removes entries that are not in the backup', async () => {
    const cache = await filledCache();
    const bytes = await backupToBuffer(cache);
    const extra = new MemoryCache();
    await extra.open();
    await fill(extra, 4, 7);
    await restore(extra, Readable.from([bytes]), { clear: true, spoolDir: dir });
    expect(await dump(extra)).toEqual(await dump(cache));
  });

  it('reads a stream delivered one byte at a time', async () => {
    const cache = await filledCache();
    const bytes = await backupToBuffer(cache);
    const summary = await verifyBackup(
      Readable.from(
        (function* () {
          for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
        })(),
      ),
    );
    expect(summary.bytes).toBe(bytes.length);
    expect(summary.trailer.records).toBe(Object.values(summary.trailer.counts).reduce((a, b) => a + b, 0));
  });

  describe('rejects a bad file with the offset and leaves the cache untouched', () => {
    async function expectRejected(bytes: Buffer, problem: string, offset?: number): Promise<BackupFormatError> {
      const target = new MemoryCache();
      await target.open();
      await fill(target, 1, 3);
      const before = await dump(target);
      const file = join(dir, `bad-${problem}-${Math.random()}.sakebak`);
      await writeFile(file, bytes);
      const error = await restore(target, file, { clear: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BackupFormatError);
      const e = error as BackupFormatError;
      expect(e.problem).toBe(problem);
      expect(e.message).toContain(`byte offset ${e.offset}`);
      if (offset !== undefined) expect(e.offset).toBe(offset);
      expect(await dump(target)).toEqual(before);
      // The same through the stream path (spooled), same verdict.
      const viaStream = await restore(target, Readable.from([bytes]), { clear: true, spoolDir: dir }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect((viaStream as BackupFormatError).offset).toBe(e.offset);
      expect(await dump(target)).toEqual(before);
      return e;
    }

    it('a flipped byte in a record near the end', async () => {
      const bytes = await backupToBuffer(await filledCache());
      const corrupt = Buffer.from(bytes);
      const at = bytes.length - 80;
      corrupt[at] = corrupt[at]! ^ 0x20;
      const e = await expectRejected(corrupt, 'checksum');
      expect(e.offset).toBeLessThanOrEqual(at);
      expect(e.offset).toBeGreaterThan(at - 1000);
    });

    it('every flipped byte anywhere is caught (never accepted, never a crash)', async () => {
      const bytes = await backupToBuffer(await filledCache());
      for (let at = 0; at < bytes.length; at += 7) {
        const corrupt = Buffer.from(bytes);
        corrupt[at] = corrupt[at]! ^ 0x01;
        await expect(verifyBackup(Readable.from([corrupt]))).rejects.toBeInstanceOf(BackupFormatError);
      }
    });

    it('a truncated file', async () => {
      const bytes = await backupToBuffer(await filledCache());
      const e = await expectRejected(bytes.subarray(0, bytes.length - 10), 'truncated');
      expect(e.message).toMatch(/truncated/);
    });

    it('a file cut inside the header', async () => {
      const bytes = await backupToBuffer(await filledCache());
      await expectRejected(bytes.subarray(0, 14), 'truncated', 12);
    });

    it('a wrong format version', async () => {
      const bytes = Buffer.from(await backupToBuffer(await filledCache()));
      bytes.writeUInt16BE(2, 12);
      const e = await expectRejected(bytes, 'version', 12);
      expect(e.message).toMatch(/format version 2/);
    });

    it('not a backup at all', async () => {
      await expectRejected(Buffer.from('{"hello": "world"}\n'), 'magic', 0);
    });

    it('bytes after the end', async () => {
      const bytes = await backupToBuffer(await filledCache());
      await expectRejected(Buffer.concat([bytes, Buffer.from('xx')]), 'trailing-data', bytes.length);
    });
  });

  it('skips invites that expired since the backup and keeps the rest of their lifetime', async () => {
    const cache = new MemoryCache();
    await cache.open();
    const base = { channel_id: '201', guild_id: '101', max_uses: 0, temporary: false, uses: 0 };
    await cache.apply([
      { type: 'set', resource: 'invite', value: { ...base, code: 'old', created_at: '2020-01-01T00:00:00.000Z', max_age: 60 } as never },
      { type: 'set', resource: 'invite', value: { ...base, code: 'fresh', created_at: new Date().toISOString(), max_age: 3600 } as never },
    ]);
    const bytes = await backupToBuffer(cache);
    const target = new MemoryCache();
    await target.open();
    const result = await restore(target, Readable.from([bytes]), { spoolDir: dir });
    expect(result.expiredInvites).toBe(1);
    expect((await target.iterInvites().toArray()).map((i) => i.code)).toEqual(['fresh']);
  });

  it('uses a CRC-32 equal to zlib and to the portable fallback', async () => {
    const { crc32Fallback } = await import('../dist/crc32.js');
    const data = Buffer.from('sake-backup\n'.repeat(100));
    expect(crc32(data)).toBe(zlibCrc32(data));
    expect(crc32Fallback(data)).toBe(zlibCrc32(data));
    expect(crc32Fallback(data.subarray(50), crc32Fallback(data.subarray(0, 50)))).toBe(zlibCrc32(data));
  });
});
