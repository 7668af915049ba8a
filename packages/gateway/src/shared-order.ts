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
 * own. The state per user is the newest `set` plus the merges newer than it,
 * in stamp order; it is kept only while an older event may still be handed
 * over (the low-water mark below), so it holds the users of the events in
 * flight. Events mostly come in stamp order: then a merge is kept whole,
 * and a set is compared with what is known (to tell whether it changes the
 * user, so that batches setting the same user need not wait for each other).
 *
 * Rewriting fixes what a batch says; the listener still has to make batches
 * that write the same user land in the order they were handed over (see
 * `GatewayListener`), since a backend may write concurrent batches in any
 * order.
 */
import type { Mutation, Snowflake } from '@sake/abc';

type UserFields = Record<string, unknown>;

/** A merge and the stamp of its event. */
interface Merged {
  readonly patch: UserFields;
  readonly s: number;
}

interface UserState {
  /** Stamp of the newest `set` (-1: none seen while the state was kept). */
  base: number;
  /** That set's value (undefined with no set). */
  value: UserFields | undefined;
  /** Fields merged by events newer than `base`: their newest values… */
  merged: UserFields | undefined;
  /** …and the stamps of the events that wrote them. */
  stamps: Record<string, number> | undefined;
  /**
   * Merges that came in stamp order, not yet spread into `merged`/`stamps`
   * (most users never need that: only an older write compares fields).
   */
  recent: Merged[] | undefined;
  /** Whether every field's current value is known, for a set's comparison (merges forgotten as too old make it false until a set). */
  exact: boolean;
  /** Newest stamp that wrote anything. */
  max: number;
  /**
   * Changes with every merge, and with every set that changes the user
   * (unique across users and states): two batches writing the same version
   * may land in either order (every GUILD_CREATE sets the bot's own user,
   * unchanged). Merges are not compared: comparing them cost the listener
   * ~3 µs per mixed event and bought no measurable throughput.
   */
  version: number;
}

/** Stamps are counted in blocks of this many: the low-water mark is a block's first stamp. */
const BLOCK = 256;

/** The newest-wins state of the users written by events in flight. */
export class SharedOrder {
  readonly #users = new Map<Snowflake, UserState>();
  /** The next stamp handed out. */
  #next = 0;
  /** Unfinished stamps per block, from block `#first` on. */
  readonly #open: number[] = [];
  #first = 0;
  /** Sweep the states once the low-water mark reaches this. */
  #sweepAt = 4 * BLOCK;
  /** The last version handed out. */
  #version = 0;
  /** The state the last #set or #merge looked at. */
  #touched: UserState | undefined;

  /** Users whose state is kept (for tests and stats). */
  get size(): number {
    return this.#users.size;
  }

  /** The stamp of the next dispatch: call in gateway order, and {@link finish} each one. */
  stamp(): number {
    const s = this.#next++;
    const block = Math.floor(s / BLOCK) - this.#first;
    this.#open[block] = (this.#open[block] ?? 0) + 1;
    return s;
  }

