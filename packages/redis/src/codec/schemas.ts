/**
 * The fixed, versioned record structure of every resource: which fields are
 * stored by position and how. Stored bytes never depend on state learned in
 * one process. Changing a list means a new schema version and a new key
 * layout (layout.ts refuses stores of any other layout).
 */
import type { ResourceName } from '@sake/abc';
import type { FieldKind } from './kinds.js';

/**
 * One positional field; `usual` (coded records only) is the value it nearly always has
 * (`false`, `0`, `'0'`), stored as a code and no value byte.
 */
export type FieldSpec = readonly [name: string, kind: FieldKind, usual?: unknown];

/** A record structure: the header byte that marks it and its fields in order. */
export interface Schema {
  /** Resource the record holds. */
  readonly resource: ResourceName;
  /** Format version (1–15). */
  readonly version: number;
  /** First byte of every value written with this schema: resource code × 16 + version. */
  readonly header: number;
  /** Positional fields (at most 53: the presence mask is a double-precision integer). */
  readonly fields: readonly FieldSpec[];
  /**
   * How the record is laid out after its header byte. False: a msgpack
   * array `[presenceMask, ...values, extension?]`. True: `ceil(fields / 4)` code bytes, 2 bits
   * per field (field i in byte ⌊i/4⌋, bits 2·(i mod 4) and up: 0 absent, 1 null, 2 its `usual`
   * value, 3 a value follows), then the values of the code-3 fields in order, then the
   * extension map when bytes remain (see record.ts).
   */
  readonly coded: boolean;
}

/** Stable code of each resource in the header byte (never reorder). */
const RESOURCE_CODE: Record<ResourceName, number> = {
  guild: 1,
  channel: 2,
  emoji: 3,
  role: 4,
  member: 5,
  presence: 6,
  voiceState: 7,
  message: 8,
  invite: 9,
  user: 10,
  me: 11,
};

const USER: FieldSpec[] = [
  ['id', 'id'],
  ['username', 'raw'],
  ['discriminator', 'raw'],
  ['global_name', 'raw'],
  ['avatar', 'hash'],
  ['bot', 'raw'],
  ['system', 'raw'],
  ['banner', 'hash'],
  ['accent_color', 'raw'],
  ['flags', 'raw'],
  ['public_flags', 'raw'],
  ['premium_type', 'raw'],
  ['avatar_decoration_data', 'raw'],
  ['mfa_enabled', 'raw'],
  ['locale', 'raw'],
  ['verified', 'raw'],
  ['email', 'raw'],
  ['primary_guild', 'raw'],
  ['collectibles', 'raw'],
];

/**
 * Member records (version 2): coded; `roles` first, as indexes into the guild's role dictionary
 * (dictionary.ts), so a record is ~35 bytes shorter than with 8-byte ids and a role search reads
 * one field at a known place; a list with a role outside the dictionary goes to the extension map.
 */
const MEMBER: FieldSpec[] = [
  ['roles', 'roles'],
  ['guild_id', 'id'],
  ['nick', 'raw'],
  ['avatar', 'hash'],
  ['banner', 'hash'],
  ['joined_at', 'time'],
  ['premium_since', 'time'],
  ['deaf', 'raw', false],
  ['mute', 'raw', false],
  ['flags', 'raw', 0],
  ['pending', 'raw', false],
  ['communication_disabled_until', 'time'],
  ['avatar_decoration_data', 'raw'],
  ['permissions', 'raw'],
];

