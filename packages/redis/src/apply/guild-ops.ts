/**
 * What one guild's `sakeGuildOps` call carries: its arguments, a record of each op (to read the
 * script's replies), and the packed member entries of its member runs and replaces.
 */
import type { Arg } from '../context.js';
import type { EntryList } from '../codec/writer.js';
import type { GuildHashResource } from '../keys.js';
import type { Entity } from './validate.js';

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

/**
 * Where an op that reports what it replaces (`Go`, `go`, `So`, `Do`, `MMo`, `mo`: scripts/guild-ops.lua)
 * sends its reply; a promise when decoding it must first refresh a role dictionary.
 */
export type OldSink = (reply: readonly Buffer[]) => void | Promise<void>;

/** What one guild op did, to read its script reply (`old`: the op reports the value it replaces there). */
export type GuildRecord =
  | { kind: 'guild'; present: boolean; old?: OldSink }
  | { kind: 'member'; op: 'set'; userId: string }
  | { kind: 'member'; op: 'del'; userId: string; old?: OldSink; seq: number }
  | { kind: 'presence'; op: 'set' | 'del'; userId: string; old?: OldSink; seq?: number }
  | { kind: 'member'; op: 'merge'; userId: string; written: boolean; old?: OldSink }
  | { kind: 'member'; op: 'setMany'; userIds: string[] }
  | { kind: 'member' | 'presence'; op: 'replace'; userIds: string[]; seq: number }
  | { kind: 'member' | 'presence'; op: 'clear'; seq: number }
  | { kind: 'voice'; op: 'set'; userId: string; channelId: string | null; old?: OldSink }
  | { kind: 'voice'; op: 'del'; userId: string; old?: OldSink }
  | { kind: 'voice'; op: 'replace'; channels: Map<string, string | null> }
  | { kind: 'voice'; op: 'clear' }
  | { kind: 'located'; resource: 'channel' | 'role' | 'emoji'; op: 'set' | 'del'; id: string }
  | { kind: 'located'; resource: 'channel' | 'role' | 'emoji'; op: 'replace'; ids: string[]; at?: number; seq: number }
  | { kind: 'located'; resource: 'channel' | 'role' | 'emoji'; op: 'clear'; at?: number; seq: number };

/**
 * The record of a child set or delete (`old`: a presence's or voice state's sink for the value it
 * replaces; `seq`: a presence delete's place among the batch's user writes, apply/user-ttls.ts).
 */
export function childRecord(resource: GuildHashResource, op: 'set' | 'del', id: string, value?: Entity, old?: OldSink, seq?: number): GuildRecord {
  const reported = old ? { old } : {};
  if (resource === 'presence') return { kind: 'presence', op, userId: id, ...reported, ...(seq === undefined ? {} : { seq }) };
  if (resource === 'voiceState') {
    return op === 'set'
      ? { kind: 'voice', op, userId: id, channelId: (value?.channel_id as string | null | undefined) ?? null, ...reported }
      : { kind: 'voice', op, userId: id, ...reported };
  }
  return { kind: 'located', resource, op, id };
}

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

/**
 * Hand each reporting op's reply to its sink. Every sink runs; resolves with the first error one
 * threw or rejected with (an unreadable old value), for the caller to raise once the batch is written.
 */
export async function reportOld(records: readonly GuildRecord[], replies: readonly Buffer[][]): Promise<Error | undefined> {
  const pending: Array<void | Promise<void>> = [];
  let failure: Error | undefined;
  const fail = (err: unknown): void => {
    failure ??= err instanceof Error ? err : new Error(String(err));
  };
  records.forEach((rec, i) => {
    if (!('old' in rec) || rec.old === undefined) return;
    try {
      pending.push(rec.old(replies[i] ?? []));
    } catch (err) {
      fail(err);
    }
  });
  for (const p of pending) if (p) await p.catch(fail);
  return failure;
}