  /**
   * A dispatch will write nothing more (handed over, skipped or failed):
   * states that only events before every unfinished one wrote can't matter
   * any more.
   */
  finish(stamp: number): void {
    const block = Math.floor(stamp / BLOCK) - this.#first;
    this.#open[block]!--;
    if (block !== 0 || this.#open[0] !== 0) return;
    // The oldest block is done: the mark moves to the first block with an unfinished stamp.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- shift() below changes #open[0]; TypeScript keeps the narrowing from above
    while (this.#open.length > 0 && this.#open[0] === 0 && (this.#first + 1) * BLOCK <= this.#next) {
      this.#open.shift();
      this.#first++;
    }
    if (this.#first * BLOCK >= this.#sweepAt) this.#sweep();
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
        const patch = this.#merge(m.key.userId, m.patch, s);
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
    const value = this.#set(user, s) ?? this.#current(this.#users.get(member.user.id)!);
    this.#wrote(member.user.id, users);
    return value === user ? member : { ...member, user: value };
  }

  /** Record the version of the user the last #set/#merge wrote. */
  #wrote(id: Snowflake, users: Map<Snowflake, number>): void {
    users.set(id, this.#touched!.version);
  }

  /**
   * A `set` of `value` at stamp `s`: the value to write (`value` itself when
   * nothing newer is known), or undefined when a newer `set` superseded it.
   */
  #set(value: UserFields, s: number): UserFields | undefined {
    const id = value.id as Snowflake;
    const state = this.#users.get(id);
    if (state === undefined) {
      this.#touched = { base: s, value, merged: undefined, stamps: undefined, recent: undefined, exact: true, max: s, version: ++this.#version };
      this.#users.set(id, this.#touched);
      return value;
    }
    this.#touched = state;
    if (s < state.base) return undefined;
    this.#spread(state);
    const before = state.base < 0 || !state.exact ? undefined : this.#current(state);
    // Fields merged by newer events stay; the rest is this set's.
    let merged: UserFields | undefined;
    let stamps: Record<string, number> | undefined;
    if (s < state.max && state.stamps !== undefined) {
      for (const field of Object.keys(state.stamps)) {
        if (state.stamps[field]! <= s) continue;
        (merged ??= {})[field] = state.merged![field];
        (stamps ??= {})[field] = state.stamps[field]!;
      }
    }
    state.base = s;
    state.value = value;
    state.merged = merged;
    state.stamps = stamps;
    state.exact = true;
    if (s > state.max) state.max = s;
    const next = merged === undefined ? value : { ...value, ...merged, id };
    if (before === undefined || !sameFields(before, next)) state.version = ++this.#version;
    return next;
  }

  /** A `merge` of `patch` at stamp `s`: the fields no newer write has set (with `id`), or undefined when none. */
  #merge(userId: Snowflake, patch: UserFields, s: number): UserFields | undefined {
    const state = this.#users.get(userId);
    if (state === undefined) {
      this.#touched = {
        base: -1,
        value: undefined,
        merged: undefined,
        stamps: undefined,
        recent: [{ patch, s }],
        exact: true,
        max: s,
        version: ++this.#version,
      };
      this.#users.set(userId, this.#touched);
      return patch;
    }
    this.#touched = state;
    if (s < state.base) return undefined;
    // In stamp order (the usual case) every field is this event's: remembered as a whole.
    if (s >= state.max) return this.#recent(state, patch, s);
    // Out of order: only the fields no newer merge wrote.
    this.#spread(state);
    const merged = (state.merged ??= {});
    const stamps = (state.stamps ??= {});
    let kept = 0;
    let skipped = false;
    for (const field of Object.keys(patch)) {
      if (field === 'id') continue;
      if ((stamps[field] ?? -1) > s) {
        skipped = true;
        continue;
      }
      merged[field] = patch[field];
      stamps[field] = s;
      kept++;
    }
    if (s > state.max) state.max = s;
    if (kept === 0) return undefined;
    state.version = ++this.#version;
    if (!skipped) return patch;
    const out: UserFields = { id: userId };
    for (const field of Object.keys(patch)) if (field !== 'id' && stamps[field] === s) out[field] = patch[field];
    return out;
  }

  /** A merge in stamp order: kept whole (spread into per-field stamps only when an older write needs them). */
  #recent(state: UserState, patch: UserFields, s: number): UserFields {
    let recent = state.recent;
    // Merges older than every unfinished event no write will be compared with: forget them, and with them exact equality.
    const mark = this.#first * BLOCK;
    if (recent !== undefined && recent[0]!.s < mark) {
      recent = recent.filter((m) => m.s >= mark);
      state.exact = false;
    }
    (state.recent = recent ?? []).push({ patch, s });
    state.max = s;
    state.version = ++this.#version;
    return patch;
  }

  /** Spread the in-order merges into `merged`/`stamps`, for a write that compares fields. */
  #spread(state: UserState): void {
    const recent = state.recent;
    if (recent === undefined) return;
    state.recent = undefined;
    const merged = (state.merged ??= {});
    const stamps = (state.stamps ??= {});
    for (const { patch, s } of recent) {
      for (const field of Object.keys(patch)) {
        if (field === 'id') continue;
        merged[field] = patch[field];
        stamps[field] = s;
      }
    }
  }

  /** The newest value known of a user whose newest `set` is kept. */
  #current(state: UserState): UserFields {
    this.#spread(state);
    return state.merged === undefined ? state.value! : { ...state.value, ...state.merged, id: state.value!.id };
  }

  /** Drop the states no unfinished event can write against. */
  #sweep(): void {
    const mark = this.#first * BLOCK;
    for (const [id, state] of this.#users) if (state.max < mark) this.#users.delete(id);
    this.#sweepAt = mark + Math.max(4 * BLOCK, this.#users.size);
  }
}

/** Two JSON-shaped values that a cache stores the same. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  return !Array.isArray(b) && sameFields(a as UserFields, b as UserFields);
}

/** Two objects with the same fields and values. */
function sameFields(a: UserFields, b: UserFields): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(b, key) || !sameValue(a[key], b[key])) return false;
  return true;
}
