/** Views of a snapshot for comparisons that must leave some resources out. */
import type { CacheSnapshot } from './snapshot.js';

/** The snapshot without messages (they can't be recovered from a GUILD_CREATE: Discord never resends them). */
export function withoutMessages(s: CacheSnapshot): CacheSnapshot {
  const dropRow = (rows: Record<string, Record<string, unknown[]>>): Record<string, Record<string, unknown[]>> =>
    Object.fromEntries(Object.entries(rows).map(([id, row]) => [id, Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'messages'))]));
  return {
    me: s.me,
    all: Object.fromEntries(Object.entries(s.all).filter(([k]) => k !== 'messages')),
    forGuild: dropRow(s.forGuild),
    forChannel: dropRow(s.forChannel),
    forUser: dropRow(s.forUser),
    point: Object.fromEntries(Object.entries(s.point).filter(([k]) => !k.startsWith('message '))),
  } as CacheSnapshot;
}

/**
 * What a GUILD_CREATE can restore: the snapshot without messages, invites and
 * users (users are still compared through the members that join them; a
 * user only a lost event mentioned can't come back).
 */
export function recoverable(s: CacheSnapshot): CacheSnapshot {
  const m = withoutMessages(s);
  const dropRow = (rows: Record<string, Record<string, unknown[]>>): Record<string, Record<string, unknown[]>> =>
    Object.fromEntries(Object.entries(rows).map(([id, row]) => [id, Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'invites'))]));
  return {
    ...m,
    all: Object.fromEntries(Object.entries(m.all).filter(([k]) => k !== 'invites' && k !== 'users')),
    forGuild: dropRow(m.forGuild),
    forChannel: dropRow(m.forChannel),
    point: Object.fromEntries(Object.entries(m.point).filter(([k]) => !k.startsWith('invite ') && !k.startsWith('user '))),
  } as CacheSnapshot;
}
