/**
 * Gateway order for entities shared across guilds (users).
 *
 * The listener applies each guild's events in order, but different guilds'
 * events in whatever order its queue runs them, and a user belongs to every
 * guild it is in: a burst could leave a user with an older value than the
 * gateway's last word. Every dispatch gets a stamp, its place in the
 * listener's stream (shards interleaved as they arrived, which keeps each
 * shard's order), and this module rewrites each user write so that its effect
 * is what sequential application would leave: a field keeps the value of the
 * newest event that wrote it, whatever order the events are translated in.
 *
 * A `set` writes every field (absent ones are removed), a `merge` only its
 * own. The state per user is the newest `set` (`base`) plus the fields merged
 * after it; it is kept only while an older event may still be translated
 * (the low-water mark below), so it holds the users of the events in flight.
 *
 * Rewriting fixes what a batch says; the listener still has to make batches
 * that write the same user land in the order they were handed over (see
 * `GatewayListener`), since a backend may write concurrent batches in any
 * order.
 */
import type { Mutation, Snowflake } from '@sake/abc';

type UserFields = Record<string, unknown>;

/** A field a merge wrote, and the stamp of its event. */
interface Written {
  readonly v: unknown;
  readonly s: number;
}

interface UserState {
  /** Stamp of the newest `set` (-1: none seen while the state was kept). */
  base: number;
  /** That set's value (undefined with no set). */
  value: UserFields | undefined;
  /** Fields merged by events newer than `base` (a newer set drops them). */
  over: Map<string, Written> | undefined;
  /** Newest stamp that wrote anything. */
  max: number;
  /**
   * Changes whenever a write changes what the user is known to be (unique
   * across users and states): two batches writing the same version of a user
   * may land in either order (every GUILD_CREATE writes the bot's own user).
   */
  version: number;
}

/** The newest-wins state of the users written by events in flight. */
export class SharedOrder {
  readonly #users = new Map<Snowflake, UserState>();
  /** The next stamp handed out. */
  #next = 0;
  /** Every stamp below it is finished (translated or skipped). */
  #floor = 0;
  /** Finished stamps at or above the floor. */
  readonly #finished = new Set<number>();
  /** Sweep the states once the floor reaches this. */
  #sweepAt = 1024;
  /** The last version handed out. */
  #version = 0;

  /** Users whose state is kept (for tests and stats). */
  get size(): number {
    return this.#users.size;
  }

  /** The stamp of the next dispatch: call in gateway order. */
  stamp(): number {
    return this.#next++;
  }

