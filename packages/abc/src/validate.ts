/**
 * Checking a write batch before any I/O, shared by every backend: each id
 * canonical (a `TypeError` otherwise), each resource, scope and option known
 * and sane. A backend calls {@link checkMutation} on every mutation of a batch
 * first, so a bad batch changes nothing.
 */
import {
  GUILD_CHILD_RESOURCES,
  RESOURCE_NAMES,
  RESOURCE_SCOPES,
  keyOf,
  type EntityMap,
  type GuildChildResource,
  type KeyMap,
  type ResourceName,
  type ScopeMap,
  type ScopedResource,
} from './entities.js';
import { isSnowflake, toInviteCode, toSnowflake } from './ids.js';
import type { Mutation } from './mutations.js';
import type { ReactionChange } from './reactions.js';

/** A plain entity object. */
export type CheckedEntity = Record<string, unknown>;

/**
 * Key of any resource as a plain record of canonical ids: what a backend's
 * generic code (maps of keys, key strings) takes. Every `KeyMap[R]` is one.
 */
export type CheckedKey = Record<string, string>;

/** The resources whose entries may expire: `ttlMs` on any other resource is a `TypeError`. */
export const TTL_RESOURCES: readonly ResourceName[] = ['message', 'invite', 'user'];

/**
 * A checked `set`: `key` is read from the value. Like every checked mutation
 * it is distinguished by `resource`: once a backend has narrowed `m.resource`
 * (`if (m.resource === 'member')`), `m.key` is that resource's key
 * (`m.key.userId` is a `string`: no `!`, no cast).
 */
export type CheckedSet = {
  [R in ResourceName]: { type: 'set'; resource: R; key: KeyMap[R]; value: CheckedEntity; ttlMs?: number; channelLimit?: number };
}[ResourceName];
/** A checked `merge`. */
export type CheckedMerge = {
  [R in ResourceName]: { type: 'merge'; resource: R; key: KeyMap[R]; patch: CheckedEntity; upsert: boolean; ttlMs?: number; channelLimit?: number };
}[ResourceName];
/** A checked `delete`. */
export type CheckedDelete = { [R in ResourceName]: { type: 'delete'; resource: R; key: KeyMap[R] } }[ResourceName];
/** A checked `replaceForGuild`: each value with its key. */
export type CheckedReplaceForGuild = {
  [R in GuildChildResource]: { type: 'replaceForGuild'; resource: R; guildId: string; values: Array<{ key: KeyMap[R]; value: CheckedEntity }> };
}[GuildChildResource];
/** A checked `clearFor`. */
export type CheckedClearFor = { [R in ScopedResource]: { type: 'clearFor'; resource: R; scope: ScopeMap[R]; id: string } }[ScopedResource];

/** A validated mutation, ids canonical, keys typed per resource. */
export type CheckedMutation =
  | CheckedSet
  | CheckedMerge
  | { type: 'react'; resource: 'message'; key: KeyMap['message']; change: ReactionChange }
  | { type: 'removeRole'; resource: 'member'; guildId: string; roleId: string }
  | CheckedDelete
  | CheckedReplaceForGuild
  | CheckedClearFor;

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

function checkKey<R extends ResourceName>(resource: R, key: unknown, where: string): KeyMap[R] {
  if (typeof key !== 'object' || key === null) throw new TypeError(`${where}: key must be an object`);
  const out: CheckedKey = {};
  for (const field of KEY_FIELDS[resource]) {
    const v = (key as Record<string, unknown>)[field];
    out[field] = field === 'code' ? toInviteCode(v, `${where}: key.code`) : isSnowflake(v) ? v : toSnowflake(v, `${where}: key.${field}`);
  }
  // Built field by field from KEY_FIELDS[resource], which lists exactly KeyMap[R]'s fields.
  return out as KeyMap[R];
}

function checkValue<R extends ResourceName>(resource: R, value: unknown, where: string): { key: KeyMap[R]; value: CheckedEntity } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${where}: value must be an entity object`);
  const entity = value as CheckedEntity;
  const key = checkKey(resource, keyOf(resource, value as EntityMap[R]), where);
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

/**
 * The entity fields that carry a key's ids, as `{ field: id }` (a member's or
 * presence's `user.id` as `user: { id }`): what {@link fillKeyFields} writes
 * and what a merge patch may not contradict.
 */
function keyEntityFields(resource: ResourceName, key: CheckedKey): CheckedEntity {
  switch (resource) {
    case 'member':
    case 'presence':
      return { guild_id: key.guildId, user: { id: key.userId } };
    case 'voiceState':
      return { guild_id: key.guildId, user_id: key.userId };
    case 'invite':
      return { code: key.code };
    case 'me':
      return {};
    default:
      return { id: Object.values(key)[0] };
  }
}

/**
 * `patch` with the key's ids written into the entity fields that carry them
 * (`id`, `code`, `guild_id`, `user.id`, `user_id`): what a merge that creates
 * an entry (`upsert`) stores, so a patch without its key fields still makes a
 * whole entry. A `user` in the patch keeps its other fields.
 */
export function fillKeyFields<R extends ResourceName>(resource: R, key: KeyMap[R], patch: Readonly<CheckedEntity>): CheckedEntity;
/** {@link fillKeyFields} for a backend that keeps keys as plain records of ids ({@link CheckedKey}). */
export function fillKeyFields(resource: ResourceName, key: CheckedKey, patch: Readonly<CheckedEntity>): CheckedEntity;
/** The implementation of both {@link fillKeyFields} signatures. */
export function fillKeyFields(resource: ResourceName, key: CheckedKey, patch: Readonly<CheckedEntity>): CheckedEntity {
  const fields = keyEntityFields(resource, key);
  const out: CheckedEntity = { ...patch, ...fields };
  if (fields.user !== undefined) out.user = { ...(patch.user as CheckedEntity | undefined), ...(fields.user as CheckedEntity) };
  return out;
}

/** A merge patch may not move its entry to another key: each key field it carries must say what the key says. */
function checkPatchKey(resource: ResourceName, key: CheckedKey, patch: CheckedEntity, where: string): void {
  const fields = keyEntityFields(resource, key);
  for (const field in fields) {
    const want = field === 'user' ? (fields.user as CheckedEntity).id : fields[field];
    const got = field === 'user' ? (patch.user as CheckedEntity | null | undefined)?.id : patch[field];
    if (got !== undefined && got !== want) {
      throw new TypeError(`${where}: the patch's ${field === 'user' ? 'user.id' : field} ${JSON.stringify(got)} contradicts the key (${JSON.stringify(want)})`);
    }
  }
}

