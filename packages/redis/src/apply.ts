/**
 * `apply(batch)`: mutations → Redis commands.
 *
 * 1. Validate every mutation (TypeError before any I/O).
 * 2. Pre-read what the batch can't be planned without (only when it holds
 *    such mutations): current values of merge targets, where a deleted
 *    channel/role/emoji/message/invite is indexed, and the members of a
 *    non-guild scope that a `clearFor` empties.
 * 3. Simulate the batch in order over those entries (so a merge after a set
 *    in the same batch sees the set), turning every mutation into plain
 *    set/delete/replace/clear ops of a {@link Plan}.
 * 4. Execute the plan (see plan.ts): per-guild ops are atomic, in one Lua call
 *    per guild; cross-slot indexes are written right after, before `apply`
 *    resolves.
 */
import { scopeIdOf, type Mutation, type ResourceName, type ScopedResource } from '@sake/abc';
import { isGuildHashResource, Plan } from './apply/plan.js';
import { checkMutation, keyString, type AnyKey, type Checked, type Entity } from './apply/validate.js';

/** Apply a batch of mutations in order; see the module comment. */
export function applyBatch(ctx: Ctx, batch: readonly Mutation[]): Promise<void> {
  return applyChecked(ctx, checkBatch(batch));
}
import type { Ctx } from './context.js';
import { bucketOf } from './keys.js';
import { guildsOfUser, readGuildChild, readLocated } from './resources/children.js';
import { liveIds, readExpiring, readExpiry } from './resources/expiring.js';
import { readGuild } from './resources/guilds.js';
import { readMember } from './resources/members.js';
import { readMe, readUsers } from './resources/users.js';

/** An entry the simulation follows: its resource, key and value (null = absent). */
interface Tracked {
  resource: ResourceName;
  key: AnyKey;
  value: Entity | null;
  /**
   * Messages/invites that a merge rewrites: when the stored entry expires (epoch ms; null = never;
   * undefined = not known), so the rewrite keeps that expiry instead of dropping it.
   */
  expireAt?: number | null;
}

/** Whether a clearFor works inside the guild's slot (no pre-read needed). */
function isGuildLocalClear(m: Extract<Checked, { type: 'clearFor' }>): boolean {
  return m.scope === 'guild' && m.resource !== 'message' && m.resource !== 'invite';
}

function guildOf(t: Tracked): string | undefined {
  return t.key.guildId ?? (t.value?.guild_id as string | undefined);
}

async function readValue(ctx: Ctx, resource: ResourceName, key: AnyKey): Promise<Entity | null> {
  const read = async (): Promise<unknown> => {
    switch (resource) {
      case 'guild':
        return readGuild(ctx, key.guildId!);
      case 'channel':
        return readLocated(ctx, 'channel', key.channelId!);
      case 'role':
        return readLocated(ctx, 'role', key.roleId!);
      case 'emoji':
        return readLocated(ctx, 'emoji', key.emojiId!);
      case 'member':
        return readMember(ctx, key.guildId!, key.userId!);
      case 'presence':
      case 'voiceState':
        return readGuildChild(ctx, resource, key.guildId!, key.userId!);
      case 'message':
        return readExpiring(ctx, 'message', key.messageId!);
      case 'invite':
        return readExpiring(ctx, 'invite', key.code!);
      case 'user':
        return (await readUsers(ctx, [key.userId!]))[0];
      case 'me':
        return readMe(ctx);
    }
  };
  return ((await read()) ?? null) as Entity | null;
}

/** Keys a non-guild-scoped clearFor empties, as stored before the batch. */
async function scopeKeys(ctx: Ctx, m: Extract<Checked, { type: 'clearFor' }>): Promise<AnyKey[]> {
  const keys = ctx.keys;
  switch (m.resource) {
    case 'member':
    case 'presence':
      return (await guildsOfUser(ctx, m.resource, m.id)).map((guildId) => ({ guildId, userId: m.id }));
    case 'voiceState': {
      const members = await ctx.conn.run('SMEMBERS', (c) => c.smembers(keys.voiceInChannel(m.id)));
      return members.map((s) => {
        const [guildId, userId] = s.split(':') as [string, string];
        return { guildId, userId };
      });
    }
    case 'message': {
      const index =
        m.scope === 'guild'
          ? keys.messagesByGuild(m.id)
          : m.scope === 'channel'
            ? keys.messagesByChannel(m.id)
            : keys.messagesByAuthor(bucketOf(m.id, ctx.userBuckets), m.id);
      return (await liveIds(ctx, index)).map((messageId) => ({ messageId }));
    }
    case 'invite': {
      const index = m.scope === 'guild' ? keys.invitesByGuild(m.id) : keys.invitesByChannel(m.id);
      return (await liveIds(ctx, index)).map((code) => ({ code }));
    }
    default:
      return [];
  }
}

