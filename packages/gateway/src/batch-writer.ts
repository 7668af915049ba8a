/**
 * The listener's batch writer: hands translated batches to the cache in
 * order and handles their outcome. A long run's next batch may be handed over
 * while the previous one is written (backends that honour `after`); user
 * writes are put in gateway order at hand-over ({@link SharedOrder}) and a
 * batch waits for the batches in flight that write another version of one of
 * its users; a failed batch is isolated (its events written again one by
 * one) so one hostile payload fails alone; confirmations keep hand-over order.
 */
import { BackendError, type ApplyOptions, type ApplyResult, type Mutation, type Snowflake } from '@sake/abc';
import type { ListenerCache } from './events/types.js';
import type { SharedOrder } from './shared-order.js';

/** What the writer needs of an event: its stamp ({@link SharedOrder.stamp}). */
export interface StampedJob {
  /** Its place in the listener's stream. */
  readonly stamp: number;
}

/** An event translated and waiting for its batch to be written. */
export interface Pending<J extends StampedJob> {
  readonly job: J;
  /** The value cached before the event (filled in after the write when the backend reports it). */
  old: unknown;
  /** Where the event's mutations start in the batch. */
  readonly from: number;
  /** Batch indexes whose previous entries the backend is asked to report. */
  readonly oldAt?: number[];
  /** The old value is a list (MESSAGE_DELETE_BULK): the entries found. */
  readonly oldIsList?: boolean;
}

/** A batch handed to the cache by a listener run. */
export interface HandedOver {
  /** The cache's `apply` (for a batch of events without mutations, the previous batch's write, or a resolved promise). */
  readonly write: Promise<ApplyResult | void>;
  /** Resolves once its events are confirmed (or failed and isolated); never rejects. */
  readonly handled: Promise<void>;
}

/** A batch being written that writes shared entities: later batches writing the same ones wait for it. */
interface SharedWrite {
  /** The users it writes, each with the version of it written ({@link SharedOrder.write}). */
  readonly users: ReadonlyMap<Snowflake, number>;
  /** Resolves (never rejects) once the batch is applied or isolated. */
  readonly settled: Promise<unknown>;
}

/** Where the writer reports what became of a batch's events. */
export interface BatchOutcome<J> {
  /** An event is durably applied; `old` is the value cached before it. */
  confirm(job: J, old: unknown): void;
  /** Events could not be written. */
  failed(jobs: J[], cause: unknown): void;
  /** Something worth a warning (a backend breaking the old-values contract). */
  warn(message: string): void;
}

/** Hands batches to the cache in order and reports their events' outcome. */
export class BatchWriter<J extends StampedJob> {
  readonly #cache: Pick<ListenerCache, 'apply' | 'honoursAfter'>;
  readonly #order: SharedOrder;
  readonly #outcome: BatchOutcome<J>;
  /** Batches in flight that write users, oldest first. */
  #sharedWrites: SharedWrite[] = [];
  /** Batches and mutations written so far. */
  readonly written = { batches: 0, mutations: 0 };

  /**
   * @param cache - the backend written to
   * @param order - the stamps' order of user writes (finished here once a batch is handed over)
   * @param outcome - where each event's outcome goes
   */
  constructor(cache: Pick<ListenerCache, 'apply' | 'honoursAfter'>, order: SharedOrder, outcome: BatchOutcome<J>) {
    this.#cache = cache;
    this.#order = order;
    this.#outcome = outcome;
  }

  /**
   * Hand one batch to the cache and handle its outcome. With `previous` (a backend that honours
   * `after`), the write is ordered after the previous batch's and its handling after the previous
   * handling; a batch whose predecessor failed was not written at all, so it is applied again once
   * the predecessor's events have been isolated.
   */
  handOver(collected: Mutation[], translated: Pending<J>[], previous: HandedOver | undefined): HandedOver {
    const { batch, done, users } = this.#ordered(collected, translated);
    const shared = this.#waitForShared(users);
    const wanted: number[] = [];
    for (const r of done) if (r.oldAt) wanted.push(...r.oldAt);
    const after = previous && shared ? Promise.all([previous.write, shared]) : (previous?.write ?? shared);
    const overlapping = this.#cache.honoursAfter === true;
    const options: ApplyOptions = {
      ...(wanted.length > 0 ? { old: wanted } : {}),
      ...(after && overlapping && batch.length > 0 ? { after } : {}),
    };
    // A batch without mutations writes nothing, but the next one must still wait for the write before it.
    const write: Promise<ApplyResult | void> =
      batch.length === 0
        ? (previous?.write ?? Promise.resolve())
        : shared && !overlapping
          ? shared.then(() => this.#cache.apply(batch, options))
          : this.#cache.apply(batch, options);
    // Its failure is handled below, once the previous batch's handling is done: not unhandled meanwhile.
    write.catch(() => {});
    const handled = (async (): Promise<void> => {
      if (previous) await previous.handled;
      let result: ApplyResult | void;
      try {
        result = await write;
      } catch (error) {
        // Written again below: still after the batches that write the same users.
        await shared;
        if (
          previous &&
          (await previous.write.then(
            () => false,
            () => true,
          ))
        )
          await this.#applyBatch(batch, done, wanted);
        else await this.#isolate(batch, done, error);
        return;
      }
      this.#applied(batch, done, result, wanted);
    })();
    // Until its events are applied or isolated (which writes them again), later writers of its users wait.
    if (users.size > 0) this.#sharedWritten(users, handled);
    return { write, handled };
  }

  /**
   * Rewrite a batch's user writes into gateway order ({@link SharedOrder}), now that every batch
   * handed over before it is known; events whose writes were wholly superseded lose them.
   */
  #ordered(collected: Mutation[], translated: Pending<J>[]): { batch: Mutation[]; done: Pending<J>[]; users: Map<Snowflake, number> } {
    const users = new Map<Snowflake, number>();
    const batch: Mutation[] = [];
    const done: Pending<J>[] = [];
    for (const [i, r] of translated.entries()) {
      const end = translated[i + 1]?.from ?? collected.length;
      const from = batch.length;
      const oldAt: number[] | undefined = r.oldAt ? [] : undefined;
      for (let at = r.from; at < end; at++) {
        const m = this.#order.write(collected[at]!, r.job.stamp, users);
        if (m === undefined) continue;
        if (oldAt && r.oldAt!.includes(at)) oldAt.push(batch.length);
        batch.push(m);
      }
      this.#order.finish(r.job.stamp);
      done.push(from === r.from && oldAt === undefined ? r : { ...r, from, ...(oldAt ? { oldAt } : {}) });
    }
    return { batch, done, users };
  }

