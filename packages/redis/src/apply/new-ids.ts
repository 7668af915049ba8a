/** Dictionary ids a batch brings: roles new to a guild's role dictionary, guilds new to the guild dictionary. */
import type { Ctx } from '../context.js';
import type { Checked, Entity } from './validate.js';

/**
 * Add the role ids the batch's member values and patches carry that this process's copies of their
 * guilds' role dictionaries lack (see resources/roles.ts), and the guilds whose member or presence
 * lists the batch may change that its copy of the guild dictionary lacks (resources/guild-refs.ts);
 * undefined when there are none.
 */
export function addNewIds(ctx: Ctx, checked: readonly Checked[]): Promise<unknown> | undefined {
  const guilds = new Set<string>();
  const listGuild = (guildId: string | undefined): void => {
    if (guildId !== undefined) ctx.guildRefs.noteMissing(guildId, guilds);
  };
  for (const m of checked) {
    switch (m.type) {
      case 'set':
      case 'merge':
      case 'delete':
        // A guild delete empties the guild's member and presence lists too.
        if (m.resource === 'member' || m.resource === 'presence' || m.resource === 'guild') listGuild(m.key.guildId);
        break;
      case 'replaceForGuild':
      case 'removeRole':
        if (m.resource === 'member' || m.resource === 'presence') listGuild(m.guildId);
        break;
      case 'clearFor':
        if (m.scope === 'guild') listGuild(m.id);
        break;
      default:
        break;
    }
  }
  const roles = addNewRoles(ctx, checked);
  if (guilds.size === 0) return roles;
  const adding = ctx.guildRefs.add(guilds);
  return roles ? Promise.all([roles, adding]) : adding;
}

/** The role part of {@link addNewIds}. */
export function addNewRoles(ctx: Ctx, checked: readonly Checked[]): Promise<unknown> | undefined {
  let added: Map<string, Set<string>> | undefined;
  const note = (guildId: string, value: Entity): void => {
    const roles = value.roles;
    if (!Array.isArray(roles) || roles.length === 0) return;
    added ??= new Map();
    let set = added.get(guildId);
    if (!set) added.set(guildId, (set = new Set()));
    ctx.roles.of(guildId).missing(roles, set);
  };
  for (const m of checked) {
    if (m.resource !== 'member') continue;
    if (m.type === 'set') note(m.key.guildId, m.value);
    else if (m.type === 'merge') note(m.key.guildId, m.patch);
    else if (m.type === 'replaceForGuild') for (const v of m.values) note(m.guildId, v.value);
  }
  if (!added) return undefined;
  const calls: Array<Promise<void>> = [];
  for (const [guildId, roles] of added) if (roles.size > 0) calls.push(ctx.roles.add(guildId, roles));
  return calls.length > 0 ? Promise.all(calls) : undefined;
}
