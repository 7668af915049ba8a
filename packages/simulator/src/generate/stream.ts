/**
 * A scripted, seeded stream of gateway dispatches. Each step changes the
 * {@link World} the way Discord would and returns the dispatch Discord would
 * send for it, so after any number of steps the world is the truth a cache
 * fed with those dispatches should match.
 */
import {
  ChannelType,
  GatewayDispatchEvents,
  GatewayOpcodes,
  ReactionType,
  type APIEmoji,
  type APIGuildMember,
  type APIReaction,
  type GatewayDispatchPayload,
} from 'discord-api-types/v10';
import { buildEmoji, buildInvite, buildMessage, buildName, buildPresence, buildRole, buildVoiceState } from './builders.js';
import { DEFAULT_EVENT_WEIGHTS, type ScriptEvent, type ScriptEventKind } from './event-kinds.js';
import type { World } from './world.js';

type DispatchData<T extends GatewayDispatchPayload['t']> = Extract<GatewayDispatchPayload, { t: T }>['d'];

/** A dispatch carrying a snapshot of `d`: the world keeps changing the objects it was built from. */
function dispatch<T extends GatewayDispatchPayload['t']>(t: T, d: DispatchData<T>): GatewayDispatchPayload {
  // A JSON round trip: what the gateway would deliver, and faster than structuredClone for plain data.
  return { op: GatewayOpcodes.Dispatch, t, d: JSON.parse(JSON.stringify(d)) as unknown, s: 0 } as GatewayDispatchPayload;
}

const UNICODE_EMOJIS = ['👍', '🍣', '🎉', '❤️', '😂'];

/** The key that identifies one reaction on a message (custom emoji id, or the unicode name). */
function emojiKey(emoji: Pick<APIEmoji, 'id' | 'name'>): string {
  return emoji.id ?? emoji.name ?? '';
}

/** Options of an {@link EventScript}. */
export interface EventScriptOptions {
  /**
   * Whether steps may change users (a presence carrying a new username, a
   * member update with a new avatar). Default true. Turn it off when several
   * processes apply a guild's events each: a user shared by guilds of
   * different processes could otherwise end with whichever change was written
   * last, which is not a well-defined state to compare against.
   */
  userChanges?: boolean;
}

/** Draws in a row that find no possible step before {@link EventScript.next} gives up (a mixed stream needs a handful). */
const MAX_REDRAWS = 10_000;

/** Generates scripted dispatches from a world, changing it as it goes. */
export class EventScript {
  readonly #world: World;
  readonly #weights: Readonly<Record<ScriptEventKind, number>>;
  /** Who reacted with what: message id → emoji key → user ids (so removals are always valid). */
  readonly #reactors = new Map<string, Map<string, Set<string>>>();
  readonly #userChanges: boolean;

  constructor(world: World, weights: Partial<Record<ScriptEventKind, number>> = {}, options: EventScriptOptions = {}) {
    this.#world = world;
    this.#weights = { ...DEFAULT_EVENT_WEIGHTS, ...weights };
    this.#userChanges = options.userChanges ?? true;
  }

  /** The next `count` events. */
  take(count: number): ScriptEvent[] {
    const out: ScriptEvent[] = [];
    while (out.length < count) out.push(this.next());
    return out;
  }

