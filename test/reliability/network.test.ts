// A slow and flapping network between the cache and Redis, through a loopback TCP proxy that
// delays, stalls and cuts connections while a stream is being ingested. No call hangs beyond its
// timeout; a guild's events are never applied twice or out of order (a per-guild sequence of
// GUILD_UPDATEs checked through confirmed handlers and their old values); after the faults the
// stale guilds' GUILD_CREATE brings the cache to what a MemoryCache fed the same events holds.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BackendError } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { RedisCache } from '@sake/redis';
import { GatewayListener } from '@sake/gateway';
import { EventScript, World } from '@sake/simulator';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { ModelDriver } from './support/model.js';
import { feed, recordingLogger, uniquePrefix, type GatewayDispatchPayload } from './support/feed.js';
import { firstDifferences, snapshots } from './support/snapshot.js';
import { recoverable } from './support/strip.js';

const TIMEOUT_MS = 300;
const totals = { events: 0, faults: 0, failed: 0, orderChecks: 0 };
afterAll(() =>
  console.log(
    `[network] ${totals.faults} network faults (delay, stall, cut, refuse), ${totals.events} events, ${totals.failed} writes failed, ${totals.orderChecks} ordering checks, 0 out of order or duplicated`,
  ),
);

/** Reject when `promise` takes longer than `ms`: "no hang" is a hard bound here, not a benchmark. */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} hung for more than ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('slow and flapping network', () => {
  it('delay, stall, cut and refuse: no hang, nothing out of order, converges after resync', { timeout: 60_000 }, async () => {
    const redisPort = Number(new URL(inject('redisUrl')).port);
    const proxy = await startTcpProxy(redisPort);
    const prefix = uniquePrefix('net');
    const cache = new RedisCache(`redis://127.0.0.1:${proxy.port}`, {
      prefix,
      commandTimeoutMs: TIMEOUT_MS,
      connectTimeoutMs: 2_000,
      sweepIntervalMs: 0,
      userBuckets: 16,
    });
    const reference = new MemoryCache();
    await Promise.all([cache.open(), reference.open()]);
    try {
      const world = new World({ seed: 33, guilds: 4, membersPerGuild: [20, 40], messagesPerChannel: 50 });
      const rules = { messages: { perChannel: 50 } };
      const listener = new GatewayListener(cache, rules, { logger: recordingLogger() });
      const refListener = new GatewayListener(reference, rules, { logger: recordingLogger() });
      listener.on('error', () => undefined);
      // Per guild: the sequence numbers confirmed, and the one each confirmed update saw cached before it.
      const seen = new Map<string, number[]>();
      const violations: string[] = [];
      const seqOf = (description: unknown): number => (typeof description === 'string' && description.startsWith('seq:') ? Number(description.slice(4)) : -1);
      listener.on(
        'GUILD_UPDATE',
        (d, old) => {
          const seq = seqOf(d.description);
          const list = seen.get(d.id) ?? [];
          const last = list[list.length - 1] ?? -1;
          if (seq <= last) violations.push(`guild ${d.id}: update ${seq} confirmed after ${last}`);
          // The value read back before this update must not be from a later update (applied out of order).
          if (old !== undefined && seqOf(old.description) >= seq) violations.push(`guild ${d.id}: update ${seq} found ${old.description} already cached`);
          list.push(seq);
          seen.set(d.id, list);
          totals.orderChecks++;
        },
        { confirm: true },
      );

      const driver = new ModelDriver(world);
      await feed([listener, refListener], driver.start());
      // The script's own GUILD_UPDATEs are left out: here they carry the sequence numbers.
      const script = new EventScript(world, { guildUpdate: 0 });
      const sequence = new Map<string, number>();
      const created = new Set<string>();
      /** The next slice of the stream, with a numbered GUILD_UPDATE for every guild appended. */
      const slice = (n: number): GatewayDispatchPayload[] => {
        const out = script.take(n).map((e) => e.payload);
        for (const p of out) if (p.t === 'MESSAGE_CREATE') created.add(p.d.id);
        for (const [id, state] of world.guilds) {
          const seq = (sequence.get(id) ?? 0) + 1;
          sequence.set(id, seq);
          state.guild.description = `seq:${seq}`;
          out.push({ op: 0, s: 0, t: 'GUILD_UPDATE', d: JSON.parse(JSON.stringify(state.guild)) as unknown } as GatewayDispatchPayload);
        }
        return out;
      };
      const send = async (n: number): Promise<void> => {
        for (const p of slice(n)) {
          listener.handle(p, 0);
          refListener.handle(p, 0);
        }
        totals.events += n + world.guilds.size;
        await bounded(Promise.all([listener.idle(), refListener.idle()]), 20_000, 'listener.idle()');
      };

      const restore = (): void => {
        proxy.delayMs = 0;
        proxy.setMode('pass');
        proxy.accept(true);
      };
      /** Wait until ioredis has reconnected and a read goes through. */
      const healthy = async (): Promise<void> => {
        for (let i = 0; ; i++) {
          if (
            await cache
              .iterGuilds()
              .len()
              .then(
                () => true,
                () => false,
              )
          )
            return;
          if (i > 100) throw new Error('the cache never reconnected');
          await sleep(50);
        }
      };
      const faults: [string, () => Promise<void>][] = [
        ['delay 40 ms', async () => void (proxy.delayMs = 40)],
        [
          'stall beyond the timeout',
          async () => {
            proxy.setMode('stall');
            const started = Date.now();
            await expect(cache.getGuild([...world.guilds.keys()][0]!)).rejects.toBeInstanceOf(BackendError);
            expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2_000);
          },
        ],
        ['cut every connection', async () => proxy.cutAll()],
        ['refuse connections', async () => (proxy.accept(false), proxy.cutAll())],
        ['stall then cut', async () => (proxy.setMode('stall'), await sleep(TIMEOUT_MS * 2), proxy.cutAll(), proxy.setMode('pass'))],
        ['delay 15 ms with cuts', async () => ((proxy.delayMs = 15), proxy.cutAll())],
        [
          'stall shorter than the timeout',
          async () => {
            proxy.setMode('stall');
            setTimeout(() => proxy.setMode('pass'), TIMEOUT_MS / 3);
          },
        ],
      ];
      for (const [name, fault] of faults) {
        await fault();
        totals.faults++;
        // Events keep coming while the fault lasts, and after it is gone.
        await send(100).catch((e: unknown) => {
          throw new Error(`during "${name}": ${String(e)}`);
        });
        restore();
        await healthy();
        await send(100).catch((e: unknown) => {
          throw new Error(`after "${name}": ${String(e)}`);
        });
      }
      await healthy();
      totals.failed += listener.stats().failed;
      const stale = [...listener.staleGuilds];
      await feed(
        [listener, refListener],
        stale.map((id) => ({ guildId: id, payload: { op: 0, s: 0, t: 'GUILD_CREATE', d: world.guildCreate(id) } as unknown as GatewayDispatchPayload })),
      );
      await send(200);
      expect([...listener.staleGuilds]).toEqual([]);
      expect(violations).toEqual([]);
      // Every guild's last update is the one cached.
      for (const [id, seq] of sequence) expect((await cache.getGuild(id)).description).toBe(`seq:${seq}`);
      // Compare through a direct client with the default timeout (not through the proxy, not with the short timeout).
      const verifier = new RedisCache(inject('redisUrl'), { prefix, sweepIntervalMs: 0 });
      await verifier.open();
      const [ref, got] = await snapshots([reference, verifier]).finally(() => verifier.close());
      expect(firstDifferences(recoverable(ref!), recoverable(got!), 10)).toEqual([]);
      // Messages can't be resynchronised (Discord never resends them, and a lost MESSAGE_DELETE leaves one
      // behind, as a disconnect does): but every cached message is one the stream created.
      for (const m of got!.all.messages!.entries) expect(created.has(m.id as string), `message ${String(m.id)} was never created`).toBe(true);
      expect(proxy.connections).toBeGreaterThan(1);
    } finally {
      await cache.close();
      await reference.close();
      await proxy.close();
    }
  });
});
