/**
 * A simulated Discord "truth": guilds with their children, users and
 * messages. The fake gateway serves GUILD_CREATE and member chunks from it,
 * the event script changes it while emitting the matching dispatches, and
 * tests compare a cache against it.
 */
import {
  ChannelType,
  type APIGuildMember,
  type APIMessage,
  type APIUser,
  type APIVoiceState,
  type GatewayGuildCreateDispatchData,
  type GatewayInviteCreateDispatchData,
  type GatewayPresenceUpdate,
  type APIEmoji,
  type APIRole,
  type APIChannel,
} from 'discord-api-types/v10';
import { Random, SnowflakeClock } from '../random.js';
import {
  buildChannel,
  buildEmoji,
  buildGuildBase,
  buildMember,
  buildPresence,
  buildRole,
  buildThread,
  buildUser,
  buildVoiceState,
  type GuildBase,
  type SimChannel,
  type SimMember,
  type SimThread,
} from './builders.js';

/** Everything the world knows about one guild. */
export interface GuildState {
  guild: GuildBase;
  joinedAt: string;
  channels: Map<string, SimChannel>;
  threads: Map<string, SimThread>;
  roles: Map<string, APIRole>;
  emojis: Map<string, APIEmoji & { id: string }>;
  members: Map<string, SimMember>;
  presences: Map<string, GatewayPresenceUpdate>;
  voiceStates: Map<string, APIVoiceState & { guild_id: string }>;
  invites: Map<string, GatewayInviteCreateDispatchData>;
}

/** How big a generated world is. */
export interface WorldOptions {
  /** Seed of every random choice (same seed → same world). Default 1. */
  seed?: number;
  /** Number of guilds. Default 3. */
  guilds?: number;
  /** Members per guild (a number, or [min, max]). Default [20, 60]. */
  membersPerGuild?: number | readonly [number, number];
  /** Text channels per guild. Default 4. */
  textChannelsPerGuild?: number;
  /** Voice channels per guild. Default 2. */
  voiceChannelsPerGuild?: number;
  /** Roles per guild besides @everyone. Default 8. */
  rolesPerGuild?: number;
  /** Emojis per guild. Default 5. */
  emojisPerGuild?: number;
  /** Share of members with a presence. Default 0.6. */
  presenceRatio?: number;
  /** Share of members in a voice channel. Default 0.1. */
  voiceRatio?: number;
  /** Number of users shared between guilds (so a user is a member of several). Default 5. */
  sharedUsers?: number;
  /**
   * Messages remembered per channel: beyond it the oldest (smallest id) is
   * forgotten when a new one arrives, exactly as a cache with the same
   * per-channel limit evicts, so long streams stay bounded and the world is
   * what such a cache should hold. Default 100 (the listener's default rule).
   */
  messagesPerChannel?: number;
}

/** A seeded simulated Discord. */
export class World {
  /** The world's randomness (the event script draws from it too, so a seed fixes everything). */
  readonly random: Random;
  /** The simulated clock that hands out snowflakes and timestamps. */
  readonly clock: SnowflakeClock;
  /** The bot's own user. */
  readonly me: APIUser;
  /** Every user, by id. */
  readonly users = new Map<string, APIUser>();
  /** Every guild the bot is in, by id. */
  readonly guilds = new Map<string, GuildState>();
  /** The remembered messages, by id (deleted and forgotten ones removed). */
  readonly messages = new Map<string, APIMessage & { guild_id?: string }>();
  /** Messages remembered per channel (see {@link WorldOptions.messagesPerChannel}). */
  readonly messagesPerChannel: number;
  /** Remembered message ids per channel, oldest first. */
  readonly #channelMessages = new Map<string, string[]>();

  constructor(options: WorldOptions = {}) {
    this.messagesPerChannel = options.messagesPerChannel ?? 100;
    this.random = new Random(options.seed ?? 1);
    this.clock = new SnowflakeClock(this.random);
    this.me = buildUser(this.random, this.clock, true);
    this.users.set(this.me.id, this.me);
    const shared = Array.from({ length: options.sharedUsers ?? 5 }, () => this.#newUser());
    for (let i = 0; i < (options.guilds ?? 3); i++) this.#newGuild(options, shared);
  }

  #newUser(): APIUser {
    const user = buildUser(this.random, this.clock);
    this.users.set(user.id, user);
    return user;
  }

