// The listener's behaviour around the translators: bad input, backend failures, rules,
// ordering, handlers and member requests.
import { describe, expect, it } from 'vitest';
import { BackendError, EntryNotFound, type ApplyOptions, type ApplyResult, type Mutation } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { GatewayListener, ListenerWriteError, MemberRequestError, type GatewaySource } from '@sake/gateway';
import { G, G2, channel, dispatch, guild, member, message, presence, recordingLogger, seedGuild } from './fixtures.js';

async function openCache(): Promise<MemoryCache> {
  const cache = new MemoryCache();
  await cache.open();
  return cache;
}

/** A MemoryCache whose apply() fails while `failing` is set (reads keep working). */
class FlakyCache extends MemoryCache {
  failing = false;
  override async apply(batch: readonly Mutation[]): ReturnType<MemoryCache['apply']> {
    if (this.failing) throw new BackendError('store unreachable (test)');
    return super.apply(batch);
  }
}

describe('malformed and unknown payloads', () => {
  const bad: [string, unknown][] = [
    ['GUILD_MEMBER_ADD', { guild_id: G, user: { id: 'not-a-snowflake' } }],
    ['GUILD_MEMBER_ADD', { guild_id: 12345, user: { id: '5' } }],
    ['MESSAGE_CREATE', { id: '1', channel_id: '11', content: 'no author', timestamp: 'x' }],
    ['GUILD_CREATE', { id: G, channels: [{ id: null }], roles: [], emojis: [], members: [] }],
    ['GUILD_CREATE', { id: G, channels: [], roles: [], emojis: [], members: 'everyone' }],
    ['PRESENCE_UPDATE', { guild_id: G }],
    ['VOICE_STATE_UPDATE', { guild_id: G, user_id: '5', channel_id: 7 }],
    ['MESSAGE_REACTION_ADD', { user_id: '5', channel_id: '11', message_id: '16', emoji: 'sushi' }],
    ['MESSAGE_DELETE_BULK', { ids: ['1', 'x'], channel_id: '11' }],
    ['INVITE_CREATE', { code: 'a b*', channel_id: '11' }],
    ['GUILD_ROLE_DELETE', null],
  ];

  it.each(bad)('%s %j is logged, counted and skipped without touching the cache', async (t, d) => {
    const cache = await openCache();
    await cache.apply(seedGuild(G, '1'));
    const logger = recordingLogger();
    const listener = new GatewayListener(cache, {}, { logger });
    const confirmed: unknown[] = [];
    listener.on(t as 'READY', (data) => void confirmed.push(data), { confirm: true });
    expect(() => listener.handle(dispatch(t, d), 0)).not.toThrow();
    await listener.idle();
    expect(listener.stats()).toMatchObject({ received: 1, malformed: 1, applied: 0, failed: 0 });
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain(t);
    expect(confirmed).toEqual([]);
    expect(await cache.iterMembersForGuild(G).len()).toBe(1);
    expect(await cache.iterGuildChannelsForGuild(G).len()).toBe(2);
    expect((await cache.getMessage('16')).id).toBe('16');
  });

  it('keeps applying the events after a malformed one, in order', async () => {
    const cache = await openCache();
    const listener = new GatewayListener(cache, {}, { logger: recordingLogger() });
    listener.handle(dispatch('GUILD_MEMBER_ADD', { ...member('5'), guild_id: G }));
    listener.handle(dispatch('GUILD_MEMBER_ADD', { guild_id: G, user: {} }));
    listener.handle(dispatch('GUILD_MEMBER_UPDATE', { guild_id: G, user: member('5').user, roles: [], nick: 'after' }));
    await listener.idle();
    expect((await cache.getMember(G, '5')).nick).toBe('after');
    expect(listener.stats()).toMatchObject({ received: 3, applied: 2, malformed: 1 });
  });

  it('counts non-dispatch input as malformed and never throws', async () => {
    const listener = new GatewayListener(await openCache(), {}, { logger: recordingLogger() });
    for (const junk of [null, 42, 'GUILD_CREATE', { op: 0 }, { t: 7 }]) expect(() => listener.handle(junk as never, 0)).not.toThrow();
    await listener.idle();
    expect(listener.stats()).toMatchObject({ received: 5, malformed: 5 });
  });

  it('dispatches events it does not cache, in order, without writing', async () => {
    const cache = await openCache();
    const listener = new GatewayListener(cache, {}, { logger: recordingLogger() });
    const seen: string[] = [];
    listener.on('TYPING_START', (d) => void seen.push(`typing ${d.user_id}`), { confirm: true });
    listener.on('GUILD_MEMBER_ADD', (d) => void seen.push(`add ${d.user.id}`), { confirm: true });
    listener.handle(dispatch('GUILD_MEMBER_ADD', { ...member('5'), guild_id: G }));
    listener.handle(dispatch('TYPING_START', { channel_id: '11', guild_id: G, user_id: '5', timestamp: 1 }));
    await listener.idle();
    expect(seen).toEqual(['add 5', 'typing 5']);
    expect(listener.stats()).toMatchObject({ ignored: 1, applied: 1 });
  });
});