  /**
   * A dispatch will write nothing more (translated, skipped or failed): states
   * that only events before every unfinished one wrote can't matter any more.
   */
  finish(stamp: number): void {
    if (stamp !== this.#floor) {
      this.#finished.add(stamp);
      return;
    }
    this.#floor++;
    while (this.#finished.delete(this.#floor)) this.#floor++;
    if (this.#floor >= this.#sweepAt) this.#sweep();
  }

  /**
   * One mutation of the event stamped `s`, rewritten so its user writes keep
   * gateway order: the mutation itself, a copy with older fields left out, or
   * undefined when a newer write superseded all of it. Records in `users` the
   * version of each user it writes. Call in the order batches are handed to
   * the cache; batches writing different versions of a user must land in
   * that order.
   */
  write(m: Mutation, s: number, users: Map<Snowflake, number>): Mutation | undefined {
    if (m.resource === 'user') {
      if (m.type === 'set') {
        const value = this.#set(m.value as unknown as UserFields, s);
        if (value === undefined) return undefined;
        this.#wrote(m.value.id, users);
        return value === (m.value as unknown) ? m : { ...m, value: value as never };
      }
      if (m.type === 'merge') {
        const patch = this.#merge(m.key.userId, m.patch as UserFields, s);
        if (patch === undefined) return undefined;
        this.#wrote(m.key.userId, users);
        return patch === (m.patch as unknown) ? m : { ...m, patch: patch as never };
      }
      return m;
    }
    if (m.resource !== 'member') return m;
    if (m.type === 'set') {
      const value = this.#memberUser(m.value, s, users);
      return value === m.value ? m : { ...m, value };
    }
    if (m.type === 'merge' && m.patch.user !== undefined) {
      const user = m.patch.user as unknown as UserFields;
      const patch = this.#merge(m.key.userId, user, s);
      if (patch === user) {
        this.#wrote(m.key.userId, users);
        return m;
      }
      // `{ id }` changes no cached user (and an upserted member still finds its own).
      if (patch !== undefined) this.#wrote(m.key.userId, users);
      return { ...m, patch: { ...m.patch, user: (patch ?? { id: m.key.userId }) as never } };
    }
    if (m.type === 'replaceForGuild') return { ...m, values: m.values.map((member) => this.#memberUser(member, s, users)) };
    return m;
  }

  /** A member whose user a `set` at stamp `s` writes: with that user as gateway order has it. */
  #memberUser<M extends { user: { id: Snowflake } }>(member: M, s: number, users: Map<Snowflake, number>): M {
    const user = member.user as unknown as UserFields;
    const value = this.#set(user, s) ?? this.#current(member.user.id);
    this.#wrote(member.user.id, users);
    return value === user ? member : { ...member, user: value };
  }

  #wrote(id: Snowflake, users: Map<Snowflake, number>): void {
    users.set(id, this.#users.get(id)!.version);
  }

  /**
   * A `set` of `value` at stamp `s`: the value to write (`value` itself when
   * nothing newer is known), or undefined when a newer `set` superseded it.
   */
  #set(value: UserFields, s: number): UserFields | undefined {
    const id = value.id as Snowflake;
    const state = this.#users.get(id);
    if (state === undefined) {
      this.#users.set(id, { base: s, value, over: undefined, max: s, version: ++this.#version });
      return value;
    }
    if (s < state.base) return undefined;
    const before = state.base < 0 ? undefined : this.#current(id);
    const newer = state.over === undefined ? [] : [...state.over].filter(([, w]) => w.s > s);
    const next = newer.length === 0 ? value : overlay(value, newer);
    state.base = s;
    state.value = value;
    state.over = newer.length === 0 ? undefined : new Map(newer);
    state.max = Math.max(state.max, s);
    if (before === undefined || !sameFields(before, next)) state.version = ++this.#version;
    return next;
  }

  /** A `merge` of `patch` at stamp `s`: the fields no newer write has set (with `id`), or undefined when none. */
  #merge(userId: Snowflake, patch: UserFields, s: number): UserFields | undefined {
    let state = this.#users.get(userId);
    if (state === undefined) {
      state = { base: -1, value: undefined, over: undefined, max: s, version: ++this.#version };
      this.#users.set(userId, state);
    }
    if (s < state.base) return undefined;
    const over = (state.over ??= new Map());
    let kept: UserFields | undefined;
    let all = true;
    let changed = false;
    for (const [field, v] of Object.entries(patch)) {
      if (field === 'id') continue;
      const w = over.get(field);
      if (w !== undefined && w.s > s) {
        all = false;
        continue;
      }
      // Unchanged only where the field's current value is known and the same.
      const known = w !== undefined || state.value !== undefined;
      if (!known || !sameValue(w !== undefined ? w.v : state.value![field], v)) changed = true;
      over.set(field, { v, s });
      (kept ??= {})[field] = v;
    }
    state.max = Math.max(state.max, s);
    if (kept === undefined) return undefined;
    if (changed) state.version = ++this.#version;
    return all ? patch : { ...kept, id: userId };
  }

  /** The newest value known of a user whose newest `set` is kept. */
  #current(id: Snowflake): UserFields {
    const state = this.#users.get(id)!;
    return state.over === undefined ? state.value! : overlay(state.value!, state.over);
  }

  /** Drop the states no unfinished event can write against. */
  #sweep(): void {
    for (const [id, state] of this.#users) if (state.max < this.#floor) this.#users.delete(id);
    this.#sweepAt = this.#floor + Math.max(1024, this.#users.size);
  }
}

/** `value` with merged `fields` written over it. */
function overlay(value: UserFields, fields: Iterable<[string, Written]>): UserFields {
  const out: UserFields = { ...value };
  for (const [field, w] of fields) out[field] = w.v;
  return out;
}

/** Two field values that a cache stores the same (JSON-shaped). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && JSON.stringify(a) === JSON.stringify(b);
}

/** Two users with the same fields and values. */
function sameFields(a: UserFields, b: UserFields): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(b, key) || !sameValue(a[key], b[key])) return false;
  return true;
}
