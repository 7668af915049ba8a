/**
 * Checking a write batch before any I/O, shared by every backend: each id
 * canonical (a `TypeError` otherwise), each resource, scope and option known
 * and sane. A backend calls {@link checkMutation} on every mutation of a batch
 * first, so a bad batch changes nothing.
 */
import { GUILD_CHILD_RESOURCES, RESOURCE_NAMES, RESOURCE_SCOPES, keyOf, type KeyMap, type ResourceName } from './entities.js';
import { isSnowflake, toInviteCode, toSnowflake } from './ids.js';
import type { Mutation } from './mutations.js';
import type { ReactionChange } from './reactions.js';

/** A plain entity object. */
export type CheckedEntity = Record<string, unknown>;

/** Key of any resource as a plain record of canonical ids. */
export type CheckedKey = Record<string, string>;

/** A validated mutation, ids canonical. */
export type CheckedMutation =
  | { type: 'set'; resource: ResourceName; key: CheckedKey; value: CheckedEntity; ttlMs?: number; channelLimit?: number }
  | { type: 'merge'; resource: ResourceName; key: CheckedKey; patch: CheckedEntity; upsert: boolean; ttlMs?: number; channelLimit?: number }
  | { type: 'react'; resource: 'message'; key: CheckedKey; change: ReactionChange }
  | { type: 'removeRole'; resource: 'member'; guildId: string; roleId: string }
  | { type: 'delete'; resource: ResourceName; key: CheckedKey }
  | { type: 'replaceForGuild'; resource: ResourceName; guildId: string; values: Array<{ key: CheckedKey; value: CheckedEntity }> }
  | { type: 'clearFor'; resource: ResourceName; scope: string; id: string };

/** The key fields of each resource. */
export const KEY_FIELDS: { readonly [R in ResourceName]: ReadonlyArray<keyof KeyMap[R] & string> } = {
  guild: ['guildId'],
  channel: ['channelId'],
  emoji: ['emojiId'],
  role: ['roleId'],
  member: ['guildId', 'userId'],
  presence: ['guildId', 'userId'],
  voiceState: ['guildId', 'userId'],
  message: ['messageId'],
  invite: ['code'],
  user: ['userId'],
  me: [],
};

/**
 * {@link toSnowflake} with its error location built only on error (`where: what`): every id of
 * every mutation is checked, and building the location string each time was a measurable share.
 */
function snowflake(v: unknown, where: string, what: string): string {
  return isSnowflake(v) ? v : toSnowflake(v, `${where}: ${what}`);
}

/** An optional id: absent (undefined or null) or a snowflake. */
function optionalId(v: unknown, where: string, what: string): void {
  if (v !== undefined && v !== null && !isSnowflake(v)) toSnowflake(v, `${where}: ${what}`);
}

function checkKey(resource: ResourceName, key: unknown, where: string): CheckedKey {
  if (typeof key !== 'object' || key === null) throw new TypeError(`${where}: key must be an object`);
  const out: CheckedKey = {};
  for (const field of KEY_FIELDS[resource]) {
    const v = (key as Record<string, unknown>)[field];
    out[field] = field === 'code' ? toInviteCode(v, `${where}: key.code`) : isSnowflake(v) ? v : toSnowflake(v, `${where}: key.${field}`);
  }
  return out;
}

function checkValue(resource: ResourceName, value: unknown, where: string): { key: CheckedKey; value: CheckedEntity } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${where}: value must be an entity object`);
  const entity = value as CheckedEntity;
  const key = checkKey(resource, keyOf(resource, value as never), where);
  switch (resource) {
    case 'member': {
      const user: unknown = entity.user;
      if (typeof user !== 'object' || user === null) throw new TypeError(`${where}: a member must carry its user`);
      break;
    }
    case 'message':
      snowflake(entity.channel_id, where, 'message.channel_id');
      optionalId(entity.guild_id, where, 'message.guild_id');
      optionalId((entity.author as CheckedEntity | undefined)?.id, where, 'message.author.id');
      break;
    case 'invite':
      optionalId(entity.guild_id, where, 'invite.guild_id');
      optionalId(entity.channel_id, where, 'invite.channel_id');
      break;
    case 'voiceState':
      optionalId(entity.channel_id, where, 'voiceState.channel_id');
      break;
    case 'channel':
    case 'role':
    case 'emoji':
    case 'presence':
      if (!isSnowflake(entity.guild_id)) toSnowflake(entity.guild_id, `${where}: ${resource}.guild_id`);
      break;
    default:
      break;
  }
  return { key, value: entity };
}

/** The raw field of an entity (or patch) holding its parent id for one index. */
function parentField(resource: ResourceName, scope: string, value: CheckedEntity): unknown {
  switch (scope) {
    case 'guild':
      return value.guild_id;
    case 'channel':
      return value.channel_id;
    case 'user':
      return resource === 'voiceState' ? value.user_id : (value.user as CheckedEntity | undefined)?.id;
    default:
      return (value.author as CheckedEntity | undefined)?.id;
  }
}

/** A patch may move an entry to another parent: the ids it carries become index keys, so they are checked too. */
function checkPatchIds(resource: ResourceName, patch: CheckedEntity, where: string): void {
  for (const scope of (RESOURCE_SCOPES as Record<string, readonly string[] | undefined>)[resource] ?? []) {
    const id = parentField(resource, scope, patch);
    if (id !== undefined && id !== null && !isSnowflake(id)) toSnowflake(id, `${where}: patch ${scope} id`);
  }
}

function positive(v: unknown, name: string, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- names whatever the caller sent
    throw new TypeError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(v)}`);
  }
  return v;
}

