// Users are shared by every guild they are in, while the listener orders events per guild only:
// after any burst a user must still be the gateway's last word on it (sequential application).
import { describe, expect, it } from 'vitest';
import { mutation, type ApplyOptions, type ApplyResult, type Mutation } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { GatewayListener } from '@sake/gateway';
import { SharedOrder } from '../src/shared-order.js';
import { dispatch, guild, member, presence, recordingLogger, user } from './fixtures.js';

const A = '1000';
const B = '2000';
const U = '77';

const named = (username: string) => user(U, { username });
const guildCreate = (id: string, username: string) =>
  dispatch('GUILD_CREATE', {
    ...guild(id),
    channels: [],
    threads: [],
    roles: [],
    emojis: [],
    members: [member(U, { user: named(username) })],
    presences: [],
    voice_states: [],
  });
const memberUpdate = (guildId: string, username: string, nick: string) =>
  dispatch('GUILD_MEMBER_UPDATE', { ...member(U, { user: named(username), nick }), guild_id: guildId });
const chunk = (guildId: string, username: string) =>
  dispatch('GUILD_MEMBERS_CHUNK', { guild_id: guildId, members: [member(U, { user: named(username) })], chunk_index: 0, chunk_count: 1 });
const presenceWith = (guildId: string, username: string) => dispatch('PRESENCE_UPDATE', { ...presence(guildId, U), user: { id: U, username } });

/** The issue's burst: two guilds' events interleaved, the user renamed along the way. */
function burst() {
  const events = [guildCreate(A, 'old'), guildCreate(B, 'old')];
  for (let i = 0; i < 50; i++) events.push(memberUpdate(A, 'old', `a${i}`));
  events.push(chunk(B, 'old'));
  events.push(presenceWith(A, 'new'));
  for (let i = 0; i < 5; i++) events.push(memberUpdate(B, 'new', `b${i}`));
  events.push(presenceWith(A, 'new2'));
  for (let i = 0; i < 50; i++) events.push(memberUpdate(B, 'new2', `c${i}`));
  events.push(chunk(B, 'new2'));
  events.push(presenceWith(A, 'final'));
  return events;
}

