/**
 * A backend that encodes and sends but stores nothing: each batch's values
 * are encoded with RedisCache's codec (a member without its user, the user
 * apart, as RedisCache stores them), the batch goes out as one script call
 * whose arguments are the op stream, and the script returns at once. Behind a
 * `GatewayListener` it measures the Node floor of a write path where Node's
 * work per batch is to encode values and build one op stream: what RedisCache
 * costs above it is its simulation, plan, waves and commands. Reads answer as
 * the null cache's do (null-cache.ts).
 */
import type { Mutation, UserEntity } from '@sake/abc';
import { encodeRecord } from '@sake/redis';
import type { Redis } from 'ioredis';
import { nullCache } from './null-cache.js';

type ListenerCache = ReturnType<typeof nullCache>;
type Arg = string | Buffer;

/** The client with the no-op script defined on it. */
type FloorClient = Redis & { sakeFloorOps(args: Arg[]): Promise<number> };

/** A record of `resource`, or a member's record and its user's (stored apart). */
function encodeValue(out: Arg[], resource: string, value: object): void {
  if (resource === 'member') {
    const user = (value as { user?: object }).user;
    out.push(encodeRecord('member', value, undefined, 'user'));
    if (user) out.push(encodeRecord('user', user));
    return;
  }
  out.push(encodeRecord(resource as 'user', value));
}

/** The op stream of one mutation: its type, its resource, its key's ids and its encoded values. */
function encodeOp(out: Arg[], m: Mutation): void {
  out.push(m.type, m.resource);
  switch (m.type) {
    case 'set':
      encodeValue(out, m.resource, m.value);
      return;
    case 'merge':
      for (const id of Object.values(m.key)) out.push(String(id));
      encodeValue(out, m.resource, m.patch);
      return;
    case 'react':
      out.push(m.key.messageId, JSON.stringify(m.change));
      return;
    case 'delete':
      for (const id of Object.values(m.key)) out.push(String(id));
      return;
    case 'removeRole':
      out.push(m.guildId, m.roleId);
      return;
    case 'replaceForGuild':
      out.push(m.guildId);
      for (const v of m.values) encodeValue(out, m.resource, v);
      return;
    case 'clearFor':
      out.push(m.scope, m.id);
  }
}

/** See the module comment. `me` answers `getMe`. */
export function floorCache(client: Redis, me: UserEntity): ListenerCache & { honoursAfter: true } {
  client.defineCommand('sakeFloorOps', { numberOfKeys: 0, lua: 'return 0' });
  const floor = client as FloorClient;
  return {
    ...nullCache(me),
    honoursAfter: true,
    async apply(batch: readonly Mutation[], options?: { after?: PromiseLike<unknown> }): Promise<void> {
      const args: Arg[] = [];
      for (const m of batch) encodeOp(args, m);
      if (options?.after) await options.after;
      await floor.sakeFloorOps(args);
    },
  };
}