describe('backend failures', () => {
  it('reports them through the error event, marks the guild stale, and keeps going', async () => {
    const cache = new FlakyCache();
    await cache.open();
    const listener = new GatewayListener(cache, {}, { logger: recordingLogger() });
    const errors: ListenerWriteError[] = [];
    listener.on('error', (e) => void errors.push(e));
    const confirmed: string[] = [];
    listener.on('GUILD_MEMBER_ADD', (d) => void confirmed.push(d.user.id), { confirm: true });

    cache.failing = true;
    listener.handle(dispatch('GUILD_MEMBER_ADD', { ...member('5'), guild_id: G }));
    await listener.idle();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ListenerWriteError);
    expect(errors[0]!.guildIds).toEqual([G]);
    expect(errors[0]!.events).toEqual(['GUILD_MEMBER_ADD']);
    expect(errors[0]!.cause).toBeInstanceOf(BackendError);
    expect([...listener.staleGuilds]).toEqual([G]);
    expect(confirmed).toEqual([]);
    expect(listener.stats()).toMatchObject({ failed: 1, applied: 0 });

    cache.failing = false;
    listener.handle(dispatch('GUILD_MEMBER_ADD', { ...member('6'), guild_id: G2 }));
    await listener.idle();
    expect(confirmed).toEqual(['6']);
    expect((await cache.getMember(G2, '6')).user.id).toBe('6');
    expect([...listener.staleGuilds]).toEqual([G]);

    // The guild's next full snapshot makes it fresh again.
    listener.handle(dispatch('GUILD_CREATE', { id: G, name: 'g', channels: [], roles: [], emojis: [], members: [member('5')] }));
    await listener.idle();
    expect([...listener.staleGuilds]).toEqual([]);
    expect((await cache.getMember(G, '5')).user.id).toBe('5');
  });

  it('logs a failure when nobody listens to errors (never swallowed)', async () => {
    const cache = new FlakyCache();
    await cache.open();
    cache.failing = true;
    const logger = recordingLogger();
    const listener = new GatewayListener(cache, {}, { logger });
    listener.handle(dispatch('CHANNEL_CREATE', channel('11', G)));
    await listener.idle();
    expect(logger.errors).toHaveLength(1);
    expect(logger.errors[0]).toContain('CHANNEL_CREATE');
  });
});

