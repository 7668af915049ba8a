/**
 * The pre-read: the values the simulation starts from (apply/simulate.ts), read in one wave of
 * commands issued together, and the keys a non-guild-scoped clear empties.
 */
import type { ResourceName } from '@sake/abc';
import type { Ctx } from '../context.js';
import { bucketOf, parseVoiceMember } from '../keys.js';
import { guildsOfUser, readGuildChild, readLocated } from '../resources/children.js';
import { decodeExpiring, expiringKey, liveIds, readExpiring } from '../resources/expiring.js';
import { readGuild } from '../resources/guilds.js';
import { readMember } from '../resources/members.js';
import { readMe, readUsers } from '../resources/users.js';
import type { Tracked } from './tracked.js';
import type { AnyKey, Checked, Entity } from './validate.js';

/** An entry's stored value (null: absent), through the reader its resource uses. */
export function readValue(ctx: Ctx, resource: ResourceName, key: AnyKey): Promise<Entity | null> {
  // The readers' promises, with absent as null (no async wrapper per entry: a batch reads thousands).
  let read: Promise<unknown>;
  switch (resource) {
    case 'guild':
      read = readGuild(ctx, key.guildId!);
      break;
    case 'channel':
      read = readLocated(ctx, 'channel', key.channelId!);
      break;
    case 'role':
      read = readLocated(ctx, 'role', key.roleId!);
      break;
    case 'emoji':
      read = readLocated(ctx, 'emoji', key.emojiId!);
      break;
    case 'member':
      read = readMember(ctx, key.guildId!, key.userId!);
      break;
    case 'presence':
    case 'voiceState':
      read = readGuildChild(ctx, resource, key.guildId!, key.userId!);
      break;
    case 'message':
      read = readExpiring(ctx, 'message', key.messageId!);
      break;
    case 'invite':
      read = readExpiring(ctx, 'invite', key.code!);
      break;
    case 'user':
      read = readUsers(ctx, [key.userId!]).then((users) => users[0]);
      break;
    case 'me':
      read = readMe(ctx);
      break;
    default:
      read = Promise.resolve(undefined);
  }
  return read.then(orNull);
}

/**
 * Read tracked messages and invites into their entries, with when each expires (`expireAt`: epoch
 * ms, null for none) for those that want it: one command per few hundred on a single node
 * (`TopologyReader.expiring`), not a GET and a PTTL each. An unreadable record is an error naming its key.
 */
export async function readExpiringEntries(ctx: Ctx, entries: readonly Tracked[]): Promise<void> {
  if (entries.length === 0) return;
  const ids = entries.map((t) => (t.resource === 'message' ? t.key.messageId! : t.key.code!));
  const keys = entries.map((t, i) => expiringKey(ctx, t.resource as 'message' | 'invite', ids[i]!));
  const found = await ctx.reader.expiring(ctx, keys);
  // The few ms between the reply and now only move an expiry that much later.
  const now = Date.now();
  entries.forEach((t, i) => {
    const [bytes, pttl] = found[i]!;
    t.value = bytes ? (decodeExpiring(t.resource as 'message' | 'invite', bytes, keys[i]!, ids[i]!) as unknown as Entity) : null;
    if (t.wantsExpiry === true && t.value !== null && pttl !== -2) t.expireAt = pttl < 0 ? null : now + pttl;
  });
}

/** A read's value with absent (undefined) as null. */
export function orNull(value: unknown): Entity | null {
  return (value ?? null) as Entity | null;
}

/**
 * Read the tracked entries. A user that is also followed as a member (a member merge carrying its
 * user: every message author) comes from the member read, which joins it, instead of a second
 * read of its bucket; it is read on its own only when the member is absent.
 */
export function readValues(ctx: Ctx, entries: readonly Tracked[]): Promise<Array<Entity | null>> {
  const memberReads = new Map<string, Promise<Entity | null>>();
  const reads: Array<Promise<Entity | null> | undefined> = entries.map((t) => {
    if (t.resource === 'user') return undefined;
    const read = readValue(ctx, t.resource, t.key);
    if (t.resource === 'member' && !memberReads.has(t.key.userId!)) memberReads.set(t.key.userId!, read);
    return read;
  });
  entries.forEach((t, i) => {
    if (reads[i] !== undefined) return;
    const viaMember = memberReads.get(t.key.userId!);
    reads[i] =
      viaMember === undefined
        ? readValue(ctx, 'user', t.key)
        : viaMember.then((member) => {
            const user = member?.user as Entity | undefined;
            // A member joined with a bare `{ id }` has no user entry behind it: read the bucket to be sure.
            return user !== undefined && Object.keys(user).length > 1 ? { ...user } : readValue(ctx, 'user', t.key);
          });
  });
  return Promise.all(reads as Array<Promise<Entity | null>>);
}

/** Keys a non-guild-scoped clearFor empties, as stored before the batch. */
export async function scopeKeys(ctx: Ctx, m: Extract<Checked, { type: 'clearFor' }>): Promise<AnyKey[]> {
  const keys = ctx.keys;
  switch (m.resource) {
    case 'member':
    case 'presence':
      return (await guildsOfUser(ctx, m.resource, m.id)).map((guildId) => ({ guildId, userId: m.id }));
    case 'voiceState': {
      const members = await ctx.conn.run('SMEMBERS', (c) => c.smembers(keys.voiceInChannel(m.id)));
      return members.map((s) => {
        const [guildId, userId] = parseVoiceMember(s);
        return { guildId, userId };
      });
    }
    case 'message': {
      const index =
        m.scope === 'guild'
          ? keys.messagesByGuild(m.id)
          : m.scope === 'channel'
            ? keys.messagesByChannel(m.id)
            : keys.messagesByAuthor(bucketOf(m.id, ctx.userBuckets), m.id);
      return (await liveIds(ctx, index)).map((messageId) => ({ messageId }));
    }
    case 'invite': {
      const index = m.scope === 'guild' ? keys.invitesByGuild(m.id) : keys.invitesByChannel(m.id);
      return (await liveIds(ctx, index)).map((code) => ({ code }));
    }
    default:
      return [];
  }
}
