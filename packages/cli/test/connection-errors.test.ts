// Every command that opens a Redis or a PostgreSQL says why it could not: the refused address, the bad URL (a
// usage error, exit 2), the server's refusal; and never prints the password it was given.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisCache } from '@sake/redis';
import { dropPrefix } from './fixtures.js';
import { runCli } from './run-cli.js';

const PASSWORD = 'hunter2-secret';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sake-cli-conn-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Where the first RESP command in `buf` (an array of bulk strings, as clients send) ends; 0 when it is incomplete. */
function commandEnd(buf: Buffer): number {
  const line = (from: number): [value: number, next: number] | undefined => {
    const cr = buf.indexOf('\r\n', from);
    return cr < 0 ? undefined : [Number(buf.toString('latin1', from + 1, cr)), cr + 2];
  };
  const head = line(0);
  if (head === undefined) return 0;
  let at = head[1];
  for (let k = 0; k < head[0]; k++) {
    const bulk = line(at);
    if (bulk === undefined || bulk[1] + bulk[0] + 2 > buf.length) return 0;
    at = bulk[1] + bulk[0] + 2;
  }
  return at;
}

/** Each command that opens Redis, with the arguments it needs to get that far. */
const COMMANDS: Record<string, (dir: string) => string[]> = {
  stats: () => ['stats'],
  get: () => ['get', 'guild', '1'],
  iter: () => ['iter', 'guilds'],
  backup: (d) => ['backup', join(d, 'never-written.sakebak')],
  restore: (d) => ['restore', join(d, 'missing.sakebak')],
  clear: () => ['clear', 'all', '--yes'],
  demo: () => ['demo', '--quick', '--no-progress'],
  // A well-formed token: the run gets as far as opening Redis, which comes before Discord.
  run: () => ['run', '--token', 'aaaa.bbbb.cccc', '--no-status'],
};

describe.each(Object.keys(COMMANDS))('sake %s', (name) => {
  const args = (): string[] => COMMANDS[name]!(dir);

  it('names the refused address when nothing listens (exit 1), password masked', async () => {
    // Port 1 needs root to listen on: nothing does.
    const r = await runCli([...args(), '--redis', `redis://operator:${PASSWORD}@127.0.0.1:1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('BackendError: cannot use Redis at redis://operator:***@127.0.0.1:1');
    expect(r.stderr).toContain('ECONNREFUSED 127.0.0.1:1');
    expect(r.stderr).not.toContain('Connection is closed');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('a value that is not a Redis URL is a usage error (exit 2) naming it', async () => {
    const r = await runCli([...args(), '--redis', 'notaurl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sake: error: --redis\/REDIS_URL is not a Redis URL: "notaurl" \(expected redis:\/\//);
  });
});

describe.each(Object.keys(COMMANDS))('sake %s --postgres', (name) => {
  const args = (): string[] => COMMANDS[name]!(dir);

  it('names the refused address when nothing listens (exit 1), password masked', async () => {
    const r = await runCli([...args(), '--postgres', `postgres://operator:${PASSWORD}@127.0.0.1:1/postgres`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ECONNREFUSED 127.0.0.1:1');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('a value that is not a PostgreSQL URL is a usage error (exit 2) naming it, credentials masked', async () => {
    const bad = await runCli([...args(), '--postgres', 'notaurl']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^sake: error: --postgres\/POSTGRES_URL is not a PostgreSQL URL: "notaurl" \(expected postgres:\/\//);
    const schemeless = await runCli([...args(), '--postgres', `operator:${PASSWORD}@db.example/sake`]);
    expect(schemeless.code).toBe(2);
    expect(schemeless.stdout + schemeless.stderr).not.toContain(PASSWORD);
  });
});

describe('bad Redis URLs', () => {
  it('from REDIS_URL too', async () => {
    const r = await runCli(['stats'], { env: { REDIS_URL: 'localhost:6379' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a Redis URL: "localhost:6379"');
  });

  it('credentials in a URL without a scheme are masked (the URL parser would not see them as a password)', async () => {
    const r = await runCli(['stats', '--redis', `operator:${PASSWORD}@127.0.0.1:6379`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a Redis URL: "***@127.0.0.1:6379"');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('a database that is not a number is a usage error', async () => {
    const r = await runCli(['stats', '--redis', 'redis://127.0.0.1:6379/cache']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the path must be a database number, got "/cache"');
  });
});

describe('a Redis that refuses the connection', () => {
  it('an unknown host: the name that does not resolve', async () => {
    const r = await runCli(['stats', '--redis', 'redis://no-such-host.invalid:6379']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/(ENOTFOUND|EAI_AGAIN) no-such-host\.invalid/);
  });

  it("a wrong password: the server's WRONGPASS, not the password", async () => {
    const url = new URL(inject('redisUrl'));
    url.username = `nobody-${randomUUID().slice(0, 8)}`;
    url.password = PASSWORD;
    const r = await runCli(['stats', '--redis', url.toString()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot use Redis at redis://${url.username}:***@${url.host}`);
    expect(r.stderr).toContain('WRONGPASS');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('a database the server does not have: refused, where ioredis would go on in database 0', async () => {
    // RedisCache has written its layout record in database 0 by the time the SELECT error arrives: under a prefix of
    // this test's own, dropped afterwards.
    const prefix = `test-cli-conn-${randomUUID().slice(0, 8)}:`;
    const url = `${inject('redisUrl').replace(/\/\d*$/, '')}/9999`;
    const r = await runCli(['stats', '--redis', url, '--prefix', prefix]);
    const cleanup = new RedisCache(inject('redisUrl'), { prefix, sweepIntervalMs: 0 });
    await cleanup.open();
    await dropPrefix(cleanup.client, prefix);
    await cleanup.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('DB index is out of range');
    expect(r.stdout).toBe('');
  });

  describe('a server that wants a password', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      // Answers every command as a Redis with requirepass does before AUTH: one reply per command,
      // however the client's writes arrive (several commands in one chunk, one split over two).
      server = createServer((socket) => {
        let pending = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          pending = Buffer.concat([pending, chunk]);
          for (let end = commandEnd(pending); end > 0; end = commandEnd(pending)) {
            pending = pending.subarray(end);
            socket.write('-NOAUTH Authentication required.\r\n');
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('says so, and how to give one', async () => {
      const r = await runCli(['iter', 'guilds', '--redis', `redis://127.0.0.1:${port}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot use Redis at redis://127.0.0.1:${port}: NOAUTH Authentication required.`);
      expect(r.stderr).toContain('redis://:password@host:port');
    });
  });
});
