/**
 * The op stream's guild ops (scripts/includes/batch-guilds.lua): guild records and their channels,
 * roles and emojis. Children are named by their 8-byte ids and guilds by both their decimal and
 * 8-byte ids, so the script converts nothing but a locator's guild.
 */
import type { GuildEntity } from '@sake/abc';
import { childCodec, encodeRecord, guildCodec, idBytes } from '../codec/index.js';
import { memberBucketsFor } from '../apply/plan.js';
import { GUILD_CHILD_HASH } from '../keys.js';
import type { Checked, Entity } from '../apply/validate.js';
import type { OpStreamWriter } from './writer.js';

/** The located children: channels, roles, emojis. */
export type LocatedResource = 'channel' | 'role' | 'emoji';

/** Whether `resource` is a guild record or a located child (the ops of this module). */
export function isGuildStructure(resource: Checked['resource']): resource is 'guild' | LocatedResource {
  return resource === 'guild' || resource === 'channel' || resource === 'role' || resource === 'emoji';
}

/** The member bucket count a guild record's `member_count` asks for ('' without one), as the plan sizes it. */
function buckets(value: Entity): string {
  return typeof value.member_count === 'number' ? String(memberBucketsFor(value.member_count)) : '';
}

/** A located child's own id from its key. */
function childId(key: Record<string, string>): string {
  return key.channelId ?? key.roleId ?? key.emojiId!;
}

/** Write `H`: set child `id` of `resource` under the guild its value names. */
function setChild(w: OpStreamWriter, resource: LocatedResource, id: string, value: Entity): void {
  const guildId = value.guild_id as string;
  w.op('H').text(GUILD_CHILD_HASH[resource]).text(guildId).bytes(idBytes(guildId)).bytes(idBytes(id));
  w.bytes(childCodec.encode(resource, value, id, guildId));
}

/** Write `W`: replace every child of `resource` in `guildId` by `values`. */
function replaceChildren(
  w: OpStreamWriter,
  resource: LocatedResource,
  guildId: string,
  values: ReadonlyArray<{ key: Record<string, string>; value: Entity }>,
): void {
  const parts: Buffer[] = [];
  for (const { key, value } of values) {
    const id = childId(key);
    const record = childCodec.encode(resource, value, id, guildId);
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(record.length);
    parts.push(idBytes(id), length, record);
  }
  w.op('W').text(GUILD_CHILD_HASH[resource]).text(guildId).bytes(idBytes(guildId)).bytes(Buffer.concat(parts));
}

/**
 * Write the op of a guild's or located child's set, delete or merge, or of a replace of a guild's
 * roles or emojis (coverage.ts says which of them the stream takes).
 */
export function encodeGuildOp(w: OpStreamWriter, m: Checked): void {
  if (m.type === 'replaceForGuild' && (m.resource === 'role' || m.resource === 'emoji')) {
    replaceChildren(w, m.resource, m.guildId, m.values);
    return;
  }
  if ((m.type !== 'set' && m.type !== 'delete' && m.type !== 'merge') || !isGuildStructure(m.resource)) {
    throw new TypeError(`sakeBatch has no guild op for a ${m.type} of ${m.resource}`);
  }
  const key = m.key as Record<string, string>;
  if (m.resource === 'guild') {
    const guildId = key.guildId!;
    if (m.type === 'set')
      w.op('G')
        .text(guildId)
        .bytes(guildCodec.encode(m.value as unknown as GuildEntity, guildId))
        .text(buckets(m.value));
    else if (m.type === 'delete') w.op('g').text(guildId);
    else
      w.op('Q')
        .text(guildId)
        .bytes(encodeRecord('guild', m.patch, { id: guildId }))
        .text(m.upsert ? '1' : '0')
        .text(buckets(m.patch));
    return;
  }
  const id = childId(key);
  if (m.type === 'set') setChild(w, m.resource, id, m.value);
  else if (m.type === 'delete') w.op('h').text(GUILD_CHILD_HASH[m.resource]).bytes(idBytes(id));
  // (A merge the stream takes sets no guild_id: the patch's record needs only the id implied.)
  else
    w.op('J')
      .text(GUILD_CHILD_HASH[m.resource])
      .bytes(idBytes(id))
      .bytes(encodeRecord(m.resource, m.patch, { id }));
}
