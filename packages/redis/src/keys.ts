/**
 * The whole Redis key layout, in one place. Every key starts with the prefix.
 *
 * Three families of hash tags keep multi-key writes atomic on a cluster:
 * - `{g:<guildId>}`: everything a guild owns (record, channels, roles, emojis,
 *   member buckets, presences, voice states). A batch's ops for one guild run
 *   in one Lua call there.
 * - `{u:<bucket>}`: user records and the per-user indexes (guilds a user is a
 *   member of / has a presence in, messages by author, orphan deadlines).
 * - untagged keys: messages, invites, `me`, and the global indexes; they are
 *   single-key writes, kept consistent right after every batch.
 *
 * Binary field names (8-byte big-endian snowflakes) keep hash buckets small
 * enough to stay listpack-encoded. See README.md for the table.
 */
import { idBytes } from './codec/ids.js';

/** Version of this key layout; stored under {@link Keys.layout} and checked on open(). */
export const LAYOUT_VERSION = 1;

/**
 * The pieces keys are built from after the prefix, shared with the Lua scripts: the loader
 * (scripts/loader.ts) hands them to every script that includes `keys` as Lua locals named
 * `KEY_<NAME>` (`memberTails` → `KEY_MEMBER_TAILS`), so a script that builds a key from a hash
 * tag or another key spells no key format of its own. Changing one changes both sides.
 */
export const KEY_PARTS = {
  /** After the prefix, before a guild id: a guild's hash tag opens. */
  guildTagOpen: '{g:',
  /** After a guild id: the guild's hash tag closes. */
  guildTagClose: '}',
  /** After a guild's hash tag: its meta hash. */
  guildMeta: ':meta',
  /** After a guild's hash tag, before a {@link GUILD_CHILD_HASH} name: a child hash. */
  guildChild: ':',
  /** After a guild's hash tag, before a bucket number: a member bucket. */
  memberBucket: ':m:',
  /** After a member bucket's key: its tail hash. */
  memberTails: ':t',
  /** After a guild's hash tag: its role dictionary. */
  roleDictionary: ':rd',
  /** After the prefix, before a user bucket number: a user bucket's hash tag opens. */
  userTagOpen: '{u:',
  /** After a user bucket number: the user bucket's hash tag closes. */
  userTagClose: '}',
  /** After a user bucket's hash tag: its user hash. */
  users: ':u',
  /** After a user bucket's hash tag: the tails of its split user values. */
  userTails: ':ut',
  /** After a user bucket's hash tag: its member guild lists. */
  memberGuilds: ':mg',
  /** After a user bucket's hash tag: its presence guild lists. */
  presenceGuilds: ':pg',
  /** After a user bucket's hash tag: its orphan schedule. */
  orphans: ':orph',
  /** After a user bucket's hash tag, before the hex of an 8-byte user id: an author's message index. */
  authorIndex: ':ma:',
  /** After the prefix: the set of guilds with data in their slot. */
  guildSlots: 'gx',
  /** After the prefix: the set of guilds with a cached guild record. */
  guilds: 'guilds',
  /** After the prefix, before a {@link GUILD_CHILD_HASH} name: a locator (child id → guild id). */
  locator: 'loc:',
  /** After the prefix, before a channel id: the voice states in a voice channel. */
  voiceInChannel: 'vx:',
  /** Between a guild id and a user id: a voice state in a voice channel's set ({@link voiceMember}). */
  voiceMember: ':',
  /** After the prefix, before a message id: a message record. */
  message: 'msg:',
  /** After the prefix: the index of every cached message. */
  allMessages: 'mx:all',
  /** After the prefix, before a guild id: a guild's message index. */
  messagesByGuild: 'mx:g:',
  /** After the prefix, before a channel id: a channel's message index. */
  messagesByChannel: 'mx:c:',
  /** After the prefix, before an invite code: an invite record. */
  invite: 'inv:',
  /** After the prefix: the index of every cached invite. */
  allInvites: 'ix:all',
  /** After the prefix, before a guild id: a guild's invite index. */
  invitesByGuild: 'ix:g:',
  /** After the prefix, before a channel id: a channel's invite index. */
  invitesByChannel: 'ix:c:',
} as const;

