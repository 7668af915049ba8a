/**
 * The pre-read of a `removeRole`: the role's index in the guild's role
 * dictionary, which `sakeStripRoles` drops from every stored member whose
 * roles are in place (scripts/strip-roles.lua), and the few cached members that must be
 * rewritten in Node instead, joined with their users (the rewrite sets the
 * member and its user, so it needs the whole member as `getMember` returns
 * it): records with their roles kept verbatim in the extension map that contain the role's 8-byte id or its decimal string (a
 * record that contains neither can't hold it, whatever its encoding), and
 * records the script can't parse (decoding them reports what is wrong).
 */
import { InvalidDataFound, type UserEntity } from '@sake/abc';
import { idBytes, idFromBytes, memberCodec } from '../codec/index.js';
import { UnknownIndex, type IdDictionary } from '../codec/dictionary.js';
import { decodeWithRoles } from '../resources/roles.js';
import { joinRecord } from '../codec/split.js';
import { bucketOf } from '../keys.js';
import { CURRENT_SCHEMA } from '../codec/schemas.js';
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

/** Member buckets scanned together by the per-command path (bounds the raw replies held at once; ~64–128 members per bucket). */
const BUCKETS_PER_WAVE = 128;

/** Member buckets one `sakeRoleHolders` call scans (~2 000–4 000 members: a few ms of Redis time per call). */
const BUCKETS_PER_CALL = 32;

/** A member the scan found that may hold a role, not decoded yet. */
interface Candidate {
  readonly key: string;
  readonly userId: string;
  readonly record: Uint8Array;
}

/** Decode the candidates (with the guild's role dictionary) and keep those whose `roles` really hold one of `roleIds`. */
function keepHolders(ctx: Ctx, guildId: string, candidates: readonly Candidate[], roleIds: ReadonlySet<string>): Holders | Promise<Holders> {
  if (candidates.length === 0) return [];
  return decodeWithRoles(
    ctx.roles,
    guildId,
    () => candidates[0]!.key,
    (roles) => {
      const found: Holders = [];
      for (const c of candidates) keepHolder(found, guildId, c.key, c.userId, c.record, roleIds, roles);
      return found;
    },
  );
}

type Holders = Array<{ userId: string; member: Entity }>;

/** A scanned member that may hold a role: decoded, kept when its `roles` really hold one. */
function keepHolder(found: Holders, guildId: string, key: string, userId: string, record: Uint8Array, roleIds: ReadonlySet<string>, roles: IdDictionary): void {
  const where = fieldLocator(key, userId);
  let member: Entity;
  try {
    member = memberCodec.decode(record, where, guildId, { id: userId } as UserEntity, roles) as unknown as Entity;
  } catch (err) {
    if (err instanceof UnknownIndex) err.where = where;
    throw err;
  }
  const held = member.roles;
  if (Array.isArray(held) && held.some((r) => typeof r === 'string' && roleIds.has(r))) found.push({ userId, member });
}

/**
 * The scan in Redis: `sakeRoleHolders` calls over the guild's buckets (all in its slot), which
 * answer only the members `sakeStripRoles` can't edit and whose record contains a needle
 * (or can't be parsed): a 100k-member guild's members no longer cross the wire and Node for a
 * role delete.
 */
async function scanInRedis(
  ctx: Ctx,
  guildId: string,
  buckets: number,
  indexes: readonly number[],
  needles: readonly Buffer[],
  roleIds: ReadonlySet<string>,
): Promise<Holders> {
  const calls: Array<Promise<Holders>> = [];
  for (let from = 0; from < buckets; from += BUCKETS_PER_CALL) {
    const to = Math.min(buckets, from + BUCKETS_PER_CALL);
    const args = [ctx.keys.memberBucketPrefix(guildId), String(from), String(to), String(indexes.length), ...indexes.map(String), ...needles];
    calls.push(
      ctx.conn
        .run('sakeRoleHolders', () => ctx.conn.batched.sakeRoleHoldersBuffer(ctx.keys.guildMeta(guildId), args), ctx.keys.memberBucket(guildId, from))
        .then((flat) => {
          const candidates: Candidate[] = [];
          for (let i = 0; i + 2 < flat.length; i += 3) {
            const userId = idFromBytes(flat[i]!);
            // The reply does not say the bucket: it follows from the user id, as for every member.
            const key = ctx.keys.memberBucket(guildId, bucketOf(userId, buckets));
            candidates.push({ key, userId, record: joinRecord(flat[i + 1]!, flat[i + 2], fieldLocator(key, userId)) });
          }
          return keepHolders(ctx, guildId, candidates, roleIds);
        }),
    );
  }
  return (await Promise.all(calls)).flat();
}

