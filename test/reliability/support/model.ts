/**
 * Model-based step generation for the differential test: fast-check chooses
 * *what happens* (a kind of step, in which guild, how many times in a row),
 * the simulator's {@link World} decides the details, so every id is coherent
 * (members exist, messages are in the guild's channels, …) and a seed fixes
 * the whole sequence. Besides the event script's steps there are the
 * structural ones the script never takes: snapshots after changes nobody
 * announced, leaving and rejoining, outages, READY, chunks, thread syncs,
 * partial updates of uncached entries, and events the cache ignores.
 */
import fc from 'fast-check';
import { DEFAULT_EVENT_WEIGHTS, EventScript, World, buildName, type GuildState, type ScriptEventKind } from '@sake/simulator';
import type { GatewayDispatchPayload } from './feed.js';

/** Steps the event script does not take; the test builds them from the world. */
export type StructuralKind =
  | 'guildCreate'
  | 'guildCreateAfterAbsence'
  | 'guildLeave'
  | 'guildRejoin'
  | 'guildOutage'
  | 'membersChunk'
  | 'ready'
  | 'userUpdate'
  | 'threadListSync'
  | 'partialMessageUpdate'
  | 'uncachedMemberUpdate'
  | 'reactionOnUncached'
  | 'ignoredEvent';

/** One generated step: a kind, a guild (index into the current guild list), and how often in a row. */
export interface Step {
  readonly kind: ScriptEventKind | StructuralKind;
  readonly guild: number;
  readonly times: number;
}

const STRUCTURAL: readonly StructuralKind[] = [
  'guildCreate',
  'guildCreateAfterAbsence',
  'guildLeave',
  'guildRejoin',
  'guildOutage',
  'membersChunk',
  'ready',
  'userUpdate',
  'threadListSync',
  'partialMessageUpdate',
  'uncachedMemberUpdate',
  'reactionOnUncached',
  'ignoredEvent',
];

/** The arbitrary of one step: script kinds weighted like the default mix (but every kind reachable), structural ones rarer. */
export const stepArbitrary: fc.Arbitrary<Step> = fc.record({
  kind: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...(Object.keys(DEFAULT_EVENT_WEIGHTS) as ScriptEventKind[])) },
    { weight: 2, arbitrary: fc.constantFrom(...STRUCTURAL) },
  ),
  guild: fc.nat(7),
  times: fc.integer({ min: 1, max: 3 }),
});

/** A generated scenario: the world's seed and the steps. */
export interface Scenario {
  readonly worldSeed: number;
  readonly steps: readonly Step[];
}

/** The arbitrary of a whole scenario. */
export const scenarioArbitrary = (maxSteps: number): fc.Arbitrary<Scenario> =>
  fc.record({ worldSeed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), steps: fc.array(stepArbitrary, { minLength: 1, maxLength: maxSteps, size: 'max' }) });

/** A small world, so a sequence of a few dozen steps touches the same entries often (and evicts messages). */
export function smallWorld(seed: number, messagesPerChannel: number): World {
  return new World({
    seed,
    guilds: 3,
    membersPerGuild: [3, 9],
    textChannelsPerGuild: 2,
    voiceChannelsPerGuild: 1,
    rolesPerGuild: 3,
    emojisPerGuild: 2,
    sharedUsers: 3,
    presenceRatio: 0.5,
    voiceRatio: 0.3,
    messagesPerChannel,
  });
}

function dispatch(t: string, d: unknown): GatewayDispatchPayload {
  return { op: 0, t, d: JSON.parse(JSON.stringify(d)) as unknown, s: 0 } as GatewayDispatchPayload;
}

/** One dispatch and the guild it belongs to (undefined for shard-wide events). */
export interface ModelEvent {
  readonly guildId: string | undefined;
  readonly payload: GatewayDispatchPayload;
}

/** Turns steps into dispatches, changing the world as it goes. */
export class ModelDriver {
  readonly world: World;
  readonly #script: EventScript;
  /** Guilds the bot left, kept so it can rejoin them. */
  readonly #left = new Map<string, GuildState>();

  constructor(world: World) {
    this.world = world;
    this.#script = new EventScript(world);
  }

  /** READY and every GUILD_CREATE: how a session starts. */
  start(): ModelEvent[] {
    return [this.#ready(), ...[...this.world.guilds.keys()].map((id) => ({ guildId: id, payload: dispatch('GUILD_CREATE', this.world.guildCreate(id)) }))];
  }

  /** The dispatches of one step (none when its preconditions do not hold). */
  events(step: Step): ModelEvent[] {
    const out: ModelEvent[] = [];
    for (let i = 0; i < step.times; i++) {
      const ids = [...this.world.guilds.keys()];
      if (ids.length === 0 && step.kind !== 'guildRejoin') return out;
      const guildId = ids[step.guild % Math.max(1, ids.length)] as string;
      const event = this.#one(step.kind, guildId);
      if (event) out.push(event);
    }
    return out;
  }

  #ready(): ModelEvent {
    const world = this.world;
    return {
      guildId: undefined,
      payload: dispatch('READY', {
        v: 10,
        user: world.me,
        guilds: [...world.guilds.keys()].map((id) => ({ id, unavailable: true })),
        session_id: 'model',
        resume_gateway_url: 'ws://127.0.0.1:1',
        shard: [0, 1],
        application: { id: world.me.id, flags: 0 },
      }),
    };
  }