  /**
   * The next event (a step whose preconditions do not hold, e.g. no message to edit, is redrawn).
   * Throws a `RangeError` when {@link MAX_REDRAWS} draws in a row find no possible step: weights that
   * only allow steps the world has run out of (member removals once every member is gone) would
   * otherwise redraw forever.
   */
  next(): ScriptEvent {
    for (let draw = 0; draw < MAX_REDRAWS; draw++) {
      const kind = this.#world.random.weighted(this.#weights);
      const guildId = this.#world.random.pick([...this.#world.guilds.keys()]);
      const event = this.step(kind, guildId);
      if (event) return event;
    }
    const kinds = Object.entries(this.#weights)
      .filter(([, w]) => w > 0)
      .map(([k]) => k);
    throw new RangeError(`EventScript: no step of ${kinds.join(', ')} was possible in ${MAX_REDRAWS} draws in a row`);
  }

  /**
   * Take one step of the given kind in a given guild (a model-based test
   * chooses the steps itself). Returns `undefined`, changing nothing the
   * cache could see, when the step's preconditions do not hold (no message to
   * edit, no removable member, …); throws a `RangeError` for an unknown guild.
   */
  step(kind: ScriptEventKind, guildId: string): ScriptEvent | undefined {
    // Forget the reactors of messages the world no longer remembers (deleted or evicted), so a long stream stays bounded.
    if (this.#reactors.size > 2 * this.#world.messages.size + 100) {
      for (const id of this.#reactors.keys()) if (!this.#world.messages.has(id)) this.#reactors.delete(id);
    }
    const payload = this.#step(kind, guildId);
    return payload ? { kind, guildId, payload } : undefined;
  }

  #step(kind: ScriptEventKind, guildId: string): GatewayDispatchPayload | undefined {
    const world = this.#world;
    const { random, clock } = world;
    const state = world.guild(guildId);
    clock.tick(2_000);
    const memberIds = [...state.members.keys()];
    // Only the cases that use it pay for collecting a guild's messages.
    const guildMessages = kind === 'reactionRemove' || kind === 'reactionRemoveAll' || kind === 'reactionRemoveEmoji' ? world.guildMessages(guildId) : [];
    const textLike = [...world.textChannels(guildId), ...state.threads.values()];
    const gatewayMember = (userId: string): Omit<APIGuildMember, 'user'> => {
      const { user: _omit, guild_id: _g, ...member } = world.memberPayload(guildId, userId);
      return member;
    };

    switch (kind) {
      case 'messageCreate': {
        if (textLike.length === 0) return undefined;
        const channel = random.pick(textLike);
        const authorId = random.pick(memberIds);
        const author = world.users.get(authorId)!;
        const mentionable = random.sample(memberIds, 5).map((id) => world.users.get(id)!);
        const message = buildMessage(random, clock, channel.id, guildId, author, mentionable);
        world.addMessage(message);
        return dispatch(GatewayDispatchEvents.MessageCreate, { ...message, guild_id: guildId, member: gatewayMember(authorId), mentions: message.mentions });
      }
      case 'messageUpdate': {
        const message = world.pickGuildMessage(guildId);
        if (!message || !state.members.has(message.author.id)) return undefined;
        message.content = `${message.content} (edited ${random.word(4)})`;
        message.edited_timestamp = clock.iso();
        return dispatch(GatewayDispatchEvents.MessageUpdate, { ...message, guild_id: guildId, member: gatewayMember(message.author.id) });
      }
      case 'messageDelete': {
        const message = world.pickGuildMessage(guildId);
        if (!message) return undefined;
        world.deleteMessage(message.id);
        return dispatch(GatewayDispatchEvents.MessageDelete, { id: message.id, channel_id: message.channel_id, guild_id: guildId });
      }
      case 'messageDeleteBulk': {
        const first = world.pickGuildMessage(guildId);
        if (!first) return undefined;
        const ids = random.sample(
          world.channelMessages(first.channel_id).map((m) => m.id),
          3,
        );
        for (const id of ids) world.deleteMessage(id);
        return dispatch(GatewayDispatchEvents.MessageDeleteBulk, { ids, channel_id: first.channel_id, guild_id: guildId });
      }
      case 'reactionAdd': {
        const message = world.pickGuildMessage(guildId);
        if (!message) return undefined;
        const userId = random.pick(memberIds);
        const custom = random.chance(0.3) && state.emojis.size > 0 ? random.pick([...state.emojis.values()]) : undefined;
        const emoji: APIEmoji = custom
          ? { id: custom.id, name: custom.name, animated: custom.animated ?? false }
          : { id: null, name: random.pick(UNICODE_EMOJIS) };
        const byEmoji = this.#reactors.get(message.id) ?? new Map<string, Set<string>>();
        const users = byEmoji.get(emojiKey(emoji)) ?? new Set<string>();
        if (users.has(userId)) return undefined;
        users.add(userId);
        byEmoji.set(emojiKey(emoji), users);
        this.#reactors.set(message.id, byEmoji);
        const reactions = message.reactions ?? [];
        const existing = reactions.find((r) => emojiKey(r.emoji) === emojiKey(emoji));
        if (existing) {
          existing.count += 1;
          existing.count_details.normal += 1;
          existing.me ||= userId === world.me.id;
        } else {
          const reaction: APIReaction = {
            count: 1,
            count_details: { burst: 0, normal: 1 },
            me: userId === world.me.id,
            me_burst: false,
            emoji,
            burst_colors: [],
          };
          reactions.push(reaction);
        }
        message.reactions = reactions;
        return dispatch(GatewayDispatchEvents.MessageReactionAdd, {
          user_id: userId,
          channel_id: message.channel_id,
          message_id: message.id,
          guild_id: guildId,
          member: world.memberPayload(guildId, userId),
          emoji,
          burst: false,
          type: ReactionType.Normal,
          message_author_id: message.author.id,
          burst_colors: [],
        });
      }
      case 'reactionRemove': {
        const candidates = guildMessages.filter((m) => (m.reactions?.length ?? 0) > 0);
        const message = candidates.length > 0 ? random.pick(candidates) : undefined;
        if (!message?.reactions) return undefined;
        const reaction = random.pick(message.reactions);
        const users = this.#reactors.get(message.id)?.get(emojiKey(reaction.emoji));
        if (!users || users.size === 0) return undefined;
        const userId = random.pick([...users]);
        users.delete(userId);
        reaction.count -= 1;
        reaction.count_details.normal -= 1;
        if (userId === world.me.id) reaction.me = false;
        if (reaction.count === 0) message.reactions = message.reactions.filter((r) => r !== reaction);
        return dispatch(GatewayDispatchEvents.MessageReactionRemove, {
          user_id: userId,
          channel_id: message.channel_id,
          message_id: message.id,
          guild_id: guildId,
          emoji: reaction.emoji,
          burst: false,
          type: ReactionType.Normal,
        });
      }
      case 'reactionRemoveAll': {
        const candidates = guildMessages.filter((m) => (m.reactions?.length ?? 0) > 0);
        const message = candidates.length > 0 ? random.pick(candidates) : undefined;
        if (!message) return undefined;
        message.reactions = [];
        this.#reactors.delete(message.id);
        return dispatch(GatewayDispatchEvents.MessageReactionRemoveAll, { channel_id: message.channel_id, message_id: message.id, guild_id: guildId });
      }
      case 'reactionRemoveEmoji': {
        const candidates = guildMessages.filter((m) => (m.reactions?.length ?? 0) > 0);
        const message = candidates.length > 0 ? random.pick(candidates) : undefined;
        if (!message?.reactions) return undefined;
        const reaction = random.pick(message.reactions);
        message.reactions = message.reactions.filter((r) => r !== reaction);
        this.#reactors.get(message.id)?.delete(emojiKey(reaction.emoji));
        return dispatch(GatewayDispatchEvents.MessageReactionRemoveEmoji, {
          channel_id: message.channel_id,
          message_id: message.id,
          guild_id: guildId,
          emoji: reaction.emoji,
        });
      }
      case 'presenceUpdate': {
        const userId = random.pick(memberIds);
        const presence = buildPresence(random, clock, guildId, userId);
        state.presences.set(userId, presence);
        const user = world.users.get(userId)!;
        if (random.chance(0.1) && this.#userChanges) {
          // A presence may carry changed user fields; the cache merges them into the user.
          user.username = buildName(random);
          return dispatch(GatewayDispatchEvents.PresenceUpdate, { ...presence, user: { id: userId, username: user.username } });
        }
        return dispatch(GatewayDispatchEvents.PresenceUpdate, presence);
      }
      case 'memberAdd': {
        const member = world.addMember(guildId, undefined, 0);
        return dispatch(GatewayDispatchEvents.GuildMemberAdd, world.memberPayload(guildId, member.userId));
      }
      case 'memberUpdate': {
        const userId = random.pick(memberIds);
        const member = state.members.get(userId)!;
        const roleIds = [...state.roles.keys()].filter((id) => id !== guildId);
        member.nick = random.chance(0.5) ? buildName(random) : null;
        member.roles = random.sample(roleIds, random.int(0, Math.min(10, roleIds.length)));
        const user = world.users.get(userId)!;
        if (random.chance(0.3) && this.#userChanges) user.avatar = random.hex(32);
        const full = world.memberPayload(guildId, userId);
        return dispatch(GatewayDispatchEvents.GuildMemberUpdate, {
          guild_id: guildId,
          roles: full.roles,
          user,
          nick: full.nick ?? null,
          avatar: full.avatar ?? null,
          banner: full.banner ?? null,
          joined_at: full.joined_at,
          premium_since: full.premium_since ?? null,
          deaf: full.deaf,
          mute: full.mute,
          pending: full.pending ?? false,
          communication_disabled_until: full.communication_disabled_until ?? null,
          flags: full.flags,
        });
      }
      case 'memberRemove': {
        const removable = memberIds.filter((id) => id !== world.me.id && id !== state.guild.owner_id);
        if (removable.length === 0) return undefined;
        const userId = random.pick(removable);
        world.removeMembers(guildId, [userId]);
        return dispatch(GatewayDispatchEvents.GuildMemberRemove, { guild_id: guildId, user: world.users.get(userId)! });
      }
      case 'voiceStateUpdate': {
        const voiceChannels = world.voiceChannels(guildId);
        if (voiceChannels.length === 0) return undefined;
        const userId = random.pick(memberIds);
        const current = state.voiceStates.get(userId);
        if (current && random.chance(0.5)) {
          state.voiceStates.delete(userId);
          return dispatch(GatewayDispatchEvents.VoiceStateUpdate, { ...current, channel_id: null, member: world.memberPayload(guildId, userId) });
        }
        const voice = buildVoiceState(random, guildId, random.pick(voiceChannels).id, userId);
        state.voiceStates.set(userId, voice);
        return dispatch(GatewayDispatchEvents.VoiceStateUpdate, { ...voice, member: world.memberPayload(guildId, userId) });
      }
      case 'inviteCreate': {
        const text = world.textChannels(guildId);
        if (text.length === 0) return undefined;
        const inviter = world.users.get(random.pick(memberIds))!;
        const invite = buildInvite(random, clock, guildId, random.pick(text).id, inviter, random.pick([0, 3600, 86_400]));
        state.invites.set(invite.code, invite);
        return dispatch(GatewayDispatchEvents.InviteCreate, invite);
      }
      case 'inviteDelete': {
        const invites = [...state.invites.values()];
        const invite = invites.length > 0 ? random.pick(invites) : undefined;
        if (!invite) return undefined;
        state.invites.delete(invite.code);
        return dispatch(GatewayDispatchEvents.InviteDelete, { channel_id: invite.channel_id, guild_id: guildId, code: invite.code });
      }
      case 'channelCreate': {
        const channel = world.addChannel(guildId, random.chance(0.7) ? ChannelType.GuildText : ChannelType.GuildVoice, null);
        return dispatch(GatewayDispatchEvents.ChannelCreate, { ...channel } as unknown as DispatchData<GatewayDispatchEvents.ChannelCreate>);
      }
      case 'channelUpdate': {
        const channels = [...state.channels.values()];
        const channel = random.pick(channels);
        channel.name = `${random.word(4)}-${random.word(5)}`;
        return dispatch(GatewayDispatchEvents.ChannelUpdate, { ...channel } as unknown as DispatchData<GatewayDispatchEvents.ChannelUpdate>);
      }
      case 'channelDelete': {
        const text = world.textChannels(guildId);
        if (text.length <= 2) return undefined;
        const channel = random.pick(text);
        world.removeChannel(guildId, channel.id);
        return dispatch(GatewayDispatchEvents.ChannelDelete, { ...channel } as unknown as DispatchData<GatewayDispatchEvents.ChannelDelete>);
      }
      case 'threadCreate': {
        const text = world.textChannels(guildId);
        if (text.length === 0) return undefined;
        const thread = world.addThread(guildId, random.pick(text).id, random.pick(memberIds));
        return dispatch(GatewayDispatchEvents.ThreadCreate, { ...thread, newly_created: true } as unknown as DispatchData<GatewayDispatchEvents.ThreadCreate>);
      }
      case 'roleCreate': {
        const role = buildRole(random, clock, state.roles.size);
        state.roles.set(role.id, role);
        return dispatch(GatewayDispatchEvents.GuildRoleCreate, { guild_id: guildId, role });
      }
      case 'roleUpdate': {
        const roles = [...state.roles.values()].filter((r) => r.id !== guildId);
        const role = roles.length > 0 ? random.pick(roles) : undefined;
        if (!role) return undefined;
        role.name = `${random.word(5)}-role`;
        role.color = random.int(0, 0xffffff);
        role.colors = { primary_color: role.color, secondary_color: null, tertiary_color: null };
        return dispatch(GatewayDispatchEvents.GuildRoleUpdate, { guild_id: guildId, role: { ...role } });
      }
      case 'roleDelete': {
        const roles = [...state.roles.values()].filter((r) => r.id !== guildId);
        if (roles.length <= 2) return undefined;
        const role = random.pick(roles);
        state.roles.delete(role.id);
        // Discord drops the role from its members without sending GUILD_MEMBER_UPDATEs.
        for (const member of state.members.values()) member.roles = member.roles.filter((id) => id !== role.id);
        return dispatch(GatewayDispatchEvents.GuildRoleDelete, { guild_id: guildId, role_id: role.id });
      }
      case 'emojisUpdate': {
        const emojis = [...state.emojis.values()];
        if (emojis.length > 2 && random.chance(0.5)) state.emojis.delete(random.pick(emojis).id);
        else {
          const emoji = buildEmoji(random, clock);
          state.emojis.set(emoji.id, emoji);
        }
        return dispatch(GatewayDispatchEvents.GuildEmojisUpdate, { guild_id: guildId, emojis: [...state.emojis.values()] });
      }
      case 'guildUpdate': {
        state.guild.name = `${random.word(6)} ${random.word(4)}`;
        state.guild.description = random.chance(0.5) ? `now about ${random.word(6)}` : null;
        return dispatch(GatewayDispatchEvents.GuildUpdate, {
          ...state.guild,
          roles: [...state.roles.values()],
          emojis: [...state.emojis.values()],
        });
      }
      case 'pinsUpdate': {
        const text = world.textChannels(guildId);
        if (text.length === 0) return undefined;
        const channel = random.pick(text);
        channel.last_pin_timestamp = clock.iso();
        return dispatch(GatewayDispatchEvents.ChannelPinsUpdate, { guild_id: guildId, channel_id: channel.id, last_pin_timestamp: channel.last_pin_timestamp });
      }
    }
  }
}
