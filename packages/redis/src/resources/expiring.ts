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

function keyOf(ctx: Ctx, resource: ExpiringResource, id: string): string {
  return resource === 'message' ? ctx.keys.message(id) : ctx.keys.invite(id);
}

/** One message/invite, or null. */
export async function readExpiring<R extends ExpiringResource>(ctx: Ctx, resource: R, id: string): Promise<ExpiringEntityMap[R] | null> {
  const key = keyOf(ctx, resource, id);
  const bytes = await ctx.conn.run('GET', (c) => c.getBuffer(key), key);
  if (!bytes) return null;
  return decodeExpiring(resource, bytes, key, id);
}

/** Keys one MGET reads (bounds one reply). */
const MGET_KEYS = 512;

/**
 * Many messages/invites (null for each absent one), in the order of `ids`: on a single node one MGET
 * per {@link MGET_KEYS} keys instead of a command per key (each costs this process ~10 µs; a
 * channel delete reads every message of the channel). An MGET answers nil for a key of another
 * Redis type too, so each nil is read again alone, whose error names the key. On a cluster the
 * keys are in different slots: one GET each (auto-pipelined per node).
 */
export async function readExpiringMany<R extends ExpiringResource>(ctx: Ctx, resource: R, ids: readonly string[]): Promise<Array<ExpiringEntityMap[R] | null>> {
  if (ctx.conn.isCluster || ids.length < 2) return Promise.all(ids.map((id) => readExpiring(ctx, resource, id)));
  const out = new Array<ExpiringEntityMap[R] | null>(ids.length).fill(null);
  const parts: Array<Promise<void>> = [];
  for (let from = 0; from < ids.length; from += MGET_KEYS) {
    const slice = ids.slice(from, from + MGET_KEYS);
    const keys = slice.map((id) => keyOf(ctx, resource, id));
    parts.push(
      ctx.conn
        .run('MGET', (c) => c.mgetBuffer(keys))
        .then(async (values) => {
          const again: Array<Promise<void>> = [];
          values.forEach((bytes, i) => {
            const id = slice[i]!;
            if (bytes) out[from + i] = decodeExpiring(resource, bytes, keys[i]!, id);
            else again.push(readExpiring(ctx, resource, id).then((v) => void (out[from + i] = v)));
          });
          await Promise.all(again);
        }),
    );
  }
  await Promise.all(parts);
  return out;
}

function decodeExpiring<R extends ExpiringResource>(resource: R, bytes: Buffer, key: string, id: string): ExpiringEntityMap[R] {
  return (resource === 'message' ? messageCodec.decode(bytes, key, id) : inviteCodec.decode(bytes, key, id)) as ExpiringEntityMap[R];
}

/**
 * When a message/invite key expires: epoch ms, null when it has no expiry, undefined when it is absent.
 * PTTL rather than PEXPIRETIME so Redis 6 works too; the few ms between the reply and `Date.now()`
 * only move the expiry that much later.
 */
export async function readExpiry(ctx: Ctx, resource: ExpiringResource, id: string): Promise<number | null | undefined> {
  const key = keyOf(ctx, resource, id);
  const ms = await ctx.conn.run('PTTL', (c) => c.pttl(key), key);
  if (ms === -2) return undefined;
  return ms < 0 ? null : Date.now() + ms;
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