/** Validate a batch (TypeError before any I/O); see the module comment. */
export function checkBatch(batch: readonly Mutation[]): Checked[] {
  if (!Array.isArray(batch)) throw new TypeError('apply() takes an array of mutations');
  return batch.map((m, i) => checkMutation(m, i));
}

/** Apply a batch already validated by {@link checkBatch}. */
export async function applyChecked(ctx: Ctx, checked: Checked[]): Promise<void> {
  ctx.conn.assertOpen();
  if (checked.length === 0) return;

  // What to pre-read.
  const tracked = new Map<string, Tracked>();
  const follow = (resource: ResourceName, key: AnyKey): void => {
    const k = keyString(resource, key);
    if (!tracked.has(k)) tracked.set(k, { resource, key, value: null });
  };
  const needsValueOnDelete = new Set<ResourceName>(['channel', 'role', 'emoji', 'message', 'invite']);
  const scopedClears = checked.filter((m): m is Extract<Checked, { type: 'clearFor' }> => m.type === 'clearFor' && !isGuildLocalClear(m));
  /** Resources whose in-batch writes must be followed because a scoped clear may remove them. */
  const followWrites = new Set<ResourceName>(scopedClears.map((m) => m.resource));
  /** Merged messages/invites: their expiry is pre-read along with their value. */
  const expiryOf = new Set<string>();
  for (const m of checked) {
    if (m.type === 'merge') {
      follow(m.resource, m.key);
      if (m.resource === 'message' || m.resource === 'invite') expiryOf.add(keyString(m.resource, m.key));
      if (m.resource === 'member' && typeof m.patch.user === 'object' && m.patch.user !== null) follow('user', { userId: m.key.userId! });
    } else if (m.type === 'delete' && needsValueOnDelete.has(m.resource)) follow(m.resource, m.key);
  }
  const scopeTargets = new Map<Checked, AnyKey[]>();
  if (scopedClears.length > 0) {
    const found = await Promise.all(scopedClears.map((m) => scopeKeys(ctx, m)));
    scopedClears.forEach((m, i) => {
      scopeTargets.set(m, found[i]!);
      if (m.resource === 'message' || m.resource === 'invite') for (const key of found[i]!) follow(m.resource, key);
    });
  }
  if (tracked.size > 0) {
    const entries = [...tracked.values()];
    const expiring = entries.filter((t) => expiryOf.has(keyString(t.resource, t.key)));
    const [values, expiries] = await Promise.all([
      Promise.all(entries.map((t) => readValue(ctx, t.resource, t.key))),
      Promise.all(expiring.map((t) => readExpiry(ctx, t.resource as 'message' | 'invite', t.key.messageId ?? t.key.code!))),
    ]);
    entries.forEach((t, i) => (t.value = values[i]!));
    expiring.forEach((t, i) => {
      if (t.value !== null && expiries[i] !== undefined) t.expireAt = expiries[i];
    });
  }

  // Simulate and plan.
  const plan = new Plan(ctx, Date.now());
  const track = (resource: ResourceName, key: AnyKey, value: Entity | null, expireAt?: number | null): void => {
    const k = keyString(resource, key);
    const t = tracked.get(k);
    if (t) {
      t.value = value;
      t.expireAt = expireAt;
    } else if (followWrites.has(resource) && value !== null) tracked.set(k, { resource, key, value, expireAt });
  };
  /** `ttlMs` null: a message/invite that must not expire (a merge of one stored without expiry). */
  const setEntity = (resource: ResourceName, key: AnyKey, value: Entity, ttlMs?: number | null, channelLimit?: number): void => {
    let expireAt: number | null | undefined;
    switch (resource) {
      case 'guild':
        plan.setGuild(key.guildId!, value);
        break;
      case 'member':
        plan.setMember(key.guildId!, key.userId!, value);
        track('user', { userId: key.userId! }, value.user as Entity);
        break;
      case 'user':
        plan.setUser(key.userId!, value, ttlMs ?? undefined);
        break;
      case 'me':
        plan.setMe(value);
        break;
      case 'message':
        expireAt = plan.setMessage(value, ttlMs ?? undefined, channelLimit);
        break;
      case 'invite':
        expireAt = plan.setInvite(value, ttlMs);
        break;
      default:
        if (isGuildHashResource(resource)) {
          const id = key.userId ?? key.channelId ?? key.roleId ?? key.emojiId!;
          plan.setChild(resource, (key.guildId ?? value.guild_id) as string, id, value);
        }
    }
    track(resource, key, value, expireAt);
  };
  const deleteEntity = (resource: ResourceName, key: AnyKey, current: Entity | null): void => {
    switch (resource) {
      case 'guild':
        plan.deleteGuild(key.guildId!);
        break;
      case 'member':
        plan.deleteMember(key.guildId!, key.userId!);
        break;
      case 'user':
        plan.deleteUser(key.userId!);
        break;
      case 'me':
        plan.deleteMe();
        break;
      case 'message':
        plan.deleteMessage(key.messageId!, current);
        break;
      case 'invite':
        plan.deleteInvite(key.code!, current);
        break;
      case 'presence':
      case 'voiceState':
        plan.deleteChild(resource, key.guildId!, key.userId!);
        break;
      default: {
        // Channels, roles, emojis: their guild comes from the locator (pre-read).
        const guildId = current?.guild_id as string | undefined;
        const id = key.channelId ?? key.roleId ?? key.emojiId!;
        if (guildId && isGuildHashResource(resource)) plan.deleteChild(resource, guildId, id);
      }
    }
    track(resource, key, null);
  };

  for (const m of checked) {
    switch (m.type) {
      case 'set':
        setEntity(m.resource, m.key, m.value, m.ttlMs, m.channelLimit);
        break;
      case 'merge': {
        const current = tracked.get(keyString(m.resource, m.key))?.value ?? null;
        if (current === null && !m.upsert) break;
        const merged: Entity = { ...(current ?? {}), ...m.patch };
        if (m.resource === 'member') {
          const patchUser = m.patch.user as Entity | undefined;
          const storedUser = tracked.get(keyString('user', { userId: m.key.userId! }))?.value ?? null;
          merged.user = { ...(storedUser ?? {}), ...((current?.user as Entity | undefined) ?? {}), ...(patchUser ?? {}) };
          if (merged.guild_id === undefined) merged.guild_id = m.key.guildId;
        }
        // An upsert must produce a storable entity: validate it like a set (TypeError before any write).
        const re = checkMutation({ type: 'set', resource: m.resource, value: merged } as Mutation, -1);
        if (re.type === 'set' && keyString(m.resource, re.key) !== keyString(m.resource, m.key)) {
          throw new TypeError(`merge of ${m.resource} ${JSON.stringify(m.key)}: the patch changes the entry's key`);
        }
        // A merged message/invite keeps the expiry of the entry it rewrites (a plain set would drop it).
        let keepTtlMs: number | null | undefined;
        if (m.resource === 'message' || m.resource === 'invite') {
          const expireAt = tracked.get(keyString(m.resource, m.key))?.expireAt;
          keepTtlMs = expireAt === undefined || expireAt === null ? expireAt : Math.max(1, expireAt - plan.now);
        }
        setEntity(m.resource, m.key, merged, keepTtlMs);
        break;
      }
      case 'delete':
        deleteEntity(m.resource, m.key, tracked.get(keyString(m.resource, m.key))?.value ?? null);
        break;
      case 'replaceForGuild': {
        if (m.resource === 'member') {
          plan.replaceMembers(m.guildId, m.values.map((v) => ({ userId: v.key.userId!, value: v.value })));
          for (const v of m.values) track('user', { userId: v.key.userId! }, v.value.user as Entity);
        } else if (isGuildHashResource(m.resource)) {
          plan.replaceChildren(
            m.resource,
            m.guildId,
            m.values.map((v) => ({ id: v.key.userId ?? v.key.channelId ?? v.key.roleId ?? v.key.emojiId!, value: v.value })),
          );
        }
        const replacing = new Map(m.values.map((v) => [keyString(m.resource, v.key), v]));
        for (const [k, t] of tracked) {
          if (t.resource === m.resource && guildOf(t) === m.guildId) t.value = replacing.get(k)?.value ?? null;
        }
        if (followWrites.has(m.resource)) for (const v of m.values) track(m.resource, v.key, v.value);
        break;
      }
      case 'clearFor': {
        if (isGuildLocalClear(m)) {
          if (m.resource === 'member') plan.clearMembers(m.id);
          else if (isGuildHashResource(m.resource)) plan.clearChildren(m.resource, m.id);
          for (const t of tracked.values()) if (t.resource === m.resource && guildOf(t) === m.id) t.value = null;
          break;
        }
        const targets = new Map<string, AnyKey>();
        for (const key of scopeTargets.get(m) ?? []) targets.set(keyString(m.resource, key), key);
        for (const [k, t] of tracked) {
          if (t.resource === m.resource && t.value !== null && scopeIdOf(m.resource as ScopedResource, m.scope as never, t.value as never) === m.id) {
            targets.set(k, t.key);
          }
        }
        for (const [k, key] of targets) {
          const current = tracked.get(k)?.value ?? null;
          // Messages and invites need their value to find their indexes; without one they are already gone.
          if ((m.resource === 'message' || m.resource === 'invite') && current === null) continue;
          deleteEntity(m.resource, key, current);
        }
        break;
      }
    }
  }
  await plan.execute();
}