describe('rules', () => {
  it('members: none caches no members, presences: false no presences', async () => {
    const cache = await openCache();
    const listener = new GatewayListener(cache, { members: 'none', presences: false });
    listener.handle(dispatch('GUILD_MEMBER_ADD', { ...member('5'), guild_id: G }));
    listener.handle(dispatch('PRESENCE_UPDATE', presence(G, '5')));
    listener.handle(dispatch('CHANNEL_CREATE', channel('11', G)));
    await listener.idle();
    expect(await cache.iterMembers().len()).toBe(0);
    expect(await cache.iterPresences().len()).toBe(0);
    expect((await cache.getGuildChannel('11')).id).toBe('11');
    await expect(listener.requestMembers(G)).rejects.toBeInstanceOf(MemberRequestError);
  });

  it('messages: false caches no messages; the guild filter skips other guilds but still dispatches them', async () => {
    const cache = await openCache();
    const listener = new GatewayListener(cache, { messages: false, guildFilter: (id) => id === G });
    const seen: string[] = [];
    listener.on('CHANNEL_CREATE', (d) => void seen.push(d.id), { confirm: true });
    listener.handle(dispatch('MESSAGE_CREATE', message('30', '11', '5')));
    listener.handle(dispatch('CHANNEL_CREATE', channel('11', G)));
    listener.handle(dispatch('CHANNEL_CREATE', channel('21', G2)));
    await listener.idle();
    expect(await cache.iterMessages().len()).toBe(0);
    expect((await cache.iterGuildChannels().toArray()).map((c) => c.id)).toEqual(['11']);
    expect(seen.sort()).toEqual(['11', '21']);
    expect(listener.stats()).toMatchObject({ filtered: 1 });
  });

  it('members: seen keeps GUILD_CREATE from dropping cached members and skips unrequested chunks', async () => {
    const cache = await openCache();
    const listener = new GatewayListener(cache, { members: 'seen' });
    listener.handle(dispatch('GUILD_MEMBER_ADD', { ...member('5'), guild_id: G }));
    listener.handle(dispatch('GUILD_CREATE', { id: G, name: 'g', channels: [], roles: [], emojis: [], members: [member('6')], voice_states: [] }));
    listener.handle(dispatch('GUILD_MEMBERS_CHUNK', { guild_id: G, members: [member('7')], chunk_index: 0, chunk_count: 1, nonce: 'someone-else' }));
    await listener.idle();
    expect((await cache.iterMembersForGuild(G).toArray()).map((m) => m.user.id)).toEqual(['5']);
  });

  it('rejects bad rule values with a TypeError', () => {
    expect(() => new GatewayListener(new MemoryCache(), { members: 'some' as never })).toThrow(TypeError);
    expect(() => new GatewayListener(new MemoryCache(), { messages: { perChannel: 0 } })).toThrow(TypeError);
    expect(() => new GatewayListener({} as never)).toThrow(TypeError);
    expect(() => new GatewayListener(new MemoryCache(), {}, { maxBatchesInFlight: 0 })).toThrow(/maxBatchesInFlight must be a whole number/);
    expect(() => new GatewayListener(new MemoryCache(), {}, { maxBatchMutations: 2.5 })).toThrow(/maxBatchMutations must be a whole number/);
  });
});

