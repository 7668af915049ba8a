/** The Lua scripts RedisCache registers with ioredis `defineCommand`. */
import type { Cluster, Redis } from 'ioredis';
import { GUILD_OPS_LUA } from './guild-ops.js';
import { READ_MEMBER_LUA, READ_MEMBERS_LUA, READ_USERS_LUA } from './read-member.js';
import { ROLE_HOLDERS_LUA, STRIP_ROLES_LUA } from './roles.js';
import { DICTIONARY_ADD_LUA } from './dictionary-add.js';
import { USER_OPS_LUA } from './user-ops.js';
import { VALUES_LUA } from './values.js';
import { INDEX_ADD_LUA } from './zindex-add.js';

type Arg = string | Buffer | number;

/**
 * The script commands, as ioredis exposes them after `defineCommand`. Arguments
 * go in one array (ioredis flattens it), never spread: a large guild has
 * hundreds of thousands of them.
 */
export interface ScriptCommands {
  /** See guild-ops.ts. */
  sakeGuildOpsBuffer(metaKey: string, args: readonly Arg[]): Promise<Buffer[][]>;
  /** See user-ops.ts: one bucket (a cluster slot). */
  sakeUserOps(usersKey: string, args: readonly Arg[]): Promise<number>;
  /** See user-ops.ts: `keyCount` bucket keys, then the arguments (single node only: the keys span slots). */
  sakeUserOpsMany(keyCount: number, keysAndArgs: readonly Arg[]): Promise<number>;
  /** See zindex-add.ts. */
  sakeIndexAdd(indexKey: string, args: readonly Arg[]): Promise<string[]>;
  /** See roles.ts: the guild's meta key routes the call; the buckets are built in its slot. */
  sakeRoleHoldersBuffer(metaKey: string, args: readonly Arg[]): Promise<Buffer[]>;
  /** See roles.ts: the guild's meta key routes the call; returns the bucket to continue at, or -1. */
  sakeStripRoles(metaKey: string, args: readonly Arg[]): Promise<number>;
  /** See dictionary-add.ts. */
  sakeDictionaryAddBuffer(dictionaryKey: string, known: number, ids: Buffer): Promise<Buffer>;
  /** See values.ts (single node only: the keys span slots). */
  sakeValuesBuffer(args: readonly Arg[]): Promise<Array<Buffer | null>>;
}

/** Register the scripts on `client` (idempotent) and return it typed with them. */
export function defineScripts(client: Redis | Cluster): ScriptCommands {
  const c = client as unknown as Record<string, unknown>;
  if (typeof c.sakeGuildOps !== 'function') {
    client.defineCommand('sakeGuildOps', { numberOfKeys: 1, lua: GUILD_OPS_LUA });
    client.defineCommand('sakeUserOps', { numberOfKeys: 1, lua: USER_OPS_LUA });
    client.defineCommand('sakeUserOpsMany', { lua: USER_OPS_LUA });
    client.defineCommand('sakeIndexAdd', { numberOfKeys: 1, lua: INDEX_ADD_LUA });
    client.defineCommand('sakeValues', { numberOfKeys: 0, lua: VALUES_LUA });
    client.defineCommand('sakeReadMember', { numberOfKeys: 4, lua: READ_MEMBER_LUA });
    client.defineCommand('sakeReadUsers', { numberOfKeys: 0, lua: READ_USERS_LUA });
    client.defineCommand('sakeReadMembers', { numberOfKeys: 0, lua: READ_MEMBERS_LUA });
    client.defineCommand('sakeRoleHolders', { numberOfKeys: 1, lua: ROLE_HOLDERS_LUA });
    client.defineCommand('sakeStripRoles', { numberOfKeys: 1, lua: STRIP_ROLES_LUA });
    client.defineCommand('sakeDictionaryAdd', { numberOfKeys: 1, lua: DICTIONARY_ADD_LUA });
  }
  return client as unknown as ScriptCommands;
}
