// `pnpm start` (sake demo) in its short mode, run as the root package.json's start script runs it.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RedisCache } from '@sake/redis';
import { dropPrefix } from './fixtures.js';
import { runCli } from './run-cli.js';

const rootPackage = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };

/** The demo arguments of the start script (what follows `node packages/cli/dist/bin.js`). */
function startScriptArgs(): string[] {
  const match = /node packages\/cli\/dist\/bin\.js ([^&|;]*)$/.exec(rootPackage.scripts.start ?? '');
  if (match === null) throw new Error(`the start script no longer runs the sake binary: ${rootPackage.scripts.start}`);
  return match[1]!.trim().split(/\s+/);
}

describe('pnpm start (sake demo)', () => {
  it('the start script builds, then runs sake demo', () => {
    expect(rootPackage.scripts.start).toMatch(/^tsc -b && node packages\/cli\/dist\/bin\.js demo\b/);
  });

  it('--quick fills the embedded MemoryCache from the simulated gateway and prints stats and sample reads', async () => {
    const r = await runCli([...startScriptArgs(), '--quick']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sake demo: 3 guilds × ~40 members on a local fake gateway \(ws:\/\/127\.0\.0\.1:\d+, 1 shard\) → MemoryCache/);
    expect(r.stdout).toMatch(/filled MemoryCache \(in this process\) in [\d.]+ s: \d+ gateway events received/);
    expect(r.stdout).toMatch(/cache contents:\n {2}guilds\s+3\n/);
    const members = Number(/ {2}members\s+(\d+)\n/.exec(r.stdout)?.[1]);
    expect(members).toBeGreaterThan(100);
    expect(r.stdout).toMatch(/member chunking: 40 members of guild \d+ in 1 chunk/);
    expect(r.stdout).toMatch(/getMe\(\) → \S+ \(\d+\)/);
    expect(r.stdout).toMatch(/getMember\(\d+, \d+\) → /);
    expect(r.stdout).toContain(`check: 3/3 guilds and ${members}/${members} members match the simulated world: OK`);
  });

  it('same seed, same world: two runs print the same contents', async () => {
    const contents = (out: string) => /cache contents:\n([\s\S]*?)\n\n/.exec(out)?.[1];
    const [a, b] = await Promise.all([runCli(['demo', '--quick', '--seed', '7']), runCli(['demo', '--quick', '--seed', '7'])]);
    expect(contents(a.stdout)).toBeDefined();
    expect(contents(a.stdout)).toBe(contents(b.stdout));
  });

  describe('with Redis', () => {
    const prefix = `test-demo-${randomUUID().slice(0, 8)}:`;
    afterAll(async () => {
      const cache = new RedisCache(inject('redisUrl'), { prefix, sweepIntervalMs: 0 });
      await cache.open();
      await dropPrefix(cache.client, prefix);
      await cache.close();
    });

    it('--redis fills a RedisCache that outlives the demo (sake stats sees it)', async () => {
      const url = inject('redisUrl');
      const r = await runCli(['demo', '--quick', '--redis', url, '--prefix', prefix]);
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/members match the simulated world: OK/);
      expect(r.stdout).toContain(`sake stats --redis ${url} --prefix ${prefix}`);
      const stats = await runCli(['stats', '--json', '--redis', url, '--prefix', prefix]);
      const parsed = JSON.parse(stats.stdout) as { counts: { guild: number; member: number } };
      expect(parsed.counts.guild).toBe(3);
      expect(parsed.counts.member).toBe(Number(/ {2}members\s+(\d+)\n/.exec(r.stdout)?.[1]));
    });

    it('refuses to empty a non-empty cache under a prefix that is not its own, unless --yes', async () => {
      const url = inject('redisUrl');
      const r = await runCli(['demo', '--quick', '--redis', url, '--prefix', prefix]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/holds \d+ entries and sake demo would clear it: pass --yes/);
      const again = await runCli(['demo', '--quick', '--seed', '3', '--yes', '--redis', url, '--prefix', prefix]);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/match the simulated world: OK/);
    });
  });
});

describe('sake run: argument validation (no network needed)', () => {
  const token = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.secretsecretsecretsecret';
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['run'], {}, /sake run needs a bot token: pass --token or set DISCORD_TOKEN/],
    [['run', '--token', 'not-a-token'], {}, /does not look like a Discord bot token/],
    [['run'], { DISCORD_TOKEN: 'nope nope' }, /does not look like a Discord bot token/],
    [['run', '--token', token, '--intents', 'Guilds,Nope'], {}, /unknown intent "Nope"/],
    [['run', '--token', token, '--intents', '4294967296'], {}, /bits that are not gateway intents/],
    [['run', '--token', token, '--request-members', '12x'], {}, /--request-members must be a Discord id/],
    [['run', '--token', token, '--request-members', '123'], {}, /--request-members needs the privileged GuildMembers intent/],
    [['run', '--token', token, '--shards', '0'], {}, /--shards must be an integer between 1 and/],
  ];
  for (const [args, env, message] of cases) {
    it(`sake ${args.join(' ')} ${Object.keys(env).join(' ')}`, async () => {
      const r = await runCli(args, { env });
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stderr + r.stdout).not.toContain('secretsecret');
    });
  }
});