function checkReactionChange(change: unknown, where: string): ReactionChange {
  if (typeof change !== 'object' || change === null) throw new TypeError(`${where}: change must be an object`);
  const c = change as Record<string, unknown>;
  if (c.op === 'removeAll') return { op: 'removeAll' };
  if (c.op !== 'add' && c.op !== 'remove' && c.op !== 'removeEmoji') throw new TypeError(`${where}: unknown reaction op ${JSON.stringify(c.op)}`);
  const emoji = c.emoji as Record<string, unknown> | null | undefined;
  if (typeof emoji !== 'object' || emoji === null || (typeof emoji.id !== 'string' && typeof emoji.name !== 'string')) {
    throw new TypeError(`${where}: change.emoji needs an id or a name`);
  }
  if (typeof emoji.id === 'string') snowflake(emoji.id, where, 'change.emoji.id');
  if (c.op === 'removeEmoji') return change as ReactionChange;
  if (typeof c.burst !== 'boolean' || typeof c.me !== 'boolean') throw new TypeError(`${where}: change.burst and change.me must be booleans`);
  if (c.burstColors !== undefined && (!Array.isArray(c.burstColors) || !c.burstColors.every((x) => typeof x === 'string'))) {
    throw new TypeError(`${where}: change.burstColors must be an array of strings`);
  }
  return change as ReactionChange;
}

/** Validate one mutation (throws TypeError). */
export function checkMutation(m: Mutation, index: number): CheckedMutation {
  const where = `batch[${index}]`;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- runtime check: a batch can come from JavaScript
  if (typeof m !== 'object' || m === null) throw new TypeError(`${where}: not a mutation`);
  const resource = m.resource;
  if (!RESOURCE_NAMES.includes(resource)) throw new TypeError(`${where}: unknown resource ${JSON.stringify(resource)}`);
  switch (m.type) {
    case 'set': {
      const { key, value } = checkValue(resource, m.value, where);
      return {
        type: 'set',
        resource,
        key,
        value,
        ttlMs: positive(m.ttlMs, `${where}: ttlMs`, false),
        channelLimit: positive(m.channelLimit, `${where}: channelLimit`, true),
      };
    }
    case 'merge': {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- runtime check: a batch can come from JavaScript
      if (typeof m.patch !== 'object' || m.patch === null) throw new TypeError(`${where}: patch must be an object`);
      checkPatchIds(resource, m.patch, where);
      return {
        type: 'merge',
        resource,
        key: checkKey(resource, m.key, where),
        patch: m.patch,
        upsert: m.upsert === true,
        ttlMs: positive(m.ttlMs, `${where}: ttlMs`, false),
        channelLimit: positive(m.channelLimit, `${where}: channelLimit`, true),
      };
    }
    case 'react': {
      if (resource !== 'message') throw new TypeError(`${where}: react is defined for messages only`);
      return { type: 'react', resource, key: checkKey(resource, m.key, where), change: checkReactionChange(m.change, where) };
    }
    case 'removeRole': {
      if (resource !== 'member') throw new TypeError(`${where}: removeRole is defined for members only`);
      return { type: 'removeRole', resource, guildId: toSnowflake(m.guildId, `${where}: guildId`), roleId: toSnowflake(m.roleId, `${where}: roleId`) };
    }
    case 'delete':
      return { type: 'delete', resource, key: checkKey(resource, m.key, where) };
    case 'replaceForGuild': {
      if (!GUILD_CHILD_RESOURCES.includes(resource as never)) throw new TypeError(`${where}: replaceForGuild is not defined for ${resource}`);
      const guildId = toSnowflake(m.guildId, `${where}: guildId`);
      if (!Array.isArray(m.values)) throw new TypeError(`${where}: values must be an array`);
      const values = m.values.map((v, i) => {
        const checked = checkValue(resource, v, `${where}.values[${i}]`);
        if (checked.value.guild_id !== undefined && checked.value.guild_id !== guildId) {
          // eslint-disable-next-line @typescript-eslint/no-base-to-string -- names whatever the caller sent
          throw new TypeError(`${where}.values[${i}]: guild_id ${String(checked.value.guild_id)} is not the replaced guild ${guildId}`);
        }
        return checked;
      });
      return { type: 'replaceForGuild', resource, guildId, values };
    }
    case 'clearFor': {
      const scopes = (RESOURCE_SCOPES as Record<string, readonly string[] | undefined>)[resource];
      if (!scopes || !scopes.includes(m.scope)) throw new TypeError(`${where}: ${resource} has no ${JSON.stringify(m.scope)} index`);
      return { type: 'clearFor', resource, scope: m.scope, id: toSnowflake(m.id, `${where}: id`) };
    }
    default:
      throw new TypeError(`${where}: unknown mutation type ${JSON.stringify((m as { type?: unknown }).type)}`);
  }
}

/** `ApplyOptions.after` checked before any I/O: a promise (anything with `then`), or a `TypeError` naming what it got. */
export function checkApplyAfter(after: unknown): PromiseLike<unknown> | undefined {
  if (after === undefined) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed: tsc has no `then` on the narrowed `{}`
  if (typeof (after as { then?: unknown } | null)?.then !== 'function') {
    throw new TypeError(`apply: options.after must be a promise, got ${after === null ? 'null' : typeof after}`);
  }
  return after as PromiseLike<unknown>;
}
