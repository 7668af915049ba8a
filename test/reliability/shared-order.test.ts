// Property: after any burst, the cache equals the cache fed the same events one at a time, even
// though a user is shared by every guild it is in and the listener orders events per guild only.
// fast-check chooses the events (snapshots, member updates and chunks carrying full users,
// presences carrying partial users, guild and DM messages) over three guilds that share their
// users; each burst goes to a fresh cache at once (`handle` for every event, then `idle`), the
// sequential reference one event per `idle`, and the two must match through the whole read API.
// Seeded: SAKE_FC_SEED replays a failure; SAKE_FC_RUNS overrides the run count.
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import type { ApplyOptions, ApplyResult, Backend, Mutation } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { RedisCache } from '@sake/redis';
import { GatewayListener } from '@sake/gateway';
import { recordingLogger, uniquePrefix, type GatewayDispatchPayload } from './support/feed.js';
import { firstDifferences, snapshots } from './support/snapshot.js';

const RUNS = Number(process.env.SAKE_FC_RUNS ?? 30);
const SEED = process.env.SAKE_FC_SEED !== undefined ? Number(process.env.SAKE_FC_SEED) : 0x5ade;

const GUILDS = ['1001', '1002', '1003'];
const USERS = ['501', '502', '503'];
const DM_CHANNEL = '9001';

type Json = Record<string, unknown>;

const userFields = fc.record({
  username: fc.constantFrom('ann', 'bob', 'cy', 'di'),
  avatar: fc.constantFrom('a1', 'a2', null),
  global_name: fc.constantFrom('G', 'H', null),
});
const fullUser = (id: string, f: Json): Json => ({ id, discriminator: '0', public_flags: 0, ...f });
const memberOf = (user: Json, nick: string | null): Json => ({
  user,
  nick,
  roles: [],
  joined_at: '2024-01-01T00:00:00.000Z',
  deaf: false,
  mute: false,
  flags: 0,
});
const d = (t: string, data: Json): GatewayDispatchPayload => ({ op: 0, t, d: data, s: 1 }) as GatewayDispatchPayload;

/** One generated event (its message ids are filled in afterwards, in order). */
const eventArbitrary = fc.oneof(
  fc.record({ kind: fc.constant('guildCreate'), guild: fc.constantFrom(...GUILDS), users: fc.tuple(userFields, userFields, userFields) }),
  fc.record({
    kind: fc.constant('memberUpdate'),
    guild: fc.constantFrom(...GUILDS),
    user: fc.constantFrom(...USERS),
    fields: userFields,
    nick: fc.constantFrom('n1', 'n2', null),
  }),
  fc.record({ kind: fc.constant('chunk'), guild: fc.constantFrom(...GUILDS), user: fc.constantFrom(...USERS), fields: userFields }),
  fc.record({
    kind: fc.constant('presence'),
    guild: fc.constantFrom(...GUILDS),
    user: fc.constantFrom(...USERS),
    partial: fc.subarray(['username', 'avatar', 'global_name']),
    fields: userFields,
  }),
  fc.record({ kind: fc.constant('message'), guild: fc.constantFrom(...GUILDS, undefined), user: fc.constantFrom(...USERS), fields: userFields }),
);
type GeneratedEvent = typeof eventArbitrary extends fc.Arbitrary<infer E> ? E : never;