/** `ttlMs` and `channelLimit` checked, and allowed only where they mean something (a `TypeError` elsewhere). */
function checkLifetime(resource: ResourceName, m: { ttlMs?: unknown; channelLimit?: unknown }, where: string): { ttlMs?: number; channelLimit?: number } {
  const ttlMs = positive(m.ttlMs, `${where}: ttlMs`, false);
  const channelLimit = positive(m.channelLimit, `${where}: channelLimit`, true);
  if (ttlMs !== undefined && !TTL_RESOURCES.includes(resource))
    throw new TypeError(`${where}: ttlMs is defined for messages, invites and users only, not ${resource}`);
  if (channelLimit !== undefined && resource !== 'message') throw new TypeError(`${where}: channelLimit is defined for messages only, not ${resource}`);
  return { ttlMs, channelLimit };
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

/**
 * Validate one mutation (throws `TypeError`, before any I/O): ids canonical,
 * resource, type, scope known; `ttlMs` only on messages, invites and users and
 * `channelLimit` only on messages; a merge patch that contradicts its key (an
 * `id`, `code`, `guild_id`, `user.id` or `user_id` other than the key's) and a
 * replaced child of another guild are rejected. Returns the mutation with its
 * ids normalised and its key typed per resource.
 *
 * The object literals below are built from `resource` as the union it is
 * here; each is of the member of the union its own `resource` names, which
 * TypeScript can't correlate, hence the one assertion per case.
 */
export function checkMutation(m: Mutation, index: number): CheckedMutation {
  const where = `batch[${index}]`;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- runtime check: a batch can come from JavaScript
  if (typeof m !== 'object' || m === null) throw new TypeError(`${where}: not a mutation`);
  const resource = m.resource;
  if (!RESOURCE_NAMES.includes(resource)) throw new TypeError(`${where}: unknown resource ${JSON.stringify(resource)}`);
  switch (m.type) {
    case 'set': {
      const { key, value } = checkValue(resource, m.value, where);
      return { type: 'set', resource, key, value, ...checkLifetime(resource, m, where) } as CheckedSet;
    }
    case 'merge': {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- runtime check: a batch can come from JavaScript
      if (typeof m.patch !== 'object' || m.patch === null) throw new TypeError(`${where}: patch must be an object`);
      const patch = m.patch as CheckedEntity;
      checkPatchIds(resource, patch, where);
      const key = checkKey(resource, m.key, where);
      checkPatchKey(resource, key, patch, where);
      return { type: 'merge', resource, key, patch, upsert: m.upsert === true, ...checkLifetime(resource, m, where) } as CheckedMerge;
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
      return { type: 'delete', resource, key: checkKey(resource, m.key, where) } as CheckedDelete;
    case 'replaceForGuild':
      return checkReplace(resource, m, where);
    case 'clearFor': {
      const scopes = (RESOURCE_SCOPES as Record<string, readonly string[] | undefined>)[resource];
      if (!scopes || !scopes.includes(m.scope)) throw new TypeError(`${where}: ${resource} has no ${JSON.stringify(m.scope)} index`);
      return { type: 'clearFor', resource, scope: m.scope, id: toSnowflake(m.id, `${where}: id`) } as CheckedClearFor;
    }
    default:
      throw new TypeError(`${where}: unknown mutation type ${JSON.stringify((m as { type?: unknown }).type)}`);
  }
}

function isGuildChild(resource: ResourceName): resource is GuildChildResource {
  return (GUILD_CHILD_RESOURCES as readonly ResourceName[]).includes(resource);
}

/** The replaceForGuild case of {@link checkMutation}: every value of the replaced guild. */
function checkReplace(resource: ResourceName, m: { guildId: unknown; values: unknown }, where: string): CheckedReplaceForGuild {
  if (!isGuildChild(resource)) throw new TypeError(`${where}: replaceForGuild is not defined for ${resource}`);
  const guildId = toSnowflake(m.guildId, `${where}: guildId`);
  if (!Array.isArray(m.values)) throw new TypeError(`${where}: values must be an array`);
  const values = m.values.map((v: unknown, i) => {
    const checked = checkValue(resource, v, `${where}.values[${i}]`);
    if (checked.value.guild_id !== undefined && checked.value.guild_id !== guildId) {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- names whatever the caller sent
      throw new TypeError(`${where}.values[${i}]: guild_id ${String(checked.value.guild_id)} is not the replaced guild ${guildId}`);
    }
    return checked;
  });
  return { type: 'replaceForGuild', resource, guildId, values } as CheckedReplaceForGuild;
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
