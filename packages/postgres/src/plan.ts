/**
 * What a batch must load before its semantics can run (semantics.ts): the rows
 * it reads by key, the parents whose every row it walks (replaceForGuild,
 * clearFor, a channel's limit, a user's members for retention), and the
 * members holding a role it removes. Nothing else is read: a set that no one
 * asked the old value of is written blind.
 */
import { CHANNEL_CHILD_RESOURCES, type CheckedMutation, type ResourceName } from '@sake/abc';
import { storeKey } from './semantics.js';
import type { Tables } from './semantics.js';

/** The loads of one round. */
export interface LoadPlan {
  /** Rows read by key, with their data. */
  readonly points: Map<ResourceName, Set<string>>;
  /** Every row (keys and parents, no data) of these parents: resource → scope → parent ids. */
  readonly scopes: Map<ResourceName, Map<string, Set<string>>>;
  /** Members of a guild whose `roles` hold a role, with their data. */
  readonly roleScans: Array<{ guildId: string; roleId: string }>;
}

/** An empty plan. */
export function emptyPlan(): LoadPlan {
  return { points: new Map(), scopes: new Map(), roleScans: [] };
}

/** Whether a plan loads nothing. */
export function isEmpty(plan: LoadPlan): boolean {
  return plan.points.size === 0 && plan.scopes.size === 0 && plan.roleScans.length === 0;
}

function point(plan: LoadPlan, resource: ResourceName, key: string): void {
  let keys = plan.points.get(resource);
  if (keys === undefined) plan.points.set(resource, (keys = new Set()));
  keys.add(key);
}

function scope(plan: LoadPlan, resource: ResourceName, name: string, parent: unknown): void {
  if (typeof parent !== 'string') return;
  let scopes = plan.scopes.get(resource);
  if (scopes === undefined) plan.scopes.set(resource, (scopes = new Map<string, Set<string>>()));
  let parents = scopes.get(name);
  if (parents === undefined) scopes.set(name, (parents = new Set()));
  parents.add(parent);
}

/** The first round of loads of a batch; `reported` are the indexes whose old value is asked for. */
export function planBatch(batch: readonly CheckedMutation[], reported: ReadonlySet<number>, userTtlMs: number | undefined): LoadPlan {
  const plan = emptyPlan();
  batch.forEach((m, i) => {
    switch (m.type) {
      case 'set': {
        const key = storeKey(m.resource, m.key);
        if (reported.has(i)) point(plan, m.resource, key);
        if (m.resource === 'member' && reported.has(i)) point(plan, 'user', m.key.userId);
        if (m.resource === 'user' && m.ttlMs !== undefined) scope(plan, 'member', 'user', m.key.userId);
        if (m.resource === 'message' && m.channelLimit !== undefined) scope(plan, 'message', 'channel', m.value.channel_id);
        return;
      }
      case 'merge': {
        point(plan, m.resource, storeKey(m.resource, m.key));
        if (m.resource === 'member') point(plan, 'user', m.key.userId);
        if (m.upsert && m.resource === 'user' && m.ttlMs !== undefined) scope(plan, 'member', 'user', m.key.userId);
        if (m.upsert && m.resource === 'message' && m.channelLimit !== undefined) scope(plan, 'message', 'channel', m.patch.channel_id);
        return;
      }
      case 'delete':
        point(plan, m.resource, storeKey(m.resource, m.key));
        if (m.resource === 'channel') childrenOf(plan, m.key.channelId);
        if (m.resource === 'member') {
          point(plan, 'user', m.key.userId);
          if (userTtlMs !== undefined) scope(plan, 'member', 'user', m.key.userId);
        }
        return;
      case 'react':
        point(plan, 'message', m.key.messageId);
        return;
      case 'removeRole':
        plan.roleScans.push({ guildId: m.guildId, roleId: m.roleId });
        return;
      case 'replaceForGuild':
        scope(plan, m.resource, 'guild', m.guildId);
        return;
      case 'clearFor':
        scope(plan, m.resource, m.scope, m.id);
        return;
    }
  });
  return plan;
}

/** Load what hangs off a channel (the channel cascade removes it with the channel), except what `tables` has loaded. */
function childrenOf(plan: LoadPlan, channelId: string, tables?: Tables): void {
  for (const child of CHANNEL_CHILD_RESOURCES) if (tables?.[child].hasScope('channel', channelId) !== true) scope(plan, child, 'channel', channelId);
}

/**
 * The second round's cascade part: the channels a replaceForGuild or clearFor
 * of channels may remove are known once the first round loaded the guild's
 * channels; their children are loaded now (with those the batch itself sets or
 * replaces in, which a later replace or clear may remove too). Adds to `plan`.
 */
export function planCascade(plan: LoadPlan, batch: readonly CheckedMutation[], tables: Tables): void {
  if (!batch.some((m) => m.resource === 'channel' && (m.type === 'replaceForGuild' || m.type === 'clearFor'))) return;
  const need = (channelId: string): void => childrenOf(plan, channelId, tables);
  for (const m of batch) {
    if (m.resource !== 'channel') continue;
    if (m.type === 'set' || m.type === 'merge') need(m.key.channelId);
    else if (m.type === 'replaceForGuild') {
      for (const key of tables.channel.keysFor('guild', m.guildId)) need(key);
      // The channels it caches: a later replace or clear of the batch may remove them.
      for (const v of m.values) need(v.key.channelId);
    } else if (m.type === 'clearFor') for (const key of tables.channel.keysFor(m.scope, m.id)) need(key);
  }
}

/**
 * The second round: with `userTtlMs`, members removed by parent (replaceForGuild,
 * clearFor) start their user's retention when it was the user's last member,
 * which takes every member of those users — known only once the first round
 * loaded the removed members.
 */
export function planRetention(batch: readonly CheckedMutation[], tables: Tables, userTtlMs: number | undefined): LoadPlan {
  const plan = emptyPlan();
  if (userTtlMs === undefined) return plan;
  const need = (userId: string): void => {
    if (!tables.member.hasScope('user', userId)) scope(plan, 'member', 'user', userId);
  };
  if (!batch.some((m) => m.resource === 'member' && (m.type === 'replaceForGuild' || m.type === 'clearFor'))) return plan;
  // Members the batch itself writes may be the ones a later replace or clear removes.
  for (const m of batch) {
    if (m.resource !== 'member') continue;
    if (m.type === 'set' || m.type === 'merge') need(m.key.userId);
    if (m.type === 'replaceForGuild') for (const v of m.values) need(v.key.userId);
  }
  for (const m of batch) {
    if (m.resource !== 'member') continue;
    let keys: string[];
    if (m.type === 'replaceForGuild') keys = tables.member.keysFor('guild', m.guildId);
    else if (m.type === 'clearFor') keys = tables.member.keysFor(m.scope, m.id);
    else continue;
    for (const key of keys) need(key.slice(key.indexOf('/') + 1));
  }
  return plan;
}
