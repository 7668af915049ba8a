/**
 * The users a batch sets with a `ttlMs`, in batch order against the member and presence deletes,
 * replaces and clears of its guild ops. Their list updates (user-ops `M-`/`P-`) are queued after the
 * batch's user writes (a replace or clear learns whom it dropped only from its script's reply), and
 * user-ops does not remember a `ttlMs` given while a list refers to the user: a user set with a
 * `ttlMs` after the op that dropped its last member would get the default retention. Such a user is
 * written again after the list updates, with its `ttlMs`, when that write came after every op of the
 * batch that dropped it ({@link UserTtls.rewrite}). The other way round, the lists
 * don't hold yet the members and presences the batch wrote before a user's `ttlMs` write: that
 * `ttlMs` is dropped here ({@link UserTtls.write}).
 */
import type { Entity } from './validate.js';

/** A user's last write of the batch, when it carried a `ttlMs`. */
interface TtlWrite {
  readonly seq: number;
  readonly value: Entity;
  readonly ttlMs: number;
}

/** See the module comment. */
export class UserTtls {
  #seq = 0;
  readonly #last = new Map<string, TtlWrite>();
  /**
   * The members and presences the batch has written so far, by guild: Redis does not list them yet
   * when the batch's user writes run, so user-ops can't see them.
   */
  readonly #refs = { m: new Map<string, Set<string>>(), p: new Map<string, Set<string>>() };

  /** Note that the batch wrote a member (`m`) or presence (`p`) of a user in a guild. */
  added(list: 'm' | 'p', guildId: string, userId: string): void {
    const users = this.#refs[list].get(guildId);
    if (users) users.add(userId);
    else this.#refs[list].set(guildId, new Set([userId]));
  }

  /** Note a delete of a member (`m`) or presence (`p`) of a user in a guild; returns its place in the batch. */
  removed(list: 'm' | 'p', guildId: string, userId: string): number {
    this.#refs[list].get(guildId)?.delete(userId);
    return this.#seq++;
  }

  /** Note a replace (of the batch's writes only `kept` stay) or clear of a guild's members or presences; returns its place in the batch. */
  replaced(list: 'm' | 'p', guildId: string, kept: readonly string[] = []): number {
    this.#refs[list].set(guildId, new Set(kept));
    return this.#seq++;
  }

  /**
   * Note a user write and return the `ttlMs` it gets. `given` a number: that `ttlMs`, but none (the
   * orphan default) when a member or presence the batch wrote refers to the user (a `ttlMs` given
   * while the user is referenced is not remembered; user-ops checks the references already in
   * Redis); undefined: none (a plain set); null: the deadline it has (a merge, with its new value).
   */
  write(userId: string, value: Entity, given: number | null | undefined): number | null | undefined {
    const ttlMs = typeof given === 'number' && this.#referenced(userId) ? undefined : given;
    const last = this.#last.get(userId);
    if (ttlMs === null) {
      if (last) this.#last.set(userId, { ...last, value });
    } else if (ttlMs === undefined) this.#last.delete(userId);
    else this.#last.set(userId, { seq: this.#seq++, value, ttlMs });
    return ttlMs;
  }

  /** Whether a member or presence the batch wrote (and kept so far) refers to the user. */
  #referenced(userId: string): boolean {
    for (const byGuild of [this.#refs.m, this.#refs.p]) for (const users of byGuild.values()) if (users.has(userId)) return true;
    return false;
  }

  /** The users the follow-ups dropped from a list, with the place of the last op that dropped each. */
  readonly #dropped = new Map<string, number>();

  /** Note that the op at `seq` dropped the user from a list (its `M-`/`P-` is queued). */
  dropped(userId: string, seq: number): void {
    const before = this.#dropped.get(userId);
    if (before === undefined || seq > before) this.#dropped.set(userId, seq);
  }

  /**
   * Write again, with `write` (the plan's `setUser`, after the queued list updates), each dropped
   * user whose `ttlMs` write came after every op that dropped it: then no list referred to it when
   * it was given. One that some later op dropped was referred to then, and keeps no `ttlMs`.
   */
  rewrite(write: (userId: string, value: Entity, ttlMs: number) => void): void {
    for (const [userId, seq] of this.#dropped) {
      const last = this.#last.get(userId);
      if (last !== undefined && last.seq > seq) write(userId, last.value, last.ttlMs);
    }
    this.#dropped.clear();
  }
}
