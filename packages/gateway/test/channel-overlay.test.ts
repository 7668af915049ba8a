/**
 * The run's channel overlay (src/channel-overlay.ts) and the translators that read through it: a
 * guild's channels as of an event, whatever part of the run's earlier writes the cache holds, and a
 * channel delete that finds threads its run created without waiting for their write.
 */
import { describe, expect, it, vi } from 'vitest';
import { mutation, type ApplyOptions, type ApplyResult, type GuildChannelEntity, type Mutation } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { GatewayListener } from '@sake/gateway';
import { ChannelOverlay } from '../src/channel-overlay.js';
import { G, G2, channel, dispatch, seedGuild, thread } from './fixtures.js';

/** A small seeded generator (mulberry32), so a failure names a sequence that can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random channel write of guild G or G2 over a handful of channel ids. */
function channelWrite(next: () => number): Mutation {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const id = pick(['301', '302', '303', '304', '305']);
  const guildId = next() < 0.8 ? G : G2;
  const parent = pick([null, '301', '302']);
  const r = next();
  if (r < 0.4) return mutation.set('channel', parent ? thread(id, guildId, parent) : channel(id, guildId));
  if (r < 0.6) return mutation.merge('channel', { channelId: id }, { name: `n${Math.floor(next() * 100)}`, ...(next() < 0.3 ? { parent_id: parent } : {}) });
  if (r < 0.8) return mutation.delete('channel', { channelId: id });
  if (r < 0.9) return mutation.replaceForGuild('channel', guildId, [channel('301', guildId), thread('306', guildId, '301')] as never);
  return mutation.clearFor('channel', 'guild', guildId);
}

const byId = (channels: readonly GuildChannelEntity[]): GuildChannelEntity[] => [...channels].sort((a, b) => a.id.localeCompare(b.id));

describe('ChannelOverlay', () => {
  it('gives the channels after every write, over the cache at any point of the writes', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const writes = Array.from({ length: 12 }, () => channelWrite(next));
      const cache = new MemoryCache();
      await cache.open();
      await cache.apply([mutation.set('channel', channel('301', G)), mutation.set('channel', thread('302', G, '301'))]);
      const overlay = new ChannelOverlay();
      const prefixes: GuildChannelEntity[][] = [await cache.iterGuildChannelsForGuild(G).toArray()];
      for (const m of writes) {
        overlay.note(m);
        await cache.apply([m]);
        prefixes.push(await cache.iterGuildChannelsForGuild(G).toArray());
      }
      const after = byId(prefixes.at(-1)!);
      prefixes.forEach((cached, k) => expect(byId(overlay.view(G, cached)), `seed ${seed}, the cache after ${k} of the writes`).toEqual(after));
      await cache.close();
    }
  });

  it('notes only channel writes', () => {
    const overlay = new ChannelOverlay();
    overlay.note(mutation.delete('role', { roleId: '301' }));
    overlay.note(mutation.clearFor('message', 'channel', '301'));
    const cached = [channel('301', G) as unknown as GuildChannelEntity];
    expect(overlay.view(G, cached)).toEqual(cached);
  });
});

/** A MemoryCache that records each batch it is handed and, once `hold()` is called, writes none until `release()`. */
class HeldCache extends MemoryCache {
  readonly batches: Mutation[][] = [];
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  release(): void {
    this.#open?.();
  }

  override async apply(batch: readonly Mutation[], options?: ApplyOptions): Promise<ApplyResult | void> {
    this.batches.push([...batch]);
    await this.#gate;
    return super.apply(batch, options);
  }
}

/** A cache seeded with guild G, holding its writes from now on. */
async function heldCache(): Promise<HeldCache> {
  const cache = new HeldCache();
  await cache.open();
  await cache.apply(seedGuild(G, '1'));
  cache.batches.length = 0;
  cache.hold();
  return cache;
}

describe('translators that read a guild’s channels', () => {
  it('a channel delete cascades a thread its run created, while the write that creates it is still held', async () => {
    const cache = await heldCache();
    const listener = new GatewayListener(cache);
    listener.handle(dispatch('CHANNEL_CREATE', channel('401', G)), 0);
    listener.handle(dispatch('THREAD_CREATE', thread('402', G, '401')), 0);
    listener.handle(dispatch('CHANNEL_DELETE', channel('401', G)), 0);
    listener.handle(dispatch('CHANNEL_CREATE', channel('403', G)), 0);
    // Both batches are handed over while the first is not written: the delete did not wait for it.
    await vi.waitFor(() => expect(cache.batches).toHaveLength(2));
    expect(await cache.iterGuildChannelsForGuild(G).toArray()).not.toContainEqual(expect.objectContaining({ id: '402' }));
    expect(cache.batches[1]).toContainEqual(mutation.delete('channel', { channelId: '402' }));
    cache.release();
    await listener.idle();
    const ids = (await cache.iterGuildChannelsForGuild(G).toArray()).map((c) => c.id);
    expect(ids).toContain('403');
    expect(ids).not.toContain('401');
    expect(ids).not.toContain('402');
  });

  it('a channel delete right after a full batch was handed over does not wait for that batch’s write', async () => {
    const cache = await heldCache();
    const listener = new GatewayListener(cache, {}, { maxBatchMutations: 2 });
    listener.handle(dispatch('CHANNEL_CREATE', channel('401', G)), 0);
    listener.handle(dispatch('THREAD_CREATE', thread('402', G, '401')), 0);
    listener.handle(dispatch('CHANNEL_DELETE', channel('401', G)), 0);
    await vi.waitFor(() => expect(cache.batches).toHaveLength(2));
    expect(cache.batches[1]).toContainEqual(mutation.delete('channel', { channelId: '402' }));
    cache.release();
    await listener.idle();
    expect(await cache.iterGuildChannelsForGuild(G).toArray()).not.toContainEqual(expect.objectContaining({ id: '402' }));
  });

  it('a thread list sync drops a thread its run created and the sync does not list, its write still held', async () => {
    const cache = await heldCache();
    const listener = new GatewayListener(cache);
    listener.handle(dispatch('CHANNEL_CREATE', channel('401', G)), 0);
    listener.handle(dispatch('THREAD_CREATE', thread('402', G, '401')), 0);
    listener.handle(dispatch('THREAD_LIST_SYNC', { guild_id: G, channel_ids: ['401'], threads: [thread('404', G, '401')], members: [] }), 0);
    await vi.waitFor(() => expect(cache.batches).toHaveLength(2));
    expect(cache.batches[1]).toContainEqual(mutation.delete('channel', { channelId: '402' }));
    cache.release();
    await listener.idle();
    const ids = (await cache.iterGuildChannelsForGuild(G).toArray()).map((c) => c.id).sort();
    expect(ids).toContain('404');
    expect(ids).not.toContain('402');
  });
});
