/**
 * The whole visible contents of a cache, read only through the public read
 * API of @sake/abc (every `iter…`, every `iter…For`, `len()`, and a `get…` of
 * every id), in a canonical order, so two backends fed the same events can be
 * compared with one `toEqual`.
 */
import { EntryNotFound, type Backend, type CacheIterator } from '@sake/abc';

type Entity = Record<string, unknown>;

/** What a point read found: the entity, or `absent` (EntryNotFound). Any other error propagates. */
type Found = Entity | 'absent';

/** Every id worth asking about: the scopes of the `…For` reads and the keys of the point reads. */
export interface SnapshotIds {
  guilds: Set<string>;
  channels: Set<string>;
  users: Set<string>;
  roles: Set<string>;
  emojis: Set<string>;
  messages: Set<string>;
  invites: Set<string>;
}

/** A cache's contents in canonical form. */
export interface CacheSnapshot {
  me: Found;
  all: Record<string, { len: number; entries: Entity[] }>;
  forGuild: Record<string, Record<string, Entity[]>>;
  forChannel: Record<string, Record<string, Entity[]>>;
  forUser: Record<string, Record<string, Entity[]>>;
  point: Record<string, Found>;
}

/** The canonical sort key of an entity (its identity within its resource). */
function identity(e: Entity): string {
  const user = e.user as { id?: string } | undefined;
  const parts = [e.guild_id, e.id, e.code, user?.id, e.user_id].filter((p) => typeof p === 'string');
  return parts.join('/');
}

/** Normalise what JSON cannot tell apart (undefined fields) and sort nested arrays that are sets. */
function canonical(e: Entity): Entity {
  return JSON.parse(JSON.stringify(e)) as Entity;
}

async function list(iterator: CacheIterator<unknown>): Promise<Entity[]> {
  const out = (await iterator.toArray()).map((e) => canonical(e as Entity));
  return out.sort((a, b) => (identity(a) < identity(b) ? -1 : identity(a) > identity(b) ? 1 : 0));
}

async function found(read: () => Promise<unknown>): Promise<Found> {
  try {
    return canonical((await read()) as Entity);
  } catch (error) {
    if (error instanceof EntryNotFound) return 'absent';
    throw error;
  }
}

const sorted = (ids: Iterable<string>): string[] => [...ids].sort();

/** Collect every id the top-level iterators of `caches` mention (union), plus `extra`. */
export async function collectIds(caches: readonly Backend[], extra: Partial<SnapshotIds> = {}): Promise<SnapshotIds> {
  const ids: SnapshotIds = {
    guilds: new Set(),
    channels: new Set(),
    users: new Set(),
    roles: new Set(),
    emojis: new Set(),
    messages: new Set(),
    invites: new Set(),
  };
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- `{ guilds: undefined }` is a Partial<SnapshotIds>; Object.entries' type drops the undefined
  for (const [k, v] of Object.entries(extra)) for (const id of v ?? []) (ids as unknown as Record<string, Set<string>>)[k]!.add(id);
  const add = (set: Set<string>, id: unknown): void => {
    if (typeof id === 'string') set.add(id);
  };
  // Every iterator of every cache at once: the Redis ones pipeline, and the union does not depend on order.
  await Promise.all(
    caches.flatMap((cache) => [
      cache
        .iterGuilds()
        .toArray()
        .then((all) => all.forEach((g) => add(ids.guilds, g.id))),
      cache
        .iterGuildChannels()
        .toArray()
        .then((all) => all.forEach((c) => (add(ids.channels, c.id), add(ids.guilds, c.guild_id)))),
      cache
        .iterRoles()
        .toArray()
        .then((all) => all.forEach((r) => (add(ids.roles, r.id), add(ids.guilds, r.guild_id)))),
      cache
        .iterEmojis()
        .toArray()
        .then((all) => all.forEach((e) => (add(ids.emojis, e.id), add(ids.guilds, e.guild_id)))),
      cache
        .iterMembers()
        .toArray()
        .then((all) => all.forEach((m) => (add(ids.users, m.user.id), add(ids.guilds, m.guild_id)))),
      cache
        .iterPresences()
        .toArray()
        .then((all) => all.forEach((p) => (add(ids.users, p.user.id), add(ids.guilds, p.guild_id)))),
      cache
        .iterVoiceStates()
        .toArray()
        .then((all) => all.forEach((v) => (add(ids.users, v.user_id), add(ids.guilds, v.guild_id), add(ids.channels, v.channel_id)))),
      cache
        .iterMessages()
        .toArray()
        .then((all) =>
          // A message upserted from a patch may have no author (the entity type says it always has one).
          all.forEach(
            (m) => (
              add(ids.messages, m.id),
              add(ids.channels, m.channel_id),
              add(ids.users, (m.author as { id?: string } | undefined)?.id),
              add(ids.guilds, m.guild_id)
            ),
          ),
        ),
      cache
        .iterInvites()
        .toArray()
        .then((all) => all.forEach((i) => (add(ids.invites, i.code), add(ids.channels, i.channel_id), add(ids.guilds, i.guild_id)))),
      cache
        .iterUsers()
        .toArray()
        .then((all) => all.forEach((u) => add(ids.users, u.id))),
    ]),
  );
  return ids;
}