/** A MemoryCache whose writes land after a delay that differs per batch (as a remote store's may). */
class SlowCache extends MemoryCache {
  #n = 0;
  override readonly honoursAfter = true;
  override async apply(batch: readonly Mutation[], options?: ApplyOptions): Promise<ApplyResult | void> {
    const delay = [15, 1, 8, 3][this.#n++ % 4]!;
    await options?.after;
    await new Promise((r) => setTimeout(r, delay));
    return super.apply(batch, { ...options, after: undefined });
  }
}

describe('users keep gateway order across guilds', () => {
  for (const [name, make] of [
    ['MemoryCache', () => new MemoryCache()],
    ['a cache whose batches land out of order', () => new SlowCache()],
  ] as const) {
    it(`a burst ends with the gateway's last word (${name})`, async () => {
      const cache = make();
      await cache.open();
      const listener = new GatewayListener(cache, {}, { logger: recordingLogger() });
      for (const event of burst()) listener.handle(event, 0);
      await listener.idle();
      expect((await cache.getUser(U)).username).toBe('final');
      expect((await cache.getMember(A, U)).nick).toBe('a49');
      expect((await cache.getMember(B, U)).nick).toBeNull();
      expect(listener.stats()).toMatchObject({ failed: 0, malformed: 0 });
    });
  }

  it('a batch writing a newer user waits for the batch in flight that writes an older one', async () => {
    // The first batch takes 30 ms to land, the next one none: landing in hand-over order needs the wait.
    class FirstSlow extends MemoryCache {
      #first = true;
      override async apply(batch: readonly Mutation[], options?: ApplyOptions): Promise<ApplyResult | void> {
        if (this.#first) {
          this.#first = false;
          await new Promise((r) => setTimeout(r, 30));
        }
        return super.apply(batch, options);
      }
    }
    const cache = new FirstSlow();
    await cache.open();
    const listener = new GatewayListener(cache, {}, { logger: recordingLogger() });
    listener.handle(guildCreate(A, 'first'), 0);
    await new Promise((r) => setImmediate(r));
    listener.handle(guildCreate(B, 'second'), 0);
    await listener.idle();
    expect((await cache.getUser(U)).username).toBe('second');
  });

  it("the bot's own me ends as the last READY or USER_UPDATE of a burst", async () => {
    const cache = new MemoryCache();
    await cache.open();
    const listener = new GatewayListener(cache, {}, { logger: recordingLogger() });
    const me = (username: string) => ({ ...user('9'), username });
    listener.handle(
      dispatch('READY', { v: 10, user: me('ready'), guilds: [], session_id: 's', resume_gateway_url: 'wss://x', application: { id: '9', flags: 0 } }),
      0,
    );
    for (let i = 0; i < 20; i++) {
      listener.handle(guildCreate(String(3000 + i), `u${i}`), 0);
      listener.handle(dispatch('USER_UPDATE', me(`me${i}`)), 0);
    }
    await listener.idle();
    expect((await cache.getMe()).username).toBe('me19');
  });

  it('fed one event at a time, the same stream ends the same', async () => {
    const cache = new MemoryCache();
    await cache.open();
    const listener = new GatewayListener(cache, {}, { logger: recordingLogger() });
    for (const event of burst()) {
      listener.handle(event, 0);
      await listener.idle();
    }
    expect((await cache.getUser(U)).username).toBe('final');
  });
});

describe('SharedOrder', () => {
  const set = (username: string, extra: Record<string, unknown> = {}) => mutation.set('user', { ...user(U), username, ...extra });
  const merge = (patch: Record<string, unknown>) => mutation.merge('user', { userId: U }, { id: U, ...patch });
  const write = (order: SharedOrder, m: Mutation, s: number) => order.write(m, s, new Map());

  it('drops a set older than the newest set, keeps a newer one whole', () => {
    const order = new SharedOrder();
    const newer = set('b');
    expect(write(order, newer, 5)).toBe(newer);
    expect(write(order, set('a'), 3)).toBeUndefined();
    const newest = set('c');
    expect(write(order, newest, 9)).toBe(newest);
  });

  it('an older set keeps the fields merged after it', () => {
    const order = new SharedOrder();
    expect(write(order, merge({ username: 'merged' }), 6)).toBeDefined();
    const out = write(order, set('set', { avatar: 'x' }), 4) as { value: Record<string, unknown> };
    expect(out.value).toMatchObject({ username: 'merged', avatar: 'x' });
  });

  it('an older merge writes only the fields no newer write set', () => {
    const order = new SharedOrder();
    write(order, merge({ username: 'newer' }), 8);
    const out = write(order, merge({ username: 'older', avatar: 'a' }), 7) as { patch: Record<string, unknown> };
    expect(out.patch).toEqual({ id: U, avatar: 'a' });
    expect(write(order, merge({ username: 'oldest' }), 2)).toBeUndefined();
  });

  it('a member set older than the user keeps the newest user', () => {
    const order = new SharedOrder();
    write(order, set('newest'), 10);
    const m = mutation.set('member', { ...member(U, { user: named('stale') }), guild_id: A });
    const out = write(order, m, 3) as { value: { user: { username: string } } };
    expect(out.value.user.username).toBe('newest');
  });

  it('sets of an unchanged user keep its version; a change, and every merge, make a new one', () => {
    const order = new SharedOrder();
    const v = (m: Mutation, s: number) => {
      const users = new Map<string, number>();
      order.write(m, s, users);
      return users.get(U);
    };
    const first = v(set('a'), 1);
    expect(v(set('a'), 2)).toBe(first);
    const merged = v(merge({ username: 'a' }), 3);
    expect(merged).not.toBe(first);
    expect(v(set('b'), 4)).not.toBe(merged);
  });

  it('forgets a user once no unfinished event is older than its writes', () => {
    const order = new SharedOrder();
    const stamps = Array.from({ length: 2048 }, () => order.stamp());
    write(order, set('a'), stamps[0]!);
    expect(order.size).toBe(1);
    for (const s of stamps.slice(1)) order.finish(s);
    expect(order.size).toBe(1);
    order.finish(stamps[0]!);
    expect(order.size).toBe(0);
  });
});
