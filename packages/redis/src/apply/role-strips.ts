/**
 * A batch's role strips (`sakeStripRoles`, scripts/strip-roles.lua): after its guild ops, the role
 * dictionary indexes its role deletes dropped leave every stored member of their guild, in Redis,
 * but for the members the batch wrote (their roles are already as the batch has them).
 */
import { idBytes } from '../codec/index.js';
import type { Ctx } from '../context.js';
import type { GuildGroup } from './guild-ops.js';

/** Members one `sakeStripRoles` call goes through (~2–2.5 ms of Redis time on a 2-core VM). */
const STRIP_MEMBERS_PER_CALL = 1024;

/**
 * Run the strips: per guild, calls of ~{@link STRIP_MEMBERS_PER_CALL} members one after the other
 * (a few ms of Redis time each), skipping the members the batch wrote (`guilds`: the batch's guild
 * groups, whose records say which).
 */
export async function runStrips(ctx: Ctx, strips: ReadonlyMap<string, ReadonlySet<number>>, guilds: ReadonlyMap<string, GuildGroup>): Promise<void> {
  const keys = ctx.keys;
  for (const [guildId, indexes] of strips) {
    const records = guilds.get(guildId)?.records ?? [];
    // After a replace or clear of the guild's members, every member left is one the batch wrote.
    if (records.some((rec) => rec.kind === 'member' && (rec.op === 'replace' || rec.op === 'clear'))) continue;
    const written = new Set<string>();
    for (const rec of records) {
      if (rec.kind !== 'member') continue;
      if (rec.op === 'merge') {
        if (rec.written) written.add(rec.userId);
      } else if ('userId' in rec) written.add(rec.userId);
      else if ('userIds' in rec) for (const id of rec.userIds) written.add(id);
    }
    const args = [String(indexes.size), ...[...indexes].map(String), ...[...written].map((id) => idBytes(id))];
    for (let from = 0; from >= 0;) {
      const at = from;
      from = await ctx.conn.run(
        'sakeStripRoles',
        () => ctx.conn.batched.sakeStripRoles(keys.guildMeta(guildId), [String(at), String(STRIP_MEMBERS_PER_CALL), ...args]),
        keys.memberBucket(guildId, at),
      );
    }
  }
}
