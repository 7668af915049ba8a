// The `sake` binary against PostgreSQL (the vitest global setup's private server), and a backup
// moving Memory → Postgres → Redis → Memory unchanged.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Backend } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { PostgresCache } from '@sake/postgres';
import { RedisCache } from '@sake/redis';
import { backup, restore } from '@sake/cli';
import { dropPrefix, dump, fill } from './fixtures.js';
import { runCli } from './run-cli.js';

const schema = (): string => `cli_${randomBytes(5).toString('hex')}`;
let dir: string;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sake-cli-pg-'));
  url = inject('pgUrl');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function toBuffer(cache: Backend): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await backup(cache, sink);
  return Buffer.concat(chunks);
}

describe('sake against PostgreSQL (child process)', () => {
  it('demo --postgres fills a PostgresCache that outlives the demo; stats, get and iter read it', async () => {
    const s = schema();
    const r = await runCli(['demo', '--quick', '--postgres', url, '--schema', s]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/members match the simulated world: OK/);
    expect(r.stdout).toContain(`sake stats --postgres ${url} --schema ${s}`);
    const stats = await runCli(['stats', '--json', '--postgres', url, '--schema', s]);
    expect(stats.code).toBe(0);
    const parsed = JSON.parse(stats.stdout) as { backend: { kind: string }; counts: { guild: number; member: number } };
    expect(parsed.backend.kind).toBe('postgres');
    expect(parsed.counts.guild).toBe(3);
    expect(parsed.counts.member).toBe(Number(/ {2}members\s+(\d+)\n/.exec(r.stdout)?.[1]));
    const count = await runCli(['iter', 'guilds', '--count', '--schema', s], { env: { POSTGRES_URL: url } });
    expect(count.code).toBe(0);
    expect(count.stdout.trim()).toBe('3');
    const guilds = await runCli(['iter', 'guilds', '--json', '--postgres', url, '--schema', s]);
    const first = JSON.parse(guilds.stdout.trim().split('\n')[0]!) as { id: string };
    const got = await runCli(['get', 'guild', first.id, '--json', '--postgres', url, '--schema', s]);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: first.id });
    const missing = await runCli(['get', 'guild', '999', '--postgres', url, '--schema', s]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('guild 999: not cached');
  });

  it('backup → restore into another schema through the CLI gives back every entry', async () => {
    const [from, to] = [schema(), schema()];
    const source = new PostgresCache(url, { schema: from, sweepIntervalMs: 0 });
    await source.open();
    const copy = new PostgresCache(url, { schema: to, sweepIntervalMs: 0 });
    try {
      await fill(source);
      const original = await dump(source);
      const file = join(dir, 'pg.sakebak');
      const b = await runCli(['backup', file, '--postgres', url, '--schema', from]);
      expect(b.code).toBe(0);
      const r = await runCli(['restore', file, '--postgres', url, '--schema', to]);
      expect(r.code).toBe(0);
      await copy.open();
      expect(await dump(copy)).toEqual(original);
    } finally {
      await Promise.all([source.close(), copy.close()]);
    }
  });

  it('--redis and --postgres together are a usage error', async () => {
    const r = await runCli(['stats', '--postgres', url, '--redis', 'redis://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not several/);
  });
});

describe('backup portability across all three backends', () => {
  it('Memory → Postgres → Redis → Memory gives back the same entries', async () => {
    const memory = new MemoryCache();
    await memory.open();
    await fill(memory, 2, 4);
    const original = await dump(memory);
    const pg = new PostgresCache(url, { schema: schema(), sweepIntervalMs: 0 });
    const prefix = `test-cli-pg-${randomUUID().slice(0, 8)}:`;
    const redis = new RedisCache(inject('redisUrl'), { prefix, sweepIntervalMs: 0 });
    await Promise.all([pg.open(), redis.open()]);
    try {
      await restore(pg, Readable.from([await toBuffer(memory)]));
      expect(await dump(pg)).toEqual(original);
      await restore(redis, Readable.from([await toBuffer(pg)]));
      expect(await dump(redis)).toEqual(original);
      const back = new MemoryCache();
      await back.open();
      await restore(back, Readable.from([await toBuffer(redis)]));
      expect(await dump(back)).toEqual(original);
    } finally {
      await dropPrefix(redis.client, prefix);
      await Promise.all([pg.close(), redis.close()]);
    }
  });
});
