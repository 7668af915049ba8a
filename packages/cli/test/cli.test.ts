// The `sake` binary run as a child process, on in-memory copies of a backup (no Redis needed).
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '@sake/memory';
import { backup } from '@sake/cli';
import { dump, fill } from './fixtures.js';
import { runCli } from './run-cli.js';

let dir: string;
let file: string;
let original: Awaited<ReturnType<typeof dump>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sake-cli-bin-'));
  file = join(dir, 'sample.sakebak');
  const cache = new MemoryCache();
  await cache.open();
  await fill(cache);
  original = await dump(cache);
  await backup(cache, createWriteStream(file));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sake (child process, --from-backup)', () => {
  it('stats --json counts every resource', async () => {
    const r = await runCli(['stats', '--json', '--from-backup', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const stats = JSON.parse(r.stdout) as { counts: Record<string, number>; total: number; backend: { kind: string } };
    expect(stats.backend.kind).toBe('memory');
    for (const [resource, entries] of Object.entries(original)) expect(stats.counts[resource]).toBe(entries.length);
    expect(stats.total).toBe(Object.values(original).reduce((n, e) => n + e.length, 0));
  });

  it('stats prints a table', async () => {
    const r = await runCli(['stats', '--from-backup', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/members\s+10\n/);
    expect(r.stdout).toMatch(/voice states\s+2\n/);
  });

  it('get prints entries and exits 1 naming the ones not cached', async () => {
    const r = await runCli(['get', 'member', '101', '1001', '1002', '4242', '--json', '--from-backup', file]);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { user: { id: string }; guild_id: string });
    expect(lines.map((m) => [m.guild_id, m.user.id])).toEqual([
      ['101', '1001'],
      ['101', '1002'],
    ]);
    expect(r.stderr).toContain('member 101/4242: not cached');
    const me = await runCli(['get', 'me', '--from-backup', file]);
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({ id: '1', username: 'sakebot' });
  });

  it('iter filters by parent, limits, and prints NDJSON', async () => {
    const all = await runCli(['iter', 'members', '--user', '1003', '--json', '--from-backup', file]);
    expect(all.code).toBe(0);
    expect(
      all.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { guild_id: string }).guild_id)
        .sort(),
    ).toEqual(['101', '102']);
    const limited = await runCli(['iter', 'member', '--guild', '102', '--limit', '2', '--from-backup', file]);
    expect(limited.code).toBe(0);
    expect(limited.stdout.trim().split('\n')).toHaveLength(2);
    expect(limited.stderr).toContain('2 members (stopped at --limit 2)');
    const count = await runCli(['iter', 'messages', '--channel', '201', '--count', '--from-backup', file]);
    expect(count.stdout.trim()).toBe('1');
  });

  it('backup of a loaded copy gives an equivalent, verifiable file', async () => {
    const copy = join(dir, 'copy.sakebak');
    const r = await runCli(['backup', copy, '--from-backup', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`backed up ${Object.values(original).reduce((n, e) => n + e.length, 0)} entries`);
    const v = await runCli(['verify', copy]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('valid sake backup');
    const again = await runCli(['stats', '--json', '--from-backup', copy]);
    expect((JSON.parse(again.stdout) as { counts: unknown }).counts).toEqual(
      (JSON.parse((await runCli(['stats', '--json', '--from-backup', file])).stdout) as { counts: unknown }).counts,
    );
  });

  it('verify and --from-backup reject a corrupt file naming the offset (exit 1)', async () => {
    const bytes = await readFile(file);
    bytes[bytes.length - 50] = bytes[bytes.length - 50]! ^ 0xff;
    const bad = join(dir, 'bad.sakebak');
    await writeFile(bad, bytes);
    const v = await runCli(['verify', bad]);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/^sake: error: invalid sake backup at byte offset \d+: .*checksum/m);
    const s = await runCli(['stats', '--from-backup', bad]);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/byte offset \d+/);
  });
});

describe('sake argument validation (exit 2, before any I/O)', () => {
  const cases: [string[], RegExp][] = [
    [['get', 'member', '101', 'abc'], /user id must be a Discord id .*"abc"/],
    [['get', 'guild', '-1'], /guild id must be a Discord id/],
    [['get', 'guild', '18446744073709551616'], /guild id must be a Discord id/],
    [['get', 'invite', 'bad code!'], /invite code must be/],
    [['get', 'member', '101'], /needs <guild id> <user id>/],
    [['get', 'me', '1'], /me takes no ids/],
    [['get', 'frob', '1'], /unknown resource "frob"/],
    [['iter', 'members', '--guild', '12x'], /--guild must be a Discord id/],
    [['iter', 'members', '--channel', '1'], /members can be filtered by --guild or --user, not --channel/],
    [['iter', 'members', '--guild', '1', '--user', '2'], /at most one of/],
    [['iter', 'users', '--guild', '1'], /users can't be filtered/],
    [['iter', 'guilds', '--limit', '0'], /--limit must be an integer/],
    [['clear', 'users', '--guild', '1', '--yes', '--redis', 'redis://127.0.0.1:1'], /users do not belong to a guild/],
    [['clear', 'members', '--guild', 'x1'], /--guild must be a Discord id/],
    [['stats'], /in-memory cache lives only inside the process .* --redis URL or set REDIS_URL/],
    [['restore', 'x.sakebak'], /--redis URL or set REDIS_URL/],
  ];
  for (const [args, message] of cases) {
    it(`sake ${args.join(' ')}`, async () => {
      const r = await runCli(args);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    });
  }

  it('clear refuses without a terminal unless --yes', async () => {
    const r = await runCli(['clear', 'members', '--redis', 'redis://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to clear without confirmation: stdin is not a terminal, pass --yes');
  });
});