const FIELDS: Record<ResourceName, FieldSpec[]> = {
  guild: [
    ['id', 'id'],
    ['name', 'raw'],
    ['icon', 'hash'],
    ['icon_hash', 'hash'],
    ['splash', 'hash'],
    ['discovery_splash', 'hash'],
    ['owner_id', 'id'],
    ['afk_channel_id', 'id'],
    ['afk_timeout', 'raw'],
    ['widget_enabled', 'raw'],
    ['widget_channel_id', 'id'],
    ['verification_level', 'raw'],
    ['default_message_notifications', 'raw'],
    ['explicit_content_filter', 'raw'],
    ['features', 'raw'],
    ['mfa_level', 'raw'],
    ['application_id', 'id'],
    ['system_channel_id', 'id'],
    ['system_channel_flags', 'raw'],
    ['rules_channel_id', 'id'],
    ['max_presences', 'raw'],
    ['max_members', 'raw'],
    ['vanity_url_code', 'raw'],
    ['description', 'raw'],
    ['banner', 'hash'],
    ['premium_tier', 'raw'],
    ['premium_subscription_count', 'raw'],
    ['preferred_locale', 'raw'],
    ['public_updates_channel_id', 'id'],
    ['max_video_channel_users', 'raw'],
    ['max_stage_video_channel_users', 'raw'],
    ['nsfw_level', 'raw'],
    ['stickers', 'raw'],
    ['premium_progress_bar_enabled', 'raw'],
    ['safety_alerts_channel_id', 'id'],
    ['unavailable', 'raw'],
    ['joined_at', 'time'],
    ['large', 'raw'],
    ['member_count', 'raw'],
    ['region', 'raw'],
    ['welcome_screen', 'raw'],
    ['stage_instances', 'raw'],
    ['guild_scheduled_events', 'raw'],
    ['incidents_data', 'raw'],
    ['soundboard_sounds', 'raw'],
    ['hub_type', 'raw'],
    ['owner', 'raw'],
    ['permissions', 'raw'],
  ],
  channel: [
    ['id', 'id'],
    ['type', 'raw'],
    ['guild_id', 'id'],
    ['position', 'raw'],
    ['permission_overwrites', 'raw'],
    ['name', 'raw'],
    ['topic', 'raw'],
    ['nsfw', 'raw'],
    ['last_message_id', 'id'],
    ['bitrate', 'raw'],
    ['user_limit', 'raw'],
    ['rate_limit_per_user', 'raw'],
    ['parent_id', 'id'],
    ['last_pin_timestamp', 'time'],
    ['rtc_region', 'raw'],
    ['video_quality_mode', 'raw'],
    ['default_auto_archive_duration', 'raw'],
    ['flags', 'raw'],
    ['owner_id', 'id'],
    ['thread_metadata', 'raw'],
    ['member_count', 'raw'],
    ['message_count', 'raw'],
    ['total_message_sent', 'raw'],
    ['applied_tags', 'ids'],
    ['available_tags', 'raw'],
    ['default_reaction_emoji', 'raw'],
    ['default_thread_rate_limit_per_user', 'raw'],
    ['default_sort_order', 'raw'],
    ['default_forum_layout', 'raw'],
    ['member', 'raw'],
    ['icon_emoji', 'raw'],
    ['theme_color', 'raw'],
    ['status', 'raw'],
  ],
  emoji: [
    ['id', 'id'],
    ['guild_id', 'id'],
    ['name', 'raw'],
    ['roles', 'ids'],
    ['user', 'raw'],
    ['require_colons', 'raw'],
    ['managed', 'raw'],
    ['animated', 'raw'],
    ['available', 'raw'],
  ],
  role: [
    ['id', 'id'],
    ['guild_id', 'id'],
    ['name', 'raw'],
    ['color', 'raw'],
    ['colors', 'raw'],
    ['hoist', 'raw'],
    ['icon', 'hash'],
    ['unicode_emoji', 'raw'],
    ['position', 'raw'],
    ['permissions', 'raw'],
    ['managed', 'raw'],
    ['mentionable', 'raw'],
    ['tags', 'raw'],
    ['flags', 'raw'],
  ],
  member: MEMBER,
  presence: [
    ['user', 'raw'],
    ['guild_id', 'id'],
    ['status', 'raw'],
    ['activities', 'raw'],
    ['client_status', 'raw'],
  ],
  voiceState: [
    ['guild_id', 'id'],
    ['channel_id', 'id'],
    ['user_id', 'id'],
    ['session_id', 'raw'],
    ['deaf', 'raw'],
    ['mute', 'raw'],
    ['self_deaf', 'raw'],
    ['self_mute', 'raw'],
    ['self_stream', 'raw'],
    ['self_video', 'raw'],
    ['suppress', 'raw'],
    ['request_to_speak_timestamp', 'time'],
    ['member', 'raw'],
  ],
  message: [
    ['id', 'id'],
    ['channel_id', 'id'],
    ['guild_id', 'id'],
    ['author', 'raw'],
    ['content', 'raw'],
    ['timestamp', 'time'],
    ['edited_timestamp', 'time'],
    ['tts', 'raw'],
    ['mention_everyone', 'raw'],
    ['mentions', 'raw'],
    ['mention_roles', 'ids'],
    ['mention_channels', 'raw'],
    ['attachments', 'raw'],
    ['embeds', 'raw'],
    ['reactions', 'raw'],
    ['nonce', 'raw'],
    ['pinned', 'raw'],
    ['webhook_id', 'id'],
    ['type', 'raw'],
    ['activity', 'raw'],
    ['application', 'raw'],
    ['application_id', 'id'],
    ['message_reference', 'raw'],
    ['flags', 'raw'],
    ['referenced_message', 'raw'],
    ['interaction_metadata', 'raw'],
    ['interaction', 'raw'],
    ['thread', 'raw'],
    ['components', 'raw'],
    ['sticker_items', 'raw'],
    ['stickers', 'raw'],
    ['position', 'raw'],
    ['role_subscription_data', 'raw'],
    ['resolved', 'raw'],
    ['poll', 'raw'],
    ['call', 'raw'],
    ['message_snapshots', 'raw'],
    ['member', 'raw'],
  ],
  invite: [
    ['code', 'raw'],
    ['guild_id', 'id'],
    ['channel_id', 'id'],
    ['inviter', 'raw'],
    ['target_type', 'raw'],
    ['target_user', 'raw'],
    ['target_application', 'raw'],
    ['temporary', 'raw'],
    ['uses', 'raw'],
    ['max_uses', 'raw'],
    ['max_age', 'raw'],
    ['created_at', 'time'],
    ['expires_at', 'time'],
    ['type', 'raw'],
  ],
  user: USER,
  me: USER,
};

