/**
 * Reading messages and invites: one string key per entry (expiring with the
 * entry), indexed by sorted sets scored by expiry time.
 */
import type { InviteEntity, MessageEntity } from '@sake/abc';
import { inviteCodec, messageCodec } from '../codec/index.js';
import type { Ctx } from '../context.js';
import { zscanLiveWindows } from '../scan.js';

/** The resources stored as expiring string keys. */
export type ExpiringResource = 'message' | 'invite';

/** The entity type of each expiring resource. */
export interface ExpiringEntityMap {
  message: MessageEntity;
  invite: InviteEntity;
}

/** The key of a message or invite. */
export function expiringKey(ctx: Ctx, resource: ExpiringResource, id: string): string {
  return resource === 'message' ? ctx.keys.message(id) : ctx.keys.invite(id);
}

/** One message/invite, or null. */
export async function readExpiring<R extends ExpiringResource>(ctx: Ctx, resource: R, id: string): Promise<ExpiringEntityMap[R] | null> {
  const key = expiringKey(ctx, resource, id);
  const bytes = await ctx.conn.run('GET', (c) => c.getBuffer(key), key);
  if (!bytes) return null;
  return decodeExpiring(resource, bytes, key, id);
}

/**
 * Many messages/invites (null for each absent one), in the order of `ids`, read as the topology
 * allows (`TopologyReader.values`: one MGET per few hundred keys on a single node, one GET each on
 * a cluster).
 */
export async function readExpiringMany<R extends ExpiringResource>(ctx: Ctx, resource: R, ids: readonly string[]): Promise<Array<ExpiringEntityMap[R] | null>> {
  const keys = ids.map((id) => expiringKey(ctx, resource, id));
  const values = await ctx.reader.values(ctx, keys);
  return values.map((bytes, i) => (bytes ? decodeExpiring(resource, bytes, keys[i]!, ids[i]!) : null));
}

/** A stored message or invite record; `key` names it in errors. */
export function decodeExpiring<R extends ExpiringResource>(resource: R, bytes: Buffer, key: string, id: string): ExpiringEntityMap[R] {
  return (resource === 'message' ? messageCodec.decode(bytes, key, id) : inviteCodec.decode(bytes, key, id)) as ExpiringEntityMap[R];
}

/** Every live entry of an index. */
export async function* iterIndex<R extends ExpiringResource>(ctx: Ctx, resource: R, indexKey: string): AsyncGenerator<ExpiringEntityMap[R]> {
  for await (const ids of zscanLiveWindows(ctx, indexKey, Date.now())) {
    const found = await readExpiringMany(ctx, resource, ids);
    for (const entry of found) if (entry) yield entry;
  }
}

/** The ids of every live entry of an index (for clears). */
export async function liveIds(ctx: Ctx, indexKey: string): Promise<string[]> {
  const now = Date.now();
  return ctx.conn.run('ZRANGEBYSCORE', (c) => c.zrangebyscore(indexKey, `(${now}`, '+inf'), indexKey);
}

/** Number of live entries of an index. */
export function countIndex(ctx: Ctx, indexKey: string): Promise<number> {
  return ctx.conn.run('ZCOUNT', (c) => c.zcount(indexKey, `(${Date.now()}`, '+inf'), indexKey);
}
