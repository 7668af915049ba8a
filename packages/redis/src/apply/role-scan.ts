/**
 * The pre-read of a `removeRole`: the cached members of a guild that hold one
 * of the deleted roles, joined with their users (the rewrite sets the member
 * and its user, so it needs the whole member as `getMember` returns it).
 *
 * Only role holders are decoded and joined: a record that contains neither
 * the role's 8-byte id nor its decimal string can't hold the role, whatever
 * its encoding (packed id list, or verbatim strings in the extension map), so
 * most members of a large guild are skipped without decoding and no user of a
 * member that keeps its roles is read.
 */
import { InvalidDataFound, type UserEntity } from '@sake/abc';
import { idBytes, idFromBytes, memberCodec } from '../codec/index.js';
import { joinRecord } from '../codec/split.js';
import { bucketOf } from '../keys.js';
import { fieldLocator, type Ctx } from '../context.js';
import { bucketEntries, readMemberBuckets } from '../resources/members.js';
import { joinTails } from '../resources/tails.js';
import { readMemberUsers } from '../resources/users.js';
import type { Entity } from './validate.js';

/** A role holder found by {@link readRoleHolders}. */
export interface RoleHolder {
  readonly userId: string;
  /** The member joined with its user (a user carrying only its id when the user entry is gone), as `getMember` returns it. */
  readonly member: Entity;
  /** The stored user, or null when it is absent. */
  readonly user: Entity | null;
}

/** Member buckets scanned together by the per-command path (bounds the raw replies held at once; ~64 members per bucket). */
const BUCKETS_PER_WAVE = 256;

/** Member buckets one `sakeRoleHolders` call scans (~4 000 members: a few ms of Redis time per call). */
const BUCKETS_PER_CALL = 64;

/** A scanned member that may hold a role: decoded, kept when its `roles` really hold one. */
function keepHolder(found: Array<{ userId: string; member: Entity }>, guildId: string, key: string, field: Buffer, record: Uint8Array, roleIds: ReadonlySet<string>): void {
  const userId = idFromBytes(field);
  const member = memberCodec.decode(record, fieldLocator(key, userId), guildId, { id: userId } as UserEntity) as unknown as Entity;
  const roles = member.roles;
  if (Array.isArray(roles) && roles.some((r) => typeof r === 'string' && roleIds.has(r))) found.push({ userId, member });
}

/**
 * The scan in Redis: `sakeRoleHolders` calls over the guild's buckets (all in its slot), which
 * answer only the members whose record contains a needle: a 100k-member guild's members no
 * longer cross the wire and Node for a role delete (each was read and searched here before).
 */
async function scanInRedis(ctx: Ctx, guildId: string, buckets: number, needles: readonly Buffer[], roleIds: ReadonlySet<string>): Promise<Array<{ userId: string; member: Entity }>> {
  const calls: Array<Promise<Array<{ userId: string; member: Entity }>>> = [];
  for (let from = 0; from < buckets; from += BUCKETS_PER_CALL) {
    const to = Math.min(buckets, from + BUCKETS_PER_CALL);
    const args = [`${ctx.keys.guildTag(guildId)}:m:`, String(from), String(to), ...needles];
    calls.push(
      ctx.conn.run('sakeRoleHolders', () => ctx.conn.batched.sakeRoleHoldersBuffer(ctx.keys.guildMeta(guildId), args), ctx.keys.memberBucket(guildId, from)).then((flat) => {
        const found: Array<{ userId: string; member: Entity }> = [];
        for (let i = 0; i + 2 < flat.length; i += 3) {
          const field = flat[i]!;
          // The reply does not say the bucket: it follows from the user id, as for every member.
          const key = ctx.keys.memberBucket(guildId, bucketOf(idFromBytes(field), buckets));
          const record = joinRecord(flat[i + 1]!, flat[i + 2]!, fieldLocator(key, idFromBytes(field)));
          keepHolder(found, guildId, key, field, record, roleIds);
        }
        return found;
      }),
    );
  }
  return (await Promise.all(calls)).flat();
}

/** The scan in Node (the fallback when a bucket holds a foreign value: these reads name the key in their error). */
async function scanInNode(ctx: Ctx, guildId: string, buckets: number, needles: readonly Buffer[], roleIds: ReadonlySet<string>): Promise<Array<{ userId: string; member: Entity }>> {
  const found: Array<{ userId: string; member: Entity }> = [];
  for (let from = 0; from < buckets; from += BUCKETS_PER_WAVE) {
    const to = Math.min(buckets, from + BUCKETS_PER_WAVE);
    const scans: Array<Promise<void>> = [];
    for (let b = from; b < to; b++) {
      const key = ctx.keys.memberBucket(guildId, b);
      scans.push(
        (async () => {
          const entries = await bucketEntries(ctx, key);
          if (entries.length === 0) return;
          const fields = entries.map(([f]) => f);
          const values = await joinTails(ctx, ctx.keys.memberTails(guildId, b), fields, entries.map(([, v]) => v), (i) => fieldLocator(key, idFromBytes(fields[i]!)));
          for (let i = 0; i < values.length; i++) {
            const bytes = values[i]!;
            const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
            let mayHold = false;
            for (let n = 0; n < needles.length && !mayHold; n++) mayHold = view.indexOf(needles[n]!) >= 0;
            if (mayHold) keepHolder(found, guildId, key, fields[i]!, bytes, roleIds);
          }
        })(),
      );
    }
    await Promise.all(scans);
  }
  return found;
}

/** The cached members of `guildId` whose `roles` hold any of `roleIds`, joined with their users. */
export async function readRoleHolders(ctx: Ctx, guildId: string, roleIds: ReadonlySet<string>): Promise<RoleHolder[]> {
  const buckets = await readMemberBuckets(ctx, guildId);
  if (buckets === null) return [];
  const needles: Buffer[] = [];
  for (const roleId of roleIds) needles.push(idBytes(roleId), Buffer.from(roleId, 'latin1'));
  let found: Array<{ userId: string; member: Entity }>;
  try {
    found = await scanInRedis(ctx, guildId, buckets, needles, roleIds);
  } catch (err) {
    if (!(err instanceof InvalidDataFound) || !/\bWRONGTYPE\b/.test(err.message)) throw err;
    found = await scanInNode(ctx, guildId, buckets, needles, roleIds);
  }
  if (found.length === 0) return [];
  const users = await readMemberUsers(ctx, found.map((f) => f.userId));
  return found.map(({ userId, member }, i) => {
    const user = (users[i] ?? null) as Entity | null;
    // The member was decoded for this scan alone (with a placeholder user in the user's place):
    // set its user in place rather than copy it.
    member.user = user ?? { id: userId };
    return { userId, member, user };
  });
}
