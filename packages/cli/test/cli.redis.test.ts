// The `sake` binary as a child process against a real Redis (the vitest global setup's).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LAYOUT_VERSION, RedisCache } from '@sake/redis';
import { dropPrefix, dump, fill } from './fixtures.js';
import { runCli } from './run-cli.js';

let dir: string;
let url: string;
const prefix = `test-clibin-${randomUUID().slice(0, 8)}:`;
const other = `test-clibin-${randomUUID().slice(0, 8)}:`;
let cache: RedisCache;
let original: Awaited<ReturnType<typeof dump>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sake-cli-redis-'));
  url = inject('redisUrl');
  cache = new RedisCache(url, { prefix, sweepIntervalMs: 0 });
  await cache.open();
  await fill(cache);
  original = await dump(cache);
});
afterAll(async () => {
  for (const p of [prefix, other]) {
    await dropPrefix(cache.client, p);
  }
  await cache.close();
  await rm(dir, { recursive: true, force: true });
});

const total = (): number => Object.values(original).reduce((n, e) => n + e.length, 0);

describe('sake against Redis (child process)', () => {
  it('stats --json: counts, memory used under the prefix, layout version', async () => {
    const r = await runCli(['stats', '--json', '--redis', url, '--prefix', prefix]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const stats = JSON.parse(r.stdout) as { counts: Record<string, number>; total: number; redis: { memoryUsedBytes: number; layoutVersion: number } };
    for (const [resource, entries] of Object.entries(original)) expect(stats.counts[resource]).toBe(entries.length);
    expect(stats.total).toBe(total());
    expect(stats.redis.layoutVersion).toBe(LAYOUT_VERSION);
    expect(stats.redis.memoryUsedBytes).toBeGreaterThan(1000);
  });

  it('REDIS_URL works like --redis', async () => {
    const r = await runCli(['iter', 'guilds', '--count', '--prefix', prefix], { env: { REDIS_URL: url } });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('2');
  });

  it('get and iter', async () => {
    const get = await runCli(['get', 'presence', '102', '1004', '--json', '--redis', url, '--prefix', prefix]);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ guild_id: '102', user: { id: '1004' }, status: 'online' });
    const iter = await runCli(['iter', 'messages', '--author', '1001', '--json', '--redis', url, '--prefix', prefix]);
    expect(iter.code).toBe(0);
    expect(
      iter.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id)
        .sort(),
    ).toEqual(['501', '502']);
    const missing = await runCli(['get', 'guild', '999', '--redis', url, '--prefix', prefix]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('guild 999: not cached');
  });

  it('backup → clear → restore through the CLI gives back every entry', async () => {
    const file = join(dir, 'redis.sakebak');
    const b = await runCli(['backup', file, '--redis', url, '--prefix', prefix]);
    expect(b.code).toBe(0);
    expect(b.stdout).toContain(`backed up ${total()} entries`);
    expect(b.stdout).not.toContain('password');

    // Restore into another prefix, clear it, restore again with --clear over leftovers.
    const r1 = await runCli(['restore', file, '--redis', url, '--prefix', other]);
    expect(r1.code).toBe(0);
    const copy = new RedisCache(url, { prefix: other, sweepIntervalMs: 0 });
    await copy.open();
    try {
      expect(await dump(copy)).toEqual(original);
      const c = await runCli(['clear', 'members', 'presences', '--guild', '101', '--yes', '--redis', url, '--prefix', other]);
      expect(c.code).toBe(0);
      expect(await copy.iterMembersForGuild('101').len()).toBe(0);
      expect(await copy.iterMembersForGuild('102').len()).toBe(5);
      const all = await runCli(['clear', 'all', '--yes', '--redis', url, '--prefix', other]);
      expect(all.code).toBe(0);
      expect((await dump(copy)).member).toEqual([]);
      await fill(copy, 4, 2); // leftovers that --clear must remove
      const r2 = await runCli(['restore', file, '--clear', '--redis', url, '--prefix', other]);
      expect(r2.code).toBe(0);
      expect(r2.stdout).toContain('after clearing it');
      expect(await dump(copy)).toEqual(original);
    } finally {
      await copy.close();
    }
  });

  it('restore of a corrupt file exits 1 naming the offset, and changes nothing', async () => {
    const file = join(dir, 'corrupt.sakebak');
    expect((await runCli(['backup', file, '--redis', url, '--prefix', prefix])).code).toBe(0);
    const { readFile, writeFile } = await import('node:fs/promises');
    const bytes = await readFile(file);
    bytes[200] = bytes[200]! ^ 0x10;
    await writeFile(file, bytes);
    const r = await runCli(['restore', file, '--clear', '--redis', url, '--prefix', prefix]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid sake backup at byte offset \d+/);
    expect(await dump(cache)).toEqual(original);
  });

  it('an unreachable Redis is a BackendError within the timeout, and the password is never printed', async () => {
    const r = await runCli(['stats', '--redis', 'redis://operator:hunter2-secret@127.0.0.1:1/0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/BackendError/);
    expect(r.stderr + r.stdout).not.toContain('hunter2-secret');
  });
});