/**
 * Bytes of one entry of the per-user guild lists ({@link Keys.memberGuilds}, {@link Keys.presenceGuilds}):
 * a big-endian index into {@link Keys.guildDictionary} (resources/guild-refs.ts). Scripts that include
 * `keys` get it as the Lua local `GUILD_REF_BYTES`.
 */
export const GUILD_REF_BYTES = 4;

/** Child hashes of a guild, by resource. */
export const GUILD_CHILD_HASH = {
  channel: 'ch',
  role: 'ro',
  emoji: 'em',
  presence: 'pr',
  voiceState: 'vs',
} as const;

/** A guild child resource stored in one hash per guild (members are bucketed instead). */
export type GuildHashResource = keyof typeof GUILD_CHILD_HASH;

/** The bucket a decimal id falls in, among `buckets` buckets (same formula in Lua: last 9 digits mod n). */
export function bucketOf(id: string, buckets: number): number {
  return Number(id.length > 9 ? id.slice(-9) : id) % buckets;
}

/** The number the Lua scripts reduce modulo a bucket count (last 9 decimal digits, exact in a double). */
export function bucketSeed(id: string): number {
  return Number(id.length > 9 ? id.slice(-9) : id);
}

/** A voice state as a member of its channel's set ({@link Keys.voiceInChannel}). */
export function voiceMember(guildId: string, userId: string): string {
  return `${guildId}${KEY_PARTS.voiceMember}${userId}`;
}

/** The guild and user ids of a voice channel set's member ({@link voiceMember}). */
export function parseVoiceMember(member: string): [guildId: string, userId: string] {
  const at = member.indexOf(KEY_PARTS.voiceMember);
  return [member.slice(0, at), member.slice(at + KEY_PARTS.voiceMember.length)];
}

/** Builds every key of one cache (one prefix). */
export class Keys {
  /** The prefix every key starts with. */
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** Hash: `version` (layout version) and `userBuckets` (user bucket count). */
  get layout(): string {
    return `${this.prefix}layout`;
  }

  /**
   * String: the store's guild dictionary, the 8-byte ids of every guild the per-user guild lists
   * refer to, in first-seen order (see resources/guild-refs.ts). Append-only.
   */
  get guildDictionary(): string {
    return `${this.prefix}gd`;
  }

  /** Set of ids of guilds with a cached guild record. */
  get guilds(): string {
    return `${this.prefix}${KEY_PARTS.guilds}`;
  }

  /** Set of ids of guilds that have (or had) any data in their slot: what iterating all children walks. */
  get guildSlots(): string {
    return `${this.prefix}${KEY_PARTS.guildSlots}`;
  }

  /** The hash tag of a guild's slot. */
  guildTag(guildId: string): string {
    return `${this.prefix}${KEY_PARTS.guildTagOpen}${guildId}${KEY_PARTS.guildTagClose}`;
  }

  /** Hash: `g` → guild record, `mb` → member bucket count, `mc` → member count. */
  guildMeta(guildId: string): string {
    return `${this.guildTag(guildId)}${KEY_PARTS.guildMeta}`;
  }

  /** Hash of one member bucket of a guild: user id (8 bytes) → member record. */
  memberBucket(guildId: string, bucket: number): string {
    return `${this.memberBucketPrefix(guildId)}${bucket}`;
  }

  /** A guild's member bucket keys without the bucket number (scripts that walk buckets append it). */
  memberBucketPrefix(guildId: string): string {
    return `${this.guildTag(guildId)}${KEY_PARTS.memberBucket}`;
  }

  /**
   * String: the guild's role dictionary, the 8-byte ids of every role a stored member held, in
   * first-seen order (member records refer to roles by index in it; see codec/roles.ts).
   * Append-only: never rewritten, and left in place when the guild's data is deleted.
   */
  roleDictionary(guildId: string): string {
    return `${this.guildTag(guildId)}${KEY_PARTS.roleDictionary}`;
  }

  /** Hash of the tails of a member bucket's split values (see codec/split.ts): user id (8 bytes) → rest of the record. */
  memberTails(guildId: string, bucket: number): string {
    return `${this.memberBucket(guildId, bucket)}${KEY_PARTS.memberTails}`;
  }