describe('ordering and handlers', () => {
  it('applies the events of one guild in order, even when other guilds interleave', async () => {
    const cache = await openCache();
    const listener = new GatewayListener(cache);
    for (let i = 0; i < 50; i++) {
      listener.handle(dispatch('GUILD_MEMBER_UPDATE', { guild_id: G, user: member('5').user, roles: [], nick: `n${i}` }));
      listener.handle(dispatch('GUILD_MEMBER_UPDATE', { guild_id: G2, user: member('5').user, roles: [], nick: `m${i}` }));
      if (i % 7 === 0) listener.handle(dispatch('MESSAGE_UPDATE', { id: '1', channel_id: '11', guild_id: G, content: 'x' }));
    }
    await listener.idle();
    expect((await cache.getMember(G, '5')).nick).toBe('n49');
    expect((await cache.getMember(G2, '5')).nick).toBe('m49');
  });

  it('writes a long run of one guild in batches of about maxBatchMutations (default 5 000), whole events each', async () => {
    /** Twelve chunks of 1 000 members: 12 000 member sets, handed over in one tick (one run of the queue). */
    const chunks = Array.from({ length: 12 }, (_, c) =>
      dispatch('GUILD_MEMBERS_CHUNK', {
        guild_id: G,
        members: Array.from({ length: 1000 }, (_, i) => member(String(1_000_000 + c * 1000 + i))),
        chunk_index: c,
        chunk_count: 12,
      }),
    );
    for (const [options, expected] of [
      [{}, [5000, 5000, 2000]],
      [{ maxBatchMutations: 2500 }, [3000, 3000, 3000, 3000]],
    ] as const) {
      const sizes: number[] = [];
      const cache = new (class extends MemoryCache {
        override apply(batch: readonly Mutation[]): ReturnType<MemoryCache['apply']> {
          sizes.push(batch.length);
          return super.apply(batch);
        }
      })();
      await cache.open();
      const listener = new GatewayListener(cache, {}, options);
      for (const chunk of chunks) listener.handle(chunk);
      await listener.idle();
      // A batch is flushed once an event takes it to the limit: whole events, never split.
      expect(sizes).toEqual(expected);
      expect(await cache.iterMembersForGuild(G).len()).toBe(12_000);
    }
  });

  describe('with a backend that honours after (a long run handed over batch by batch)', () => {
    /**
     * A MemoryCache whose writes take a few ms each and start only once the write they are ordered
     * after settled; `fail` decides (per attempt) whether a batch is rejected instead, before writing.
     */
    class SlowOrderedCache extends MemoryCache {
      fail: (batch: readonly Mutation[]) => Error | undefined = () => undefined;
      handedOver = 0;
      override async apply(batch: readonly Mutation[], options?: ApplyOptions): Promise<ApplyResult | void> {
        if (options?.after) this.handedOver++;
        await options?.after;
        await new Promise((resolve) => setTimeout(resolve, 1 + (batch.length % 3)));
        const error = this.fail(batch);
        if (error) throw error;
        return super.apply(batch, options?.old ? { old: options.old } : undefined);
      }
    }
    const nick = (m: Mutation): string | undefined =>
      ((m as { patch?: { nick?: string } }).patch ?? (m as { value?: { nick?: string } }).value)?.nick ?? undefined;
    /** 60 nick changes of one member, 2 mutations per batch at most: the run is handed over in many batches. */
    async function run(cache: SlowOrderedCache): Promise<{ listener: GatewayListener; confirmed: string[] }> {
      await cache.open();
      const listener = new GatewayListener(cache, {}, { logger: recordingLogger(), maxBatchMutations: 2 });
      const confirmed: string[] = [];
      listener.on('GUILD_MEMBER_UPDATE', (d) => void confirmed.push(d.nick ?? ''), { confirm: true });
      for (let i = 0; i < 60; i++) listener.handle(dispatch('GUILD_MEMBER_UPDATE', { guild_id: G, user: member('5').user, roles: [], nick: `n${i}` }));
      await listener.idle();
      return { listener, confirmed };
    }
    const inOrder = Array.from({ length: 60 }, (_, i) => `n${i}`);

    it('applies and confirms in order while the next batch is handed over early', async () => {
      const cache = new SlowOrderedCache();
      const { listener, confirmed } = await run(cache);
      expect(cache.handedOver).toBeGreaterThan(10);
      expect(confirmed).toEqual(inOrder);
      expect((await cache.getMember(G, '5')).nick).toBe('n59');
      expect(listener.stats()).toMatchObject({ applied: 60, failed: 0 });
    });

    it('isolates a failed batch before its successors, which were not written, are applied again', async () => {
      const cache = new SlowOrderedCache();
      // A batch holding n20 fails as a whole (not a store failure): its events are retried one by one.
      cache.fail = (batch) => (batch.length > 1 && batch.some((m) => nick(m) === 'n20') ? new TypeError('n20 in a batch (test)') : undefined);
      const { listener, confirmed } = await run(cache);
      expect(confirmed).toEqual(inOrder);
      expect((await cache.getMember(G, '5')).nick).toBe('n59');
      expect(listener.stats()).toMatchObject({ applied: 60, failed: 0 });
    });

    it('fails only the events of a batch the store rejected, and applies the later ones in order', async () => {
      const cache = new SlowOrderedCache();
      let attempts = 0;
      cache.fail = (batch) => (batch.some((m) => nick(m) === 'n30') && attempts++ === 0 ? new BackendError('store unreachable (test)') : undefined);
      const { listener, confirmed } = await run(cache);
      const lost = inOrder.filter((n) => !confirmed.includes(n));
      // Only the rejected batch (two events at most): the batches handed over after it were not written, and are applied.
      expect(lost).toContain('n30');
      expect(lost.length).toBeLessThanOrEqual(2);
      expect(confirmed).toEqual(inOrder.filter((n) => !lost.includes(n)));
      expect((await cache.getMember(G, '5')).nick).toBe('n59');
      expect(listener.stats()).toMatchObject({ applied: 60 - lost.length, failed: lost.length });
    });
  });

  it('runs immediate handlers before the write and confirmed ones after it', async () => {
    const cache = await openCache();
    const listener = new GatewayListener(cache);
    const seen: string[] = [];
    listener.on('GUILD_MEMBER_ADD', async (d) => {
      seen.push(
        `immediate cached=${await cache.getMember(G, d.user.id).then(
          () => true,
          (e) => !(e instanceof EntryNotFound),
        )}`,
      );
    });
    listener.on(
      'GUILD_MEMBER_ADD',
      async (d) => {
        seen.push(
          `confirmed cached=${await cache.getMember(G, d.user.id).then(
            () => true,
            () => false,
          )}`,
        );
      },
      { confirm: true },
    );
    listener.handle(dispatch('GUILD_MEMBER_ADD', { ...member('5'), guild_id: G }));
    await listener.idle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.sort()).toEqual(['confirmed cached=true', 'immediate cached=false']);
  });

  it('off() removes a handler, and a throwing handler is logged without stopping others', async () => {
    const logger = recordingLogger();
    const listener = new GatewayListener(await openCache(), {}, { logger });
    const seen: string[] = [];
    const handler = () => void seen.push('removed');
    listener.on('CHANNEL_CREATE', handler, { confirm: true });
    listener.off('CHANNEL_CREATE', handler);
    listener.on(
      'CHANNEL_CREATE',
      () => {
        throw new Error('handler bug');
      },
      { confirm: true },
    );
    listener.on('CHANNEL_CREATE', () => void seen.push('kept'), { confirm: true });
    listener.handle(dispatch('CHANNEL_CREATE', channel('11', G)));
    await listener.idle();
    expect(seen).toEqual(['kept']);
    expect(logger.warnings).toEqual(['a CHANNEL_CREATE handler threw']);
  });
});

