/**
 * The layout version check run by `open()`: a new store gets the current
 * layout; a store with another layout (a newer one, or a number this code does
 * not know) is refused.
 */
import { randomBytes } from 'node:crypto';
import { BackendError } from '@sake/abc';
import type { Connection } from './connection.js';
import { Keys, LAYOUT_VERSION } from './keys.js';
import type { GuildRefWidth } from './resources/guild-refs.js';

/** What the layout record tells a cache about its store. */
export interface LayoutInfo {
  /** Number of user buckets of this store (fixed when the store is created). */
  userBuckets: number;
  /**
   * A random id the layout record gets when the store is created (or first seen without one). A
   * record that comes back with another epoch, or not at all, means the store was re-created
   * since: Redis restarted empty, and what this cache had written is gone.
   */
  epoch?: string;
  /**
   * How the per-user guild lists refer to guilds (resources/guild-refs.ts): 4-byte indexes into the
   * guild dictionary (`guildRefs` = `index` in the layout record: the only kind this code opens).
   */
  guildRefWidth: GuildRefWidth;
}

/** The `guildRefs` value of the layout record for a width. */
function guildRefsField(width: GuildRefWidth): string {
  return width === 4 ? 'index' : 'id';
}

/**
 * The width a layout record's `guildRefs` value stands for. Only `index` is read (GuildRefs reads
 * 4-byte indexes only): a record without it, or naming 8-byte ids (`id`), was written by an older
 * @sake/redis whose per-user guild lists this one would misread, so the store is refused.
 */
function guildRefWidthOf(field: string | undefined, keys: Keys): GuildRefWidth {
  if (field === 'index') return 4;
  if (field === undefined || field === 'id') {
    throw new BackendError(
      `the layout record ${JSON.stringify(keys.layout)} names ${field === undefined ? 'no guildRefs' : 'guildRefs "id"'}: written by an older @sake/redis, whose per-user guild lists this one does not read: clear the prefix`,
    );
  }
  throw new BackendError(
    `the layout record ${JSON.stringify(keys.layout)} holds an unknown guildRefs ${JSON.stringify(field)}: written by a newer @sake/redis?`,
  );
}

/** A fresh store epoch. */
function newEpoch(): string {
  return randomBytes(8).toString('hex');
}

function parseVersion(raw: string | undefined, keys: Keys): number {
  const version = Number(raw);
  if (!Number.isInteger(version) || version < 0) {
    throw new BackendError(`the layout record ${JSON.stringify(keys.layout)} holds an unreadable version ${JSON.stringify(raw)}: not a sake store, or damaged`);
  }
  return version;
}