/** The gateway payload of one generated event; `n` numbers messages. */
function payload(e: GeneratedEvent, n: number): GatewayDispatchPayload {
  switch (e.kind) {
    case 'guildCreate':
      return d('GUILD_CREATE', {
        id: e.guild,
        name: `g${e.guild}`,
        owner_id: '1',
        features: [],
        channels: [{ id: `${e.guild}1`, type: 0, guild_id: e.guild, name: 'general', position: 0, permission_overwrites: [] }],
        threads: [],
        roles: [],
        emojis: [],
        members: USERS.map((id, i) => memberOf(fullUser(id, e.users[i]!), null)),
        presences: [],
        voice_states: [],
      });
    case 'memberUpdate':
      return d('GUILD_MEMBER_UPDATE', { ...memberOf(fullUser(e.user, e.fields), e.nick), guild_id: e.guild });
    case 'chunk':
      return d('GUILD_MEMBERS_CHUNK', { guild_id: e.guild, members: [memberOf(fullUser(e.user, e.fields), null)], chunk_index: 0, chunk_count: 1 });
    case 'presence': {
      const user: Json = { id: e.user };
      for (const f of e.partial) user[f] = (e.fields as Json)[f];
      return d('PRESENCE_UPDATE', { guild_id: e.guild, user, status: 'online', activities: [], client_status: { desktop: 'online' } });
    }
    case 'message': {
      const author = fullUser(e.user, e.fields);
      const base = {
        id: String(800000 + n),
        content: `m${n}`,
        timestamp: '2024-01-01T00:00:00.000Z',
        author,
        attachments: [],
        embeds: [],
        mentions: [],
        mention_roles: [],
        pinned: false,
        tts: false,
        type: 0,
      };
      return e.guild === undefined
        ? d('MESSAGE_CREATE', { ...base, channel_id: DM_CHANNEL })
        : d('MESSAGE_CREATE', {
            ...base,
            channel_id: `${e.guild}1`,
            guild_id: e.guild,
            member: { roles: [], joined_at: '2024-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0, nick: null },
          });
    }
  }
}

/** A MemoryCache whose batches land after a delay that varies per batch (as a remote store's may). */
class JitteryCache extends MemoryCache {
  override readonly honoursAfter = true;
  #n = 0;
  override async apply(batch: readonly Mutation[], options?: ApplyOptions): Promise<ApplyResult | void> {
    const delayMs = [4, 0, 2, 1, 3][this.#n++ % 5]!;
    await options?.after;
    await new Promise((r) => setTimeout(r, delayMs));
    return super.apply(batch, { ...options, after: undefined });
  }
}

const BACKENDS: [string, () => Backend][] = [
  ['MemoryCache', () => new MemoryCache()],
  ['a cache whose batches land out of order', () => new JitteryCache()],
  ['RedisCache', () => new RedisCache(inject('redisUrl'), { prefix: uniquePrefix('order'), sweepIntervalMs: 0, userBuckets: 8 })],
];

/** Feed `events` to a fresh cache, as a burst or one at a time, and return the cache (open). */
async function fed(make: () => Backend, events: readonly GatewayDispatchPayload[], burst: boolean): Promise<Backend> {
  const cache = make();
  await cache.open();
  const logger = recordingLogger();
  const listener = new GatewayListener(cache, {}, { logger });
  for (const event of events) {
    listener.handle(event, 0);
    if (!burst) await listener.idle();
  }
  await listener.idle();
  expect({ stats: listener.stats(), warnings: logger.warnings, errors: logger.errors }).toMatchObject({
    stats: { failed: 0, malformed: 0 },
    warnings: [],
    errors: [],
  });
  return cache;
}

describe('shared entities keep gateway order: any burst equals sequential application', () => {
  for (const [name, make] of BACKENDS) {
    it(`${name} (${RUNS} runs, seed ${SEED})`, { timeout: 120_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(eventArbitrary, { minLength: 1, maxLength: 60 }), async (generated) => {
          // Every guild exists first, so members and messages have somewhere to go.
          const events = [
            ...GUILDS.map((g) =>
              payload(
                {
                  kind: 'guildCreate',
                  guild: g,
                  users: [
                    { username: 'ann', avatar: null, global_name: null },
                    { username: 'bob', avatar: null, global_name: null },
                    { username: 'cy', avatar: null, global_name: null },
                  ],
                },
                0,
              ),
            ),
            ...generated.map((e, n) => payload(e, n)),
          ];
          const burst = await fed(make, events, true);
          const sequential = await fed(make, events, false);
          try {
            const [a, b] = await snapshots([sequential, burst], {
              guilds: new Set(GUILDS),
              users: new Set(USERS),
              channels: new Set([DM_CHANNEL, ...GUILDS.map((g) => `${g}1`)]),
            });
            expect(firstDifferences(a!, b!), 'burst differs from sequential').toEqual([]);
          } finally {
            await Promise.all([burst.close(), sequential.close()]);
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }
});