/** Read everything `ids` points at from `cache`. */
export async function snapshot(cache: Backend, ids: SnapshotIds): Promise<CacheSnapshot> {
  const all: CacheSnapshot['all'] = {};
  const tops: [string, () => CacheIterator<unknown>][] = [
    ['guilds', () => cache.iterGuilds()],
    ['channels', () => cache.iterGuildChannels()],
    ['roles', () => cache.iterRoles()],
    ['emojis', () => cache.iterEmojis()],
    ['members', () => cache.iterMembers()],
    ['presences', () => cache.iterPresences()],
    ['voiceStates', () => cache.iterVoiceStates()],
    ['messages', () => cache.iterMessages()],
    ['invites', () => cache.iterInvites()],
    ['users', () => cache.iterUsers()],
  ];
  await Promise.all(
    tops.map(async ([name, make]) => {
      all[name] = { len: await make().len(), entries: await list(make()) };
    }),
  );
  const scoped = async (
    scopeIds: Set<string>,
    reads: [string, (id: string) => CacheIterator<unknown>][],
  ): Promise<Record<string, Record<string, Entity[]>>> => {
    const out: Record<string, Record<string, Entity[]>> = {};
    await Promise.all(
      sorted(scopeIds).map(async (id) => {
        const row: Record<string, Entity[]> = {};
        await Promise.all(reads.map(async ([name, read]) => void (row[name] = await list(read(id)))));
        out[id] = row;
      }),
    );
    return out;
  };
  const [forGuild, forChannel, forUser] = await Promise.all([
    scoped(ids.guilds, [
      ['channels', (id) => cache.iterGuildChannelsForGuild(id)],
      ['roles', (id) => cache.iterRolesForGuild(id)],
      ['emojis', (id) => cache.iterEmojisForGuild(id)],
      ['members', (id) => cache.iterMembersForGuild(id)],
      ['presences', (id) => cache.iterPresencesForGuild(id)],
      ['voiceStates', (id) => cache.iterVoiceStatesForGuild(id)],
      ['messages', (id) => cache.iterMessagesForGuild(id)],
      ['invites', (id) => cache.iterInvitesForGuild(id)],
    ]),
    scoped(ids.channels, [
      ['voiceStates', (id) => cache.iterVoiceStatesForChannel(id)],
      ['messages', (id) => cache.iterMessagesForChannel(id)],
      ['invites', (id) => cache.iterInvitesForChannel(id)],
    ]),
    scoped(ids.users, [
      ['members', (id) => cache.iterMembersForUser(id)],
      ['presences', (id) => cache.iterPresencesForUser(id)],
      ['messages', (id) => cache.iterMessagesForAuthor(id)],
    ]),
  ]);
  const point: Record<string, Found> = {};
  const reads: [string, () => Promise<unknown>][] = [];
  for (const g of ids.guilds) {
    reads.push([`guild ${g}`, () => cache.getGuild(g)]);
    for (const u of ids.users) {
      reads.push([`member ${g}/${u}`, () => cache.getMember(g, u)]);
      reads.push([`presence ${g}/${u}`, () => cache.getPresence(g, u)]);
      reads.push([`voiceState ${g}/${u}`, () => cache.getVoiceState(g, u)]);
    }
  }
  for (const c of ids.channels) reads.push([`channel ${c}`, () => cache.getGuildChannel(c)]);
  for (const r of ids.roles) reads.push([`role ${r}`, () => cache.getRole(r)]);
  for (const e of ids.emojis) reads.push([`emoji ${e}`, () => cache.getEmoji(e)]);
  for (const m of ids.messages) reads.push([`message ${m}`, () => cache.getMessage(m)]);
  for (const i of ids.invites) reads.push([`invite ${i}`, () => cache.getInvite(i)]);
  for (const u of ids.users) reads.push([`user ${u}`, () => cache.getUser(u)]);
  await Promise.all(
    reads.map(async ([name, read]) => {
      point[name] = await found(read);
    }),
  );
  return { me: await found(() => cache.getMe()), all, forGuild, forChannel, forUser, point };
}

/** Snapshot several caches over the same ids (the union of what any of them holds). */
export async function snapshots(caches: readonly Backend[], extra: Partial<SnapshotIds> = {}): Promise<CacheSnapshot[]> {
  const ids = await collectIds(caches, extra);
  return Promise.all(caches.map((c) => snapshot(c, ids)));
}

/** A short description of the first differences between two snapshots (for failure messages). */
export function firstDifferences(a: CacheSnapshot, b: CacheSnapshot, max = 5): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (out.length >= max) return;
    if (JSON.stringify(x) === JSON.stringify(y)) return;
    if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null && !Array.isArray(x) && !Array.isArray(y)) {
      for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) walk((x as Entity)[k], (y as Entity)[k], `${path}.${k}`);
      return;
    }
    if (Array.isArray(x) && Array.isArray(y) && x.length === y.length) {
      x.forEach((v, i) => walk(v, y[i], `${path}[${i}]`));
      return;
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- JSON.stringify gives undefined for undefined; lib.d.ts says string
    out.push(`${path}: ${JSON.stringify(x)?.slice(0, 300)} ≠ ${JSON.stringify(y)?.slice(0, 300)}`);
  };
  walk(a, b, 'cache');
  return out;
}