describe('requestMembers', () => {
  /** A source that records what is sent and lets the test answer. */
  function fakeSource(shards = 2): GatewaySource & { sent: { shardId: number; payload: { op: number; d: Record<string, unknown> } }[] } {
    const sent: { shardId: number; payload: { op: number; d: Record<string, unknown> } }[] = [];
    return {
      sent,
      on() {},
      off() {},
      send(shardId, payload) {
        sent.push({ shardId, payload: payload as never });
      },
      getShardCount: () => shards,
    };
  }

  it('needs an attached source and a valid id', async () => {
    const listener = new GatewayListener(await openCache());
    await expect(listener.requestMembers(G)).rejects.toThrow(/attach/);
    listener.attach(fakeSource());
    await expect(listener.requestMembers('12a')).rejects.toBeInstanceOf(TypeError);
    await expect(listener.requestMembers(12 as never)).rejects.toBeInstanceOf(TypeError);
  });

  it('sends op 8 on the guild shard and resolves when every chunk with its nonce is applied', async () => {
    const cache = await openCache();
    const listener = new GatewayListener(cache);
    const source = fakeSource(4);
    listener.attach(source);
    const guildId = String((5n << 22n) | 1n); // shard 5 % 4 = 1
    const request = listener.requestMembers(guildId, { timeoutMs: 5000 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.sent).toHaveLength(1);
    const { shardId, payload } = source.sent[0]!;
    expect(shardId).toBe(1);
    expect(payload.op).toBe(8);
    expect(payload.d).toMatchObject({ guild_id: guildId, query: '', limit: 0 });
    const nonce = payload.d.nonce as string;
    expect(nonce.length).toBeLessThanOrEqual(32);
    let settled = false;
    void request.then(
      () => (settled = true),
      () => (settled = true),
    );
    listener.handle(dispatch('GUILD_MEMBERS_CHUNK', { guild_id: guildId, members: [member('5')], chunk_index: 1, chunk_count: 2, nonce }));
    await listener.idle();
    expect(settled).toBe(false);
    listener.handle(dispatch('GUILD_MEMBERS_CHUNK', { guild_id: guildId, members: [member('6'), member('7')], chunk_index: 0, chunk_count: 2, nonce }));
    await expect(request).resolves.toEqual({ guildId, members: 3, chunks: 2, notFound: [] });
    expect(await cache.iterMembersForGuild(guildId).len()).toBe(3);
  });

  it('rejects with a clear error when chunks stop coming', async () => {
    const listener = new GatewayListener(await openCache());
    listener.attach(fakeSource());
    const error = await listener.requestMembers(G, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemberRequestError);
    expect((error as Error).message).toMatch(new RegExp(`requestMembers\\(${G}\\) timed out after 50 ms: no chunk arrived`));
  });

  it("requests a large guild's members after its GUILD_CREATE when the rule says so, and only then", async () => {
    const snapshot = (id: string, large: boolean) =>
      dispatch('GUILD_CREATE', {
        ...guild(id),
        large,
        members: [member('5')],
        channels: [],
        threads: [],
        roles: [],
        emojis: [],
        presences: [],
        voice_states: [],
        member_count: 2,
        joined_at: '2024-01-01T00:00:00.000Z',
      });
    for (const [policy, expected] of [
      [false, []],
      ['large', [G]],
      ['all', [G, G2]],
    ] as const) {
      const listener = new GatewayListener(await openCache(), { requestMembers: policy });
      const source = fakeSource();
      listener.attach(source);
      listener.handle(snapshot(G, true));
      listener.handle(snapshot(G2, false));
      await listener.idle();
      await new Promise((resolve) => setImmediate(resolve));
      expect(source.sent.map((s) => s.payload.d.guild_id)).toEqual(expected);
      expect(source.sent.every((s) => s.payload.op === 8)).toBe(true);
      listener.detach();
    }
    expect(() => new GatewayListener(new MemoryCache(), { requestMembers: 'sometimes' as never })).toThrow(TypeError);
    expect(() => new GatewayListener(new MemoryCache(), { requestMembers: 'all', members: 'none' })).toThrow(TypeError);
  });

  it('rejects when Discord rate-limits the request, or the listener is detached', async () => {
    const listener = new GatewayListener(await openCache());
    const source = fakeSource();
    listener.attach(source);
    const limited = listener.requestMembers(G, { timeoutMs: 5000 });
    await new Promise((resolve) => setImmediate(resolve));
    const nonce = source.sent[0]!.payload.d.nonce;
    listener.handle(dispatch('RATE_LIMITED', { opcode: 8, retry_after: 12.5, meta: { guild_id: G, nonce } }));
    await expect(limited).rejects.toThrow(/rate limited by Discord; retry after 12.5 s/);
    const detached = listener.requestMembers(G2, { timeoutMs: 5000 });
    await new Promise((resolve) => setImmediate(resolve));
    listener.detach();
    await expect(detached).rejects.toThrow(/detached/);
  });
});

describe('attach', () => {
  it('takes a @discordjs/core Client (through client.gateway) and stops on detach', async () => {
    const { Client } = await import('@discordjs/core');
    const subscribers: ((payload: never, shardId: number) => void)[] = [];
    const gateway: GatewaySource = {
      on: (_event, fn) => void subscribers.push(fn),
      off: (_event, fn) => void subscribers.splice(subscribers.indexOf(fn), 1),
      send: () => {},
      getShardCount: () => 1,
    };
    const client = new Client({ rest: {} as never, gateway: gateway as never });
    const cache = await openCache();
    const listener = new GatewayListener(cache).attach(client);
    const emit = (payload: unknown) => subscribers.forEach((fn) => fn(payload as never, 0));
    emit(dispatch('CHANNEL_CREATE', channel('11', G)));
    listener.detach();
    emit(dispatch('CHANNEL_CREATE', channel('12', G)));
    await listener.idle();
    expect((await cache.iterGuildChannels().toArray()).map((c) => c.id)).toEqual(['11']);
  });

  it('rejects something that is neither a manager nor a client', () => {
    expect(() => new GatewayListener(new MemoryCache()).attach({} as never)).toThrow(TypeError);
  });
});