/** The scan in Node (the fallback when a bucket holds a foreign value: these reads name the key in their error). */
async function scanInNode(ctx: Ctx, guildId: string, buckets: number, needles: readonly Buffer[], roleIds: ReadonlySet<string>): Promise<Holders> {
  const found: Holders = [];
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
          const values = await joinTails(
            ctx,
            ctx.keys.memberTails(guildId, b),
            fields,
            entries.map(([, v]) => v),
            (i) => fieldLocator(key, idFromBytes(fields[i]!)),
          );
          // This fallback only runs after a foreign value broke the script: every member record is
          // decoded here (their roles are indexes, not needles); other values only with a needle.
          const candidates: Candidate[] = [];
          for (let i = 0; i < values.length; i++) {
            const bytes = values[i]!;
            const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
            let mayHold = view[0] === CURRENT_SCHEMA.member.header;
            for (let n = 0; n < needles.length && !mayHold; n++) mayHold = view.indexOf(needles[n]!) >= 0;
            if (mayHold) candidates.push({ key, userId: idFromBytes(fields[i]!), record: bytes });
          }
          found.push(...(await keepHolders(ctx, guildId, candidates, roleIds)));
        })(),
      );
    }
    await Promise.all(scans);
  }
  return found;
}

/** What a removeRole's pre-read found in one guild. */
export interface RoleScan {
  /** Members holding one of the roles that `sakeStripRoles` can't edit: rewritten by Node. */
  readonly holders: RoleHolder[];
  /** Each role's index in the guild's role dictionary (absent: no stored record can hold it in place). */
  readonly indexes: ReadonlyMap<string, number>;
}

/** The pre-read of removeRole mutations of `roleIds` in `guildId` (see the module comment). */
export async function readRoleHolders(ctx: Ctx, guildId: string, roleIds: ReadonlySet<string>): Promise<RoleScan> {
  // The dictionary is read along with the bucket count: a role another process added to it has an
  // index this copy may not know yet.
  const [buckets, roles] = await Promise.all([readMemberBuckets(ctx, guildId), ctx.roles.refresh(guildId)]);
  const indexOf = new Map<string, number>();
  for (const roleId of roleIds) {
    const at = roles.indexOf(roleId);
    if (at >= 0) indexOf.set(roleId, at);
  }
  if (buckets === null) return { holders: [], indexes: indexOf };
  const needles: Buffer[] = [];
  for (const roleId of roleIds) needles.push(idBytes(roleId), Buffer.from(roleId, 'latin1'));
  const indexes = [...indexOf.values()];
  let found: Holders;
  try {
    found = await scanInRedis(ctx, guildId, buckets, indexes, needles, roleIds);
  } catch (err) {
    if (!(err instanceof InvalidDataFound) || !/\bWRONGTYPE\b/.test(err.message)) throw err;
    found = await scanInNode(ctx, guildId, buckets, needles, roleIds);
  }
  if (found.length === 0) return { holders: [], indexes: indexOf };
  const users = await readMemberUsers(
    ctx,
    found.map((f) => f.userId),
  );
  const holders = found.map(({ userId, member }, i) => {
    const user = (users[i] ?? null) as Entity | null;
    // The member was decoded for this scan alone (with a placeholder user in the user's place):
    // set its user in place rather than copy it.
    member.user = user ?? { id: userId };
    return { userId, member, user };
  });
  return { holders, indexes: indexOf };
}