  /** Hash of a guild's channels/roles/emojis/presences/voice states: id (8 bytes) → record. */
  guildChild(guildId: string, resource: GuildHashResource): string {
    return `${this.guildTag(guildId)}${KEY_PARTS.guildChild}${GUILD_CHILD_HASH[resource]}`;
  }

  /** Hash locating channels/roles/emojis: id (8 bytes) → guild id (8 bytes). */
  locator(resource: 'channel' | 'role' | 'emoji'): string {
    return `${this.prefix}${KEY_PARTS.locator}${GUILD_CHILD_HASH[resource]}`;
  }

  /** Set of `<guildId>:<userId>` voice states in a channel. */
  voiceInChannel(channelId: string): string {
    return `${this.prefix}${KEY_PARTS.voiceInChannel}${channelId}`;
  }

  /** The hash tag of a user bucket's slot. */
  userTag(bucket: number): string {
    return `${this.prefix}${KEY_PARTS.userTagOpen}${bucket}${KEY_PARTS.userTagClose}`;
  }

  /** Hash: user id (8 bytes) → user record. */
  users(bucket: number): string {
    return `${this.userTag(bucket)}${KEY_PARTS.users}`;
  }

  /** Hash of the tails of a user bucket's split values (see codec/split.ts). */
  userTails(bucket: number): string {
    return `${this.userTag(bucket)}${KEY_PARTS.userTails}`;
  }

  /** Hash: user id (8 bytes) → the guilds the user is a cached member of, as 4-byte indexes into {@link Keys.guildDictionary} back to back. */
  memberGuilds(bucket: number): string {
    return `${this.userTag(bucket)}${KEY_PARTS.memberGuilds}`;
  }

  /** Hash: user id (8 bytes) → the guilds the user has a cached presence in, as 4-byte indexes into {@link Keys.guildDictionary} back to back. */
  presenceGuilds(bucket: number): string {
    return `${this.userTag(bucket)}${KEY_PARTS.presenceGuilds}`;
  }

  /** Sorted set of user ids (8 bytes) no member/presence/message refers to, scored by when they expire (ms). */
  orphans(bucket: number): string {
    return `${this.userTag(bucket)}${KEY_PARTS.orphans}`;
  }

  /** Prefix (inside the user bucket's slot) of the per-author message index keys. */
  authorIndexPrefix(bucket: number): string {
    return `${this.userTag(bucket)}${KEY_PARTS.authorIndex}`;
  }

  /** Sorted set: ids of the cached messages of one author, scored by expiry (ms, +inf when none); the key ends with the hex of the 8-byte id. */
  messagesByAuthor(bucket: number, authorId: string): string {
    return `${this.authorIndexPrefix(bucket)}${idBytes(authorId).toString('hex')}`;
  }

  /** String: the bot's own user record. */
  get me(): string {
    return `${this.prefix}me`;
  }

  /** String: one message record (expires with the message's TTL). */
  message(messageId: string): string {
    return `${this.prefix}${KEY_PARTS.message}${messageId}`;
  }

  /** Sorted set of every cached message id, scored by expiry (ms, +inf when none). */
  get allMessages(): string {
    return `${this.prefix}${KEY_PARTS.allMessages}`;
  }

  /** Sorted set of a guild's cached message ids, scored by expiry. */
  messagesByGuild(guildId: string): string {
    return `${this.prefix}${KEY_PARTS.messagesByGuild}${guildId}`;
  }

  /** Sorted set of a channel's cached message ids, scored by expiry. */
  messagesByChannel(channelId: string): string {
    return `${this.prefix}${KEY_PARTS.messagesByChannel}${channelId}`;
  }

  /** String: one invite record (expires with the invite's TTL). */
  invite(code: string): string {
    return `${this.prefix}${KEY_PARTS.invite}${code}`;
  }

  /** Sorted set of every cached invite code, scored by expiry. */
  get allInvites(): string {
    return `${this.prefix}${KEY_PARTS.allInvites}`;
  }

  /** Sorted set of a guild's cached invite codes, scored by expiry. */
  invitesByGuild(guildId: string): string {
    return `${this.prefix}${KEY_PARTS.invitesByGuild}${guildId}`;
  }

  /** Sorted set of a channel's cached invite codes, scored by expiry. */
  invitesByChannel(channelId: string): string {
    return `${this.prefix}${KEY_PARTS.invitesByChannel}${channelId}`;
  }
}
