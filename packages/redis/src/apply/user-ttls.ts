/**
 * The users a batch sets with a `ttlMs`, in batch order against the member and presence deletes,
 * replaces and clears of its guild ops. Their list updates (user-ops `M-`/`P-`) are queued after the
 * batch's user writes (a replace or clear learns whom it dropped only from its script's reply), and
 * user-ops does not remember a `ttlMs` given while a list refers to the user: a user set with a
 * `ttlMs` after the op that dropped its last member would get the default retention. The follow-up
 * writes such a user again after its list update, with its `ttlMs`.
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

  /** Note a user write: `ttlMs` a number sets one, undefined drops it (a plain set), null keeps it (a merge, with its new value). */
  write(userId: string, value: Entity, ttlMs: number | null | undefined): void {
    const last = this.#last.get(userId);
    if (ttlMs === null) {
      if (last) this.#last.set(userId, { ...last, value });
    } else if (ttlMs === undefined) this.#last.delete(userId);
    else this.#last.set(userId, { seq: this.#seq++, value, ttlMs });
  }

  /** The place in the batch of a member/presence delete, replace or clear: what {@link after} compares with. */
  mark(): number {
    return this.#seq++;
  }

  /** The user's `ttlMs` write (value and `ttlMs`) when it came after the delete, replace or clear at `seq`. */
  after(userId: string, seq: number): { value: Entity; ttlMs: number } | undefined {
    const last = this.#last.get(userId);
    return last !== undefined && last.seq > seq ? last : undefined;
  }
}