  #one(kind: Step['kind'], guildId: string): ModelEvent | undefined {
    const world = this.world;
    const { random, clock } = world;
    const ev = (t: string, d: unknown): ModelEvent => ({ guildId, payload: dispatch(t, d) });
    switch (kind) {
      case 'guildCreate':
        return ev('GUILD_CREATE', world.guildCreate(guildId));
      case 'guildCreateAfterAbsence': {
        // Changes nobody announced (the bot was away): members left, a role and a channel went, a thread appeared.
        const state = world.guild(guildId);
        const removable = [...state.members.keys()].filter((id) => id !== world.me.id && id !== state.guild.owner_id);
        world.removeMembers(guildId, random.sample(removable, random.int(0, removable.length)));
        const roles = [...state.roles.keys()].filter((id) => id !== guildId);
        if (roles.length > 1) {
          const gone = random.pick(roles);
          state.roles.delete(gone);
          for (const m of state.members.values()) m.roles = m.roles.filter((r) => r !== gone);
        }
        const text = world.textChannels(guildId);
        if (text.length > 1 && random.chance(0.5)) world.removeChannel(guildId, random.pick(text).id);
        const parents = world.textChannels(guildId);
        if (parents.length > 0) world.addThread(guildId, random.pick(parents).id, world.me.id);
        return ev('GUILD_CREATE', world.guildCreate(guildId));
      }
      case 'guildLeave': {
        if (world.guilds.size <= 1) return undefined;
        const state = world.guild(guildId);
        world.removeGuild(guildId);
        // A rejoin sees what Discord has then: no invites, no voice (the stale ones must not come back).
        state.invites.clear();
        state.voiceStates.clear();
        this.#left.set(guildId, state);
        return ev('GUILD_DELETE', { id: guildId });
      }
      case 'guildRejoin': {
        const first = [...this.#left.keys()][0];
        if (first === undefined) return undefined;
        world.guilds.set(first, this.#left.get(first)!);
        this.#left.delete(first);
        return { guildId: first, payload: dispatch('GUILD_CREATE', world.guildCreate(first)) };
      }
      case 'guildOutage':
        return ev('GUILD_DELETE', { id: guildId, unavailable: true });
      case 'membersChunk': {
        const state = world.guild(guildId);
        const ids = random.sample([...state.members.keys()], random.int(1, state.members.size));
        const withPresences = random.chance(0.5);
        return ev('GUILD_MEMBERS_CHUNK', {
          guild_id: guildId,
          members: ids.map((id) => {
            const { guild_id: _g, ...m } = world.memberPayload(guildId, id);
            return m;
          }),
          chunk_index: 0,
          chunk_count: 1,
          ...(withPresences ? { presences: ids.flatMap((id) => state.presences.get(id) ?? []).map(({ guild_id: _g, ...p }) => p) } : {}),
        });
      }
      case 'ready':
        return this.#ready();
      case 'userUpdate':
        world.me.username = buildName(random);
        return { guildId: undefined, payload: dispatch('USER_UPDATE', world.me) };
      case 'threadListSync': {
        const state = world.guild(guildId);
        const threads = [...state.threads.values()];
        // Sometimes a thread vanished without a THREAD_DELETE (archived while away): the sync drops it.
        if (threads.length > 0 && random.chance(0.5)) world.removeChannel(guildId, random.pick(threads).id);
        return ev('THREAD_LIST_SYNC', { guild_id: guildId, threads: [...state.threads.values()], members: [] });
      }
      case 'partialMessageUpdate': {
        // An embed-only update: just ids and the changed field; of a cached message or of one the cache never saw.
        const message = random.chance(0.7) ? world.pickGuildMessage(guildId) : undefined;
        const channel = world.textChannels(guildId)[0];
        if (!message && !channel) return undefined;
        const embeds = [{ type: 'rich', title: random.word(5) }];
        if (message) (message as { embeds: unknown[] }).embeds = embeds;
        return ev('MESSAGE_UPDATE', { id: message?.id ?? clock.next(), channel_id: message?.channel_id ?? channel!.id, guild_id: guildId, embeds });
      }
      case 'uncachedMemberUpdate': {
        // A member the cache never saw (joined while no chunk covered it): the update creates it.
        const member = world.addMember(guildId, undefined, 0);
        const full = world.memberPayload(guildId, member.userId);
        const { guild_id: _g, ...rest } = full;
        return ev('GUILD_MEMBER_UPDATE', { ...rest, guild_id: guildId });
      }
      case 'reactionOnUncached': {
        const state = world.guild(guildId);
        const userId = random.pick([...state.members.keys()]);
        const channel = world.textChannels(guildId)[0];
        if (!channel) return undefined;
        return ev('MESSAGE_REACTION_ADD', {
          user_id: userId,
          channel_id: channel.id,
          message_id: clock.next(),
          guild_id: guildId,
          member: world.memberPayload(guildId, userId),
          emoji: { id: null, name: '🍣' },
          burst: false,
          type: 0,
        });
      }
      case 'ignoredEvent':
        return ev('TYPING_START', { channel_id: world.textChannels(guildId)[0]?.id ?? guildId, guild_id: guildId, user_id: world.me.id, timestamp: 1 });
      default:
        return this.#script.step(kind, guildId);
    }
  }
}