  /** What a batch writing `users` waits for: the batches in flight that write another version of any of them (never rejecting). */
  #waitForShared(users: ReadonlyMap<Snowflake, number>): Promise<unknown> | undefined {
    if (users.size === 0) return undefined;
    const before: Promise<unknown>[] = [];
    for (const w of this.#sharedWrites) {
      const [small, large] = w.users.size < users.size ? [w.users, users] : [users, w.users];
      for (const [id, version] of small) {
        const other = large.get(id);
        if (other !== undefined && other !== version) {
          before.push(w.settled);
          break;
        }
      }
    }
    return before.length === 0 ? undefined : before.length === 1 ? before[0] : Promise.all(before);
  }

  /** Remember a batch writing `users` until it is handled (`handled` never rejects). */
  #sharedWritten(users: ReadonlyMap<Snowflake, number>, handled: Promise<void>): void {
    const entry: SharedWrite = { users, settled: handled };
    this.#sharedWrites.push(entry);
    void entry.settled.then(() => {
      this.#sharedWrites = this.#sharedWrites.filter((w) => w !== entry);
    });
  }

  /** Apply one batch now and handle its outcome (the path of a batch whose ordered write never started). */
  async #applyBatch(batch: Mutation[], done: Pending<J>[], wanted: number[]): Promise<void> {
    let result: ApplyResult | void;
    try {
      result = batch.length > 0 ? await this.#cache.apply(batch, wanted.length > 0 ? { old: wanted } : undefined) : undefined;
    } catch (error) {
      await this.#isolate(batch, done, error);
      return;
    }
    this.#applied(batch, done, result, wanted);
  }

  /** A batch was written: fill its old values, count it and confirm its events. */
  #applied(batch: Mutation[], done: Pending<J>[], result: ApplyResult | void, wanted: number[]): void {
    if (batch.length > 0) {
      if (wanted.length > 0) this.#fillOld(done, result, wanted.length);
      this.written.batches++;
      this.written.mutations += batch.length;
    }
    for (const { job, old } of done) this.#outcome.confirm(job, old);
  }

  /** Hand each pending event its old value(s) from `result` (in the order their indexes were asked for). */
  #fillOld(done: Pending<J>[], result: ApplyResult | void, asked: number): void {
    const values = result?.old;
    if (!values || values.length !== asked) {
      this.#outcome.warn(
        `the cache reports old values (reportsOld) but apply returned ${values?.length ?? 'none'} for ${asked} asked: confirmed handlers get undefined`,
      );
      return;
    }
    let at = 0;
    for (const r of done) {
      if (!r.oldAt) continue;
      const mine = values.slice(at, at + r.oldAt.length);
      at += r.oldAt.length;
      r.old = r.oldIsList ? mine.filter((v) => v !== undefined) : mine[0];
    }
  }

  /**
   * A batch failed. When the store itself failed (`BackendError`: unreachable,
   * timed out) every event of the batch failed. Any other error (a `TypeError`
   * or `InvalidDataFound` the backend raised for one event's data) belongs to
   * one event: the events are written again one by one, so a single hostile
   * payload can't take the valid events batched with it down.
   */
  async #isolate(batch: Mutation[], done: Pending<J>[], error: unknown): Promise<void> {
    if (error instanceof BackendError || done.length === 1) {
      this.#outcome.failed(
        done.map((r) => r.job),
        error,
      );
      return;
    }
    for (const [i, pending] of done.entries()) {
      const { job, from } = pending;
      const own = batch.slice(from, done[i + 1]?.from ?? batch.length);
      if (own.length > 0) {
        const wanted = pending.oldAt?.map((at) => at - from) ?? [];
        try {
          const result = await this.#cache.apply(own, wanted.length > 0 ? { old: wanted } : undefined);
          if (wanted.length > 0) this.#fillOld([pending], result, wanted.length);
        } catch (cause) {
          this.#outcome.failed([job], cause);
          continue;
        }
        this.written.batches++;
        this.written.mutations += own.length;
      }
      this.#outcome.confirm(job, pending.old);
    }
  }
}