  #newGuild(options: WorldOptions, shared: readonly APIUser[]): GuildState {
    const { random, clock } = this;
    const range = options.membersPerGuild ?? [20, 60];
    const memberCount = typeof range === 'number' ? range : random.int(range[0], range[1]);
    const owner = random.chance(0.5) && shared.length > 0 ? random.pick(shared) : this.#newUser();
    const guild = buildGuildBase(random, clock, owner.id);
    const state: GuildState = {
      guild,
      joinedAt: clock.iso(-random.int(0, 1e10)),
      channels: new Map(),
      threads: new Map(),
      roles: new Map(),
      emojis: new Map(),
      members: new Map(),
      presences: new Map(),
      voiceStates: new Map(),
      invites: new Map(),
    };
    this.guilds.set(guild.id, state);
    state.roles.set(guild.id, buildRole(random, clock, 0, guild.id));
    for (let i = 1; i <= (options.rolesPerGuild ?? 8); i++) {
      const role = buildRole(random, clock, i);
      state.roles.set(role.id, role);
    }
    const category = buildChannel(random, clock, guild.id, ChannelType.GuildCategory, 0, null);
    state.channels.set(category.id, category);
    for (let i = 0; i < (options.textChannelsPerGuild ?? 4); i++) this.addChannel(guild.id, ChannelType.GuildText, category.id);
    for (let i = 0; i < (options.voiceChannelsPerGuild ?? 2); i++) this.addChannel(guild.id, ChannelType.GuildVoice, category.id);
    guild.system_channel_id = [...state.channels.values()].find((c) => c.type === ChannelType.GuildText)?.id ?? null;
    for (let i = 0; i < (options.emojisPerGuild ?? 5); i++) {
      const emoji = buildEmoji(random, clock);
      state.emojis.set(emoji.id, emoji);
    }
    const people = new Set<APIUser>([this.me, owner, ...random.sample(shared, random.int(0, shared.length))]);
    while (people.size < memberCount) people.add(this.#newUser());
    for (const user of people) this.addMember(guild.id, user, options.presenceRatio ?? 0.6);
    const voiceChannels = [...state.channels.values()].filter((c) => c.type === ChannelType.GuildVoice);
    for (const memberId of state.members.keys()) {
      if (voiceChannels.length > 0 && random.chance(options.voiceRatio ?? 0.1)) {
        state.voiceStates.set(memberId, buildVoiceState(random, guild.id, random.pick(voiceChannels).id, memberId));
      }
    }
    const text = this.textChannels(guild.id);
    if (text.length > 0 && random.chance(0.7)) this.addThread(guild.id, random.pick(text).id, owner.id);
    return state;
  }

  /** The state of a guild; throws a `RangeError` naming the id when the world has no such guild. */
  guild(guildId: string): GuildState {
    const state = this.guilds.get(guildId);
    if (!state) throw new RangeError(`the simulated world has no guild ${guildId}`);
    return state;
  }

  /** The text channels of a guild. */
  textChannels(guildId: string): SimChannel[] {
    return [...this.guild(guildId).channels.values()].filter((c) => c.type === ChannelType.GuildText);
  }

  /** The voice channels of a guild. */
  voiceChannels(guildId: string): SimChannel[] {
    return [...this.guild(guildId).channels.values()].filter((c) => c.type === ChannelType.GuildVoice);
  }

  /** Create a channel in a guild. */
  addChannel(guildId: string, type: SimChannel['type'], parentId: string | null): SimChannel {
    const state = this.guild(guildId);
    const channel = buildChannel(this.random, this.clock, guildId, type, state.channels.size, parentId);
    state.channels.set(channel.id, channel);
    return channel;
  }

  /** Create a thread under a text channel. */
  addThread(guildId: string, parentId: string, ownerId: string): SimThread {
    const thread = buildThread(this.random, this.clock, guildId, parentId, ownerId);
    this.guild(guildId).threads.set(thread.id, thread);
    return thread;
  }

  /** Add `user` (or a new user) to a guild, with a presence with probability `presenceRatio`. */
  addMember(guildId: string, user: APIUser = this.#newUser(), presenceRatio = 0.6): SimMember {
    const state = this.guild(guildId);
    this.users.set(user.id, user);
    const roleIds = [...state.roles.keys()].filter((id) => id !== guildId);
    const member = buildMember(this.random, this.clock, user.id, roleIds);
    state.members.set(user.id, member);
    if (this.random.chance(presenceRatio)) state.presences.set(user.id, buildPresence(this.random, this.clock, guildId, user.id));
    return member;
  }

  /** Remove members from a guild (with their presences and voice states), as if they left. */
  removeMembers(guildId: string, userIds: readonly string[]): void {
    const state = this.guild(guildId);
    for (const id of userIds) {
      state.members.delete(id);
      state.presences.delete(id);
      state.voiceStates.delete(id);
    }
  }

