/**
 * The Lua scripts RedisCache registers with ioredis `defineCommand`: which
 * command runs which `.lua` file with how many keys ({@link SCRIPTS}), and the
 * commands' types ({@link ScriptCommands}). Each file's header says its KEYS,
 * ARGV and reply; loader.ts reads the files.
 */
import type { Cluster, Redis } from 'ioredis';
import { scriptSource } from './loader.js';

type Arg = string | Buffer | number;

/** One registered command: its `.lua` file (without the extension) and its key count (omitted: given per call). */
export interface ScriptSpec {
  /** The script, a file of this directory without `.lua`. */
  readonly file: string;
  /** How many of the call's arguments are keys; absent when the call gives the count first. */
  readonly keys?: number;
}

/**
 * Every command, by name. Keyless scripts (`keys: 0`) build or receive their keys in ARGV, which
 * a standalone server allows: they run on a single node only.
 */
export const SCRIPTS = {
  sakeGuildOps: { file: 'guild-ops', keys: 1 },
  sakeUserOps: { file: 'user-ops', keys: 1 },
  sakeUserOpsMany: { file: 'user-ops' },
  sakeIndexAdd: { file: 'index-add', keys: 1 },
  sakeIndexOps: { file: 'index-ops', keys: 0 },
  sakeValues: { file: 'values', keys: 0 },
  sakeReadExpiring: { file: 'read-expiring', keys: 0 },
  sakeReadLiveIds: { file: 'read-live-ids', keys: 0 },
  sakeReadLocated: { file: 'read-located', keys: 1 },
  sakeReadMember: { file: 'read-member', keys: 4 },
  sakeReadUsers: { file: 'read-users', keys: 0 },
  sakeReadMembers: { file: 'read-members', keys: 0 },
  sakeReadMemberWindow: { file: 'read-member-window', keys: 0 },
  sakeRoleHolders: { file: 'role-holders', keys: 1 },
  sakeStripRoles: { file: 'strip-roles', keys: 1 },
  sakeDictionaryAdd: { file: 'dictionary-add', keys: 1 },
  sakeBatch: { file: 'batch', keys: 0 },
} as const satisfies Record<string, ScriptSpec>;

/** A registered command's name. */
export type ScriptName = keyof typeof SCRIPTS;

/**
 * The script commands, as ioredis exposes them after `defineCommand` (a `…Buffer` variant answers
 * bulk strings as Buffers). Arguments go in one array (ioredis flattens it), never spread: a large
 * guild has hundreds of thousands of them. Each command's file header documents its arguments.
 */
export interface ScriptCommands {
  /** guild-ops.lua. */
  sakeGuildOpsBuffer(metaKey: string, args: readonly Arg[]): Promise<Buffer[][]>;
  /** user-ops.lua: one bucket (a cluster slot). */
  sakeUserOps(usersKey: string, args: readonly Arg[]): Promise<number>;
  /** user-ops.lua: `keyCount` bucket keys, then the arguments (single node only: the keys span slots). */
  sakeUserOpsMany(keyCount: number, keysAndArgs: readonly Arg[]): Promise<number>;
  /** index-add.lua. */
  sakeIndexAdd(indexKey: string, args: readonly Arg[]): Promise<string[]>;
  /** index-ops.lua (single node only: the indexes span slots): one reply per group. */
  sakeIndexOps(args: readonly Arg[]): Promise<string[][]>;
  /** role-holders.lua: the guild's meta key routes the call; the buckets are built in its slot. */
  sakeRoleHoldersBuffer(metaKey: string, args: readonly Arg[]): Promise<Buffer[]>;
  /** strip-roles.lua: the guild's meta key routes the call; returns the bucket to continue at, or -1. */
  sakeStripRoles(metaKey: string, args: readonly Arg[]): Promise<number>;
  /** dictionary-add.lua. */
  sakeDictionaryAddBuffer(dictionaryKey: string, known: number, ids: Buffer): Promise<Buffer>;
  /** values.lua (single node only: the keys span slots). */
  sakeValuesBuffer(args: readonly Arg[]): Promise<Array<Buffer | null>>;
  /** read-expiring.lua (single node only: the keys span slots): value (or null) and PTTL per key, flattened. */
  sakeReadExpiringBuffer(keys: readonly string[]): Promise<Array<Buffer | number | null>>;
  /** read-live-ids.lua (single node only: the indexes span slots): `now`, then the index keys; the live ids per index. */
  sakeReadLiveIds(args: readonly string[]): Promise<string[][]>;
  /** read-located.lua (single node only: the guild's hash is in another slot): null, or the guild's 8-byte id and the record (or null). */
  sakeReadLocatedBuffer(locatorKey: string, prefix: string, hashName: string, id: Buffer): Promise<[Buffer, Buffer | null] | null>;
  /** read-member.lua (single node only: the keys span slots). */
  sakeReadMemberBuffer(memberKey: string, tailKey: string, userKey: string, userTailKey: string, field: Buffer): Promise<Buffer | null>;
  /** read-members.lua (single node only). */
  sakeReadMembersBuffer(args: readonly Arg[]): Promise<Buffer>;
  /** read-users.lua (single node only). */
  sakeReadUsersBuffer(args: readonly Arg[]): Promise<Array<Buffer | null>>;
  /** batch.lua (single node only: the keys span slots): the op stream's unparsed replaced records and evicted ids. */
  sakeBatchBuffer(args: readonly Arg[]): Promise<[Buffer[], Buffer[]]>;
  /** read-member-window.lua (single node only). */
  sakeReadMemberWindowBuffer(args: readonly Arg[]): Promise<Buffer>;
}

/** Every method of {@link ScriptCommands} names a registered command (checked when this compiles). */
type Unregistered = Exclude<{ [K in keyof ScriptCommands]: K extends `${infer N}Buffer` ? N : K }[keyof ScriptCommands], ScriptName>;
const everyCommandRegistered: [Unregistered] extends [never] ? true : Unregistered = true;
void everyCommandRegistered;

/** The method names of the script commands: each command's name and its `…Buffer` variant. */
const SCRIPT_METHODS: ReadonlySet<string> = new Set(Object.keys(SCRIPTS).flatMap((name) => [name, `${name}Buffer`]));

/** Whether `method` is a script command's (see {@link ScriptCommands}). */
export function isScriptMethod(method: string): boolean {
  return SCRIPT_METHODS.has(method);
}

/** Register the scripts on `client` (idempotent: a client shared by several caches gets them once) and return it typed with them. */
export function defineScripts(client: Redis | Cluster): ScriptCommands {
  if (typeof (client as unknown as Record<string, unknown>).sakeGuildOps !== 'function') {
    for (const [name, spec] of Object.entries(SCRIPTS) as Array<[ScriptName, ScriptSpec]>) {
      const lua = scriptSource(spec.file);
      client.defineCommand(name, spec.keys === undefined ? { lua } : { numberOfKeys: spec.keys, lua });
    }
  }
  return client as unknown as ScriptCommands;
}
