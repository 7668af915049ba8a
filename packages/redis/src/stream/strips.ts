/**
 * The op stream's role removals (`O`, scripts/includes/batch-roles.lua). Each pass over a guild's
 * members costs the same for one role as for several, so a batch's removals are held back and
 * written as one op per guild: where a member write of that guild names one of the held roles (it
 * must run after their removal), or at the end of the batch. Moving a removal later past other
 * writes changes nothing: a member write not naming the role leaves it where the removal finds it
 * (a merge without roles keeps the stored ones) or writes roles without it.
 */
import { idBytes } from '../codec/index.js';
import type { Checked } from '../apply/validate.js';
import { STREAM_STRIP_MEMBERS } from './coverage.js';
import type { OpStreamWriter } from './writer.js';

/** Write `O`: remove `roleIds` from the members of `guildId`. */
export function writeStrip(w: OpStreamWriter, guildId: string, roleIds: readonly string[]): void {
  w.op('O')
    .text(guildId)
    .bytes(Buffer.concat(roleIds.map((id) => idBytes(id))))
    .text(roleIds.join(','))
    .text(String(STREAM_STRIP_MEMBERS));
}

/** The guild of a member set or merge and the roles it names (undefined for other mutations). */
function namedRoles(m: Checked): { guildId: string; roles: readonly unknown[] } | undefined {
  if (m.resource !== 'member' || (m.type !== 'set' && m.type !== 'merge')) return undefined;
  const roles = (m.type === 'set' ? m.value : m.patch).roles;
  return { guildId: m.key.guildId, roles: Array.isArray(roles) ? roles : [] };
}

/** A batch's role removals held back per guild (see the module comment). */
export class HeldStrips {
  readonly #byGuild = new Map<string, Set<string>>();

  /** Hold a removal of `roleId` from the members of `guildId`. */
  hold(guildId: string, roleId: string): void {
    const held = this.#byGuild.get(guildId);
    if (held) held.add(roleId);
    else this.#byGuild.set(guildId, new Set([roleId]));
  }

  /**
   * Write the held removals `m` must run after: those of its guild when it names one of their roles,
   * or, when the call reports `m`'s old value (`reportsOld`: a member as it is just before `m`),
   * when it is a member of that guild.
   */
  before(w: OpStreamWriter, m: Checked, reportsOld = false): void {
    if (this.#byGuild.size === 0) return;
    let guildId: string;
    if (reportsOld && m.resource === 'member' && 'key' in m) guildId = m.key.guildId;
    else {
      const named = namedRoles(m);
      if (named === undefined) return;
      guildId = named.guildId;
      const held = this.#byGuild.get(guildId);
      if (held === undefined || !named.roles.some((r) => typeof r === 'string' && held.has(r))) return;
    }
    const held = this.#byGuild.get(guildId);
    if (held === undefined) return;
    writeStrip(w, guildId, [...held]);
    this.#byGuild.delete(guildId);
  }

  /** Write every removal still held (the end of the batch). */
  flush(w: OpStreamWriter): void {
    for (const [guildId, held] of this.#byGuild) writeStrip(w, guildId, [...held]);
    this.#byGuild.clear();
  }
}
