/** Bookkeeping of `requestMembers` calls: which chunks (by nonce) were applied. */
import { randomBytes } from 'node:crypto';
import type { Snowflake } from '@sake/abc';
import { MemberRequestError } from './errors.js';

/** What a completed `requestMembers` reports. */
export interface MemberRequestResult {
  /** The guild whose members were fetched. */
  readonly guildId: Snowflake;
  /** Members written to the cache. */
  readonly members: number;
  /** Chunks received. */
  readonly chunks: number;
  /** Requested user ids Discord did not find (only with `userIds`). */
  readonly notFound: readonly string[];
}

interface Pending {
  readonly guildId: Snowflake;
  readonly timeoutMs: number;
  readonly applied: Set<number>;
  chunkCount: number | undefined;
  members: number;
  notFound: string[];
  timer: NodeJS.Timeout;
  resolve(result: MemberRequestResult): void;
  reject(error: Error): void;
}

/** Tracks in-flight member requests. */
export class MemberRequests {
  readonly #pending = new Map<string, Pending>();

  /** Start tracking a request; the returned promise settles when every chunk is applied, or on timeout. */
  start(guildId: Snowflake, timeoutMs: number): { nonce: string; done: Promise<MemberRequestResult> } {
    // Discord caps nonces at 32 characters.
    const nonce = randomBytes(12).toString('hex');
    const done = new Promise<MemberRequestResult>((resolve, reject) => {
      const pending: Pending = {
        guildId,
        timeoutMs,
        applied: new Set(),
        chunkCount: undefined,
        members: 0,
        notFound: [],
        timer: setTimeout(() => this.#timeout(nonce), timeoutMs),
        resolve,
        reject,
      };
      this.#pending.set(nonce, pending);
    });
    return { nonce, done };
  }

  /** Whether `nonce` belongs to an in-flight request. */
  has(nonce: unknown): boolean {
    return typeof nonce === 'string' && this.#pending.has(nonce);
  }

  /** A chunk of a request was applied to the cache. */
  applied(nonce: string, chunkIndex: number, chunkCount: number, members: number, notFound: readonly unknown[]): void {
    const pending = this.#pending.get(nonce);
    if (!pending) return;
    pending.applied.add(chunkIndex);
    pending.chunkCount = chunkCount;
    pending.members += members;
    pending.notFound.push(...notFound.map(String));
    // The timeout counts from the last chunk, so a large guild's many chunks don't need one huge timeout.
    pending.timer.refresh();
    if (pending.applied.size >= chunkCount) {
      this.#settle(nonce);
      pending.resolve({ guildId: pending.guildId, members: pending.members, chunks: chunkCount, notFound: pending.notFound });
    }
  }

  /** A request failed (its chunk could not be written, the send failed, or Discord rate-limited it). */
  fail(nonce: string, error: Error): void {
    const pending = this.#pending.get(nonce);
    if (!pending) return;
    this.#settle(nonce);
    pending.reject(error);
  }

  /** Reject every in-flight request (the listener was detached). */
  failAll(reason: string): void {
    for (const [nonce, pending] of this.#pending)
      this.fail(nonce, new MemberRequestError(`requestMembers(${pending.guildId}) aborted: ${reason}`, pending.guildId));
  }

  #settle(nonce: string): void {
    const pending = this.#pending.get(nonce);
    if (pending) clearTimeout(pending.timer);
    this.#pending.delete(nonce);
  }

  #timeout(nonce: string): void {
    const pending = this.#pending.get(nonce);
    if (!pending) return;
    const got = pending.chunkCount === undefined ? 'no chunk arrived' : `${pending.applied.size} of ${pending.chunkCount} chunks were applied`;
    this.fail(nonce, new MemberRequestError(`requestMembers(${pending.guildId}) timed out after ${pending.timeoutMs} ms: ${got}`, pending.guildId));
  }
}