/** The usual values of user fields (coded user records). */
const USUAL_USER: Readonly<Record<string, unknown>> = {
  discriminator: '0',
  bot: false,
  system: false,
  flags: 0,
  public_flags: 0,
  mfa_enabled: false,
  verified: false,
};

/** User records (version 2): coded, with the usual values of the flags and booleans. */
const CODED_USER: FieldSpec[] = USER.map(([name, kind]): FieldSpec => (name in USUAL_USER ? [name, kind, USUAL_USER[name]] : [name, kind]));

function schema(resource: ResourceName, version: number, fields: readonly FieldSpec[] = FIELDS[resource], coded = false): Schema {
  return { resource, version, header: RESOURCE_CODE[resource] * 16 + version, fields, coded };
}

/** The schema new values of each resource are written with. */
export const CURRENT_SCHEMA: Record<ResourceName, Schema> = Object.fromEntries(
  (Object.keys(FIELDS) as ResourceName[]).map((r) => [
    r,
    r === 'member' ? schema(r, 2, MEMBER, true) : r === 'user' ? schema(r, 2, CODED_USER, true) : schema(r, 1),
  ]),
) as Record<ResourceName, Schema>;

/** Every schema that can be read, by header byte. */
export const SCHEMA_BY_HEADER: ReadonlyMap<number, Schema> = new Map(Object.values(CURRENT_SCHEMA).map((s) => [s.header, s]));

/** Bytes of the codes of a coded record of `fieldCount` fields (2 bits each; see `Schema.coded`). */
export function codeByteCount(fieldCount: number): number {
  return (fieldCount + 3) >> 2;
}

/** The code (0–3) of field `i` in the code bytes starting at `buf[at]`. */
export function codeAt(buf: Uint8Array, at: number, i: number): number {
  return (buf[at + (i >> 2)]! >> ((i & 3) * 2)) & 3;
}

/** Whether the code bytes at `buf[at]` code fields past the last of `fieldCount` (the padding bits must be clear). */
export function strayCodes(buf: Uint8Array, at: number, fieldCount: number): boolean {
  return fieldCount % 4 !== 0 && buf[at + codeByteCount(fieldCount) - 1]! >> ((fieldCount % 4) * 2) !== 0;
}
