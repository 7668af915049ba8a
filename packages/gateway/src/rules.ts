/**
 * Rules: what the listener caches (hikari-persist's "rules"). The defaults
 * cache everything the intents deliver.
 */
import type { Mutation, ResourceName, Snowflake } from '@sake/abc';

/**
 * Which members are cached.
 * - `all`: every member the gateway delivers (GUILD_CREATE replaces a guild's members, chunks add to them).
 * - `seen`: only members seen acting (messages, voice, joins, updates) and chunks asked for with
 *   `requestMembers`; GUILD_CREATE adds its members but never removes cached ones.
 * - `none`: no members (nor their users through them).
 */
export type MemberPolicy = 'all' | 'seen' | 'none';

/** Message caching: at most `perChannel` messages per channel (newest ids kept), each for at most `ttlMs`. */
export interface MessageRule {
  /** Messages kept per channel (older ids are evicted). Default 100. */
  perChannel: number;
  /** Drop a message this long after it was cached. Default: no expiry. */
  ttlMs?: number;
}

/** What the listener caches. Every field is optional; see {@link DEFAULT_RULES}. */
export interface CacheRules {
  /** Cache guilds. Default true. */
  guilds?: boolean;
  /**
   * Cache guild channels and threads. Default true. Without them the backend can't tell which
   * channels a GUILD_CREATE no longer lists, so their messages, invites and voice states stay
   * (CHANNEL_DELETE and THREAD_DELETE still clear them).
   */
  channels?: boolean;
  /** Cache roles. Default true. */
  roles?: boolean;
  /** Cache custom emojis. Default true. */
  emojis?: boolean;
  /** Member policy. Default `all`. */
  members?: MemberPolicy;
  /** Cache presences. Default true. */
  presences?: boolean;
  /** Cache voice states. Default true. */
  voiceStates?: boolean;
  /** Cache messages (`false` = none). Default `{ perChannel: 100 }`. */
  messages?: false | Partial<MessageRule>;
  /** Cache invites (each expires with its `max_age`). Default true. */
  invites?: boolean;
  /** Cache the bot's own user. Default true. */
  me?: boolean;
  /**
   * Users no member refers to (message authors outside a guild, for example)
   * are written with this TTL so they do not pile up forever. Default: kept.
   * (Users of removed members are the backend's business, e.g. MemoryCache's `userTtlMs`.)
   */
  userRetentionMs?: number;
  /** Only guilds this returns true for are cached (their events are still dispatched). Default: every guild. */
  guildFilter?: (guildId: Snowflake) => boolean;
  /**
   * Request a guild's members (REQUEST_GUILD_MEMBERS) after its GUILD_CREATE is written:
   * `large` for guilds Discord marks `large` (their GUILD_CREATE carries only some members, so the
   * snapshot's member replace leaves the rest to a request), `all` for every guild, `false` never.
   * Needs an attached manager and the GuildMembers intent. Default `false`, as in discord.js.
   */
  requestMembers?: MemberRequestPolicy;
}

/** When the listener requests a guild's members by itself (see {@link CacheRules.requestMembers}). */
export type MemberRequestPolicy = 'large' | 'all' | false;

/** {@link CacheRules} with every default filled in. */
export interface ResolvedRules {
  readonly resources: ReadonlySet<ResourceName>;
  readonly members: MemberPolicy;
  readonly messages: MessageRule | false;
  readonly userRetentionMs: number | undefined;
  readonly guildFilter: (guildId: Snowflake) => boolean;
  readonly requestMembers: MemberRequestPolicy;
}

/** Cache everything, 100 messages per channel, no expiry. */
export const DEFAULT_RULES: Required<Omit<CacheRules, 'userRetentionMs' | 'guildFilter' | 'requestMembers'>> = {
  guilds: true,
  channels: true,
  roles: true,
  emojis: true,
  members: 'all',
  presences: true,
  voiceStates: true,
  messages: { perChannel: 100 },
  invites: true,
  me: true,
};

/** Fill in the defaults and check the values (a `TypeError` names a bad one). */
export function resolveRules(rules: CacheRules = {}): ResolvedRules {
  const r = { ...DEFAULT_RULES, ...rules };
  if (!['all', 'seen', 'none'].includes(r.members)) throw new TypeError(`rules.members must be 'all', 'seen' or 'none', got ${String(r.members)}`);
  let messages: MessageRule | false = false;
  if (r.messages !== false) {
    const perChannel = r.messages.perChannel ?? 100;
    if (!Number.isInteger(perChannel) || perChannel < 1) throw new TypeError(`rules.messages.perChannel must be a positive integer, got ${String(perChannel)}`);
    const ttlMs = r.messages.ttlMs;
    if (ttlMs !== undefined && !(ttlMs > 0)) throw new TypeError(`rules.messages.ttlMs must be a positive number, got ${String(ttlMs)}`);
    messages = ttlMs === undefined ? { perChannel } : { perChannel, ttlMs };
  }
  const requestMembers = rules.requestMembers ?? false;
  if (![false, 'large', 'all'].includes(requestMembers))
    throw new TypeError(`rules.requestMembers must be 'large', 'all' or false, got ${String(requestMembers)}`);
  if (requestMembers !== false && r.members === 'none') throw new TypeError(`rules.requestMembers needs members cached (rules.members is 'none')`);
  if (rules.userRetentionMs !== undefined && !(rules.userRetentionMs > 0)) {
    throw new TypeError(`rules.userRetentionMs must be a positive number, got ${String(rules.userRetentionMs)}`);
  }
  const resources = new Set<ResourceName>(['user']);
  const toggles: [boolean, ResourceName][] = [
    [r.guilds, 'guild'],
    [r.channels, 'channel'],
    [r.roles, 'role'],
    [r.emojis, 'emoji'],
    [r.members !== 'none', 'member'],
    [r.presences, 'presence'],
    [r.voiceStates, 'voiceState'],
    [messages !== false, 'message'],
    [r.invites, 'invite'],
    [r.me, 'me'],
  ];
  for (const [on, resource] of toggles) if (on) resources.add(resource);
  return {
    resources,
    members: r.members,
    messages,
    userRetentionMs: rules.userRetentionMs,
    guildFilter: rules.guildFilter ?? (() => true),
    requestMembers,
  };
}

/** Drop the mutations of resources the rules do not cache. */
export function applyRules(mutations: readonly Mutation[], rules: ResolvedRules): Mutation[] {
  return mutations.filter((m) => rules.resources.has(m.resource));
}