  /** Remember a new message (forgetting its channel's oldest beyond {@link messagesPerChannel}). */
  addMessage(message: APIMessage & { guild_id?: string }): void {
    this.messages.set(message.id, message);
    const ids = this.#channelMessages.get(message.channel_id) ?? [];
    ids.push(message.id);
    this.#channelMessages.set(message.channel_id, ids);
    while (ids.length > this.messagesPerChannel) this.messages.delete(ids.shift() as string);
  }

  /** Forget a message (deleted). */
  deleteMessage(messageId: string): void {
    const message = this.messages.get(messageId);
    if (!message) return;
    this.messages.delete(messageId);
    const ids = this.#channelMessages.get(message.channel_id);
    const index = ids?.indexOf(messageId) ?? -1;
    if (ids && index >= 0) ids.splice(index, 1);
  }

  /** The remembered messages of a channel, oldest first. */
  channelMessages(channelId: string): (APIMessage & { guild_id?: string })[] {
    return (this.#channelMessages.get(channelId) ?? []).map((id) => this.messages.get(id)).filter((m) => m !== undefined);
  }

  /** A random remembered message of a guild (uniform over its channels that have messages, then over the channel's). */
  pickGuildMessage(guildId: string): (APIMessage & { guild_id?: string }) | undefined {
    const state = this.guild(guildId);
    const channels = [...state.channels.keys(), ...state.threads.keys()].filter((id) => (this.#channelMessages.get(id)?.length ?? 0) > 0);
    if (channels.length === 0) return undefined;
    const ids = this.#channelMessages.get(this.random.pick(channels))!;
    return this.messages.get(this.random.pick(ids));
  }

  /** The remembered messages of a guild (its channels and threads). */
  guildMessages(guildId: string): (APIMessage & { guild_id?: string })[] {
    const state = this.guild(guildId);
    return [...state.channels.keys(), ...state.threads.keys()].flatMap((id) => this.channelMessages(id));
  }

  /** Remove a channel or thread with everything under it (threads, messages, invites, voice states). */
  removeChannel(guildId: string, channelId: string): void {
    const state = this.guild(guildId);
    const gone = new Set([channelId, ...[...state.threads.values()].filter((t) => t.parent_id === channelId).map((t) => t.id)]);
    for (const id of gone) {
      state.channels.delete(id);
      state.threads.delete(id);
    }
    for (const id of gone) {
      for (const messageId of this.#channelMessages.get(id) ?? []) this.messages.delete(messageId);
      this.#channelMessages.delete(id);
    }
    for (const [code, invite] of state.invites) if (gone.has(invite.channel_id)) state.invites.delete(code);
    for (const [userId, voice] of state.voiceStates) if (voice.channel_id && gone.has(voice.channel_id)) state.voiceStates.delete(userId);
  }

  /** Remove a guild and its messages from the world (the bot left it). */
  removeGuild(guildId: string): void {
    const state = this.guild(guildId);
    for (const id of [...state.channels.keys(), ...state.threads.keys()]) {
      for (const messageId of this.#channelMessages.get(id) ?? []) this.messages.delete(messageId);
      this.#channelMessages.delete(id);
    }
    this.guilds.delete(guildId);
  }

  /** A member joined with its user, as the gateway sends it (with `guild_id`). */
  memberPayload(guildId: string, userId: string): APIGuildMember & { guild_id: string; user: APIUser } {
    const member = this.guild(guildId).members.get(userId);
    const user = this.users.get(userId);
    if (!member || !user) throw new RangeError(`the simulated guild ${guildId} has no member ${userId}`);
    const { userId: _omit, ...rest } = member;
    return { ...rest, user, guild_id: guildId };
  }

  /** The GUILD_CREATE payload of a guild as it is now. */
  guildCreate(guildId: string): GatewayGuildCreateDispatchData {
    const state = this.guild(guildId);
    const members = [...state.members.keys()].map((id) => {
      const { guild_id: _omit, ...member } = this.memberPayload(guildId, id);
      return member;
    });
    return {
      ...state.guild,
      roles: [...state.roles.values()],
      emojis: [...state.emojis.values()],
      joined_at: state.joinedAt,
      large: members.length > 250,
      unavailable: false,
      member_count: members.length,
      voice_states: [...state.voiceStates.values()].map(({ guild_id: _omit, ...voice }) => voice),
      members,
      channels: [...state.channels.values()] as GatewayGuildCreateDispatchData['channels'],
      threads: [...state.threads.values()],
      presences: [...state.presences.values()],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  /** Every channel and thread of a guild, as `APIChannel`s. */
  allChannels(guildId: string): APIChannel[] {
    const state = this.guild(guildId);
    return [...state.channels.values(), ...state.threads.values()] as unknown as APIChannel[];
  }
}