/** Check (and create) the layout record; resolve with the store's layout info. */
export async function checkLayout(conn: Connection, keys: Keys, options: { userBuckets: number }): Promise<LayoutInfo> {
  const client = conn.client;
  let record = await client.hgetall(keys.layout);
  if (record.version === undefined) {
    // No layout record but data under the prefix: the record was lost (e.g. Redis restarted empty
    // while a running cache kept writing before re-asserting it). Claiming the store with our own
    // bucket count could read that data with another count than it was written with: refuse.
    // One EXISTS per key: on a cluster they are in different slots.
    const held = await Promise.all([keys.guilds, keys.guildSlots, keys.me].map((k) => client.exists(k)));
    if (held.some((n) => n > 0)) {
      throw new BackendError(
        `the store under prefix ${JSON.stringify(keys.prefix)} holds data but no layout record ${JSON.stringify(keys.layout)}: its user bucket count is unknown; retry once the process writing it has re-recorded its layout, or clear the prefix`,
      );
    }
    // A new store: claim it (HSETNX so two processes opening at once agree). Its guild lists refer
    // to guilds by index (guildRefs) from the start.
    await client.hsetnx(keys.layout, 'userBuckets', String(options.userBuckets));
    await client.hsetnx(keys.layout, 'guildRefs', guildRefsField(4));
    await client.hsetnx(keys.layout, 'version', String(LAYOUT_VERSION));
    record = await client.hgetall(keys.layout);
  }
  const version = parseVersion(record.version, keys);
  if (version > LAYOUT_VERSION) {
    throw new BackendError(
      `the store under prefix ${JSON.stringify(keys.prefix)} has key layout ${version}, newer than this @sake/redis (layout ${LAYOUT_VERSION}): upgrade @sake/redis`,
    );
  }
  if (version !== LAYOUT_VERSION) {
    // Below the first layout there is nothing this code knows how to read.
    throw new BackendError(
      `the store under prefix ${JSON.stringify(keys.prefix)} has key layout ${version}, which this @sake/redis (layout ${LAYOUT_VERSION}) does not know: clear the prefix`,
    );
  }
  const userBuckets = Number(record.userBuckets);
  if (!Number.isInteger(userBuckets) || userBuckets < 1) {
    throw new BackendError(`the layout record ${JSON.stringify(keys.layout)} holds an unreadable userBuckets ${JSON.stringify(record.userBuckets)}`);
  }
  // The epoch is written last (here, by whichever process gets there first; HSETNX: all agree), so a
  // record another process is still creating may lack it.
  let epoch = record.epoch;
  if (epoch === undefined) {
    await client.hsetnx(keys.layout, 'epoch', newEpoch());
    epoch = (await client.hget(keys.layout, 'epoch')) ?? undefined;
  }
  return { userBuckets, guildRefWidth: guildRefWidthOf(record.guildRefs, keys), ...(epoch === undefined ? {} : { epoch }) };
}

/** What {@link reassertLayout} found. */
export interface ReassertResult {
  /** Why this cache can't go on with the store (another layout or bucket count now), or null. */
  readonly conflict: string | null;
  /** Set when the store was re-created since this cache opened it (its data is gone): why it is known. */
  readonly reset: string | null;
  /** The store's epoch now (what to expect at the next reconnect). */
  readonly epoch: string | undefined;
}

/**
 * Re-record the layout of a store this cache already opened (after a reconnect: Redis may have come
 * back empty, layout record included). Reports a conflict when the record now names another layout
 * or bucket count than `expected` (another process claimed the store first), and a reset when the
 * record was missing or carries another epoch than the one this cache opened (the store was
 * re-created: what was written before is gone).
 */
export async function reassertLayout(conn: Connection, keys: Keys, expected: LayoutInfo): Promise<ReassertResult> {
  const client = conn.client;
  const created = await client.hsetnx(keys.layout, 'userBuckets', String(expected.userBuckets));
  await client.hsetnx(keys.layout, 'guildRefs', guildRefsField(expected.guildRefWidth));
  await client.hsetnx(keys.layout, 'version', String(LAYOUT_VERSION));
  await client.hsetnx(keys.layout, 'epoch', newEpoch());
  const record = await client.hgetall(keys.layout);
  if (
    record.version !== String(LAYOUT_VERSION) ||
    record.userBuckets !== String(expected.userBuckets) ||
    (record.guildRefs ?? 'id') !== guildRefsField(expected.guildRefWidth)
  ) {
    return {
      conflict: `the layout record ${JSON.stringify(keys.layout)} now holds version ${JSON.stringify(record.version)} / userBuckets ${JSON.stringify(record.userBuckets)} / guildRefs ${JSON.stringify(record.guildRefs ?? 'id')}, but this cache was opened with layout ${LAYOUT_VERSION} / ${expected.userBuckets} user buckets / guildRefs ${guildRefsField(expected.guildRefWidth)} (the store was re-created by another process after a restart): close and reopen the cache`,
      reset: null,
      epoch: record.epoch,
    };
  }
  let reset: string | null = null;
  if (created === 1)
    reset = `the layout record ${JSON.stringify(keys.layout)} was gone after a reconnect: Redis lost the store (restarted without persistence?)`;
  else if (expected.epoch !== undefined && record.epoch !== expected.epoch) {
    reset = `the layout record ${JSON.stringify(keys.layout)} carries another store epoch after a reconnect: the store was re-created (Redis restarted without persistence?)`;
  }
  return { conflict: null, reset, epoch: record.epoch };
}
