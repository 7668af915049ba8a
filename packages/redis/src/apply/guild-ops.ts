/**
 * What one guild's `sakeGuildOps` call carries: its arguments, a record of each op (to read the
 * script's replies), and the packed member entries of its member runs and replaces.
 */
import type { EntryList } from '../codec/writer.js';

type Arg = string | Buffer;

/** Largest piece of packed member entries per argument: under Redis' 32 KB "big argument" size. */
export const PIECE_BYTES = 16 * 1024;

/** Packed member entries (id8, seed u32, length u32, bytes) cut at entry boundaries into pieces of at most ~PIECE_BYTES. */
export function pieces(list: EntryList): Buffer[] {
  const bytes = list.bytes();
  if (bytes.length <= PIECE_BYTES) return [bytes];
  const out: Buffer[] = [];
  let start = 0;
  let p = 0;
  while (p < bytes.length) {
    const next = p + 16 + bytes.readUInt32BE(p + 12);
    if (next - start > PIECE_BYTES && p > start) {
      out.push(bytes.subarray(start, p));
      start = p;
    }
    p = next;
  }
  out.push(bytes.subarray(start));
  return out;
}

/** What one guild op did, to read its script reply. */
export type GuildRecord =
  | { kind: 'guild'; present: boolean }
  | { kind: 'member' | 'presence'; op: 'set' | 'del'; userId: string }
  | { kind: 'member'; op: 'merge'; userId: string; written: boolean }
  | { kind: 'member'; op: 'setMany'; userIds: string[] }
  | { kind: 'member' | 'presence'; op: 'replace'; userIds: string[] }
  | { kind: 'member' | 'presence'; op: 'clear' }
  | { kind: 'voice'; op: 'set'; userId: string; channelId: string | null }
  | { kind: 'voice'; op: 'del'; userId: string }
  | { kind: 'voice'; op: 'replace'; channels: Map<string, string | null> }
  | { kind: 'voice'; op: 'clear' }
  | { kind: 'located'; resource: 'channel' | 'role' | 'emoji'; op: 'set' | 'del'; id: string }
  | { kind: 'located'; resource: 'channel' | 'role' | 'emoji'; op: 'replace'; ids: string[]; at?: number }
  | { kind: 'located'; resource: 'channel' | 'role' | 'emoji'; op: 'clear'; at?: number };

/** One guild's ops of a batch: the arguments of its `sakeGuildOps` call and what each op did. */
export interface GuildGroup {
  args: Arg[];
  records: GuildRecord[];
  /** Largest member count seen for the guild in this batch (sizes a new guild's buckets). */
  memberHint: number;
  hasChildren: boolean;
  /** The open `MS` run: where its count is and how long `args` was after it (a run continues only if nothing came between). */
  run?: MemberRun;
  /** `{ guild_id }`: what member records leave out. */
  implied: { guild_id: string };
}

/** A run of member sets: one `MS` op whose members are packed into one argument. */
export interface MemberRun {
  countIndex: number;
  end: number;
  userIds: string[];
  list: EntryList;
}
