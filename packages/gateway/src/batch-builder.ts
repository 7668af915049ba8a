/**
 * Translating one queue run's jobs (one or more guilds', each guild's in
 * order) into as few batches as possible, handed to the {@link BatchWriter}.
 */
import type { Mutation } from '@sake/abc';
import type { BatchWriter, HandedOver, Pending } from './batch-writer.js';
import { ChannelOverlay } from './channel-overlay.js';
import type { ListenerCache, TranslateContext, Translation } from './events/types.js';
import type { Job } from './jobs.js';
import { readOld } from './old-values.js';
import { applyRules, type ResolvedRules } from './rules.js';
import type { SharedOrder } from './shared-order.js';
import { MalformedPayload } from './validate.js';

/** Positions in `kept` (the mutations the rules keep, in order) of `all[oldOf]`: a dropped mutation has no old value. */
function wantedPositions(all: readonly Mutation[], kept: readonly Mutation[], oldOf: number | readonly number[]): number[] {
  const want = typeof oldOf === 'number' ? [oldOf] : oldOf;
  const out: number[] = [];
  for (const i of want) {
    const at = kept.indexOf(all[i]!);
    if (at >= 0) out.push(at);
  }
  return out;
}

/** What the builder asks of the listener. */
export interface BuilderHooks {
  /** Whether a confirmed handler wants the old value of event `t`. */
  wantsOld(t: string): boolean;
  /** The context a translator gets; `channels`: the run's channel writes (its `guildChannels` replays them). */
  context(job: Job, wantOld: boolean, channels: ChannelOverlay): TranslateContext;
  /** A payload turned out malformed. */
  malformed(job: Job, error: MalformedPayload): void;
  /** Events could not be translated or written. */
  failed(jobs: Job[], cause: unknown): void;
}

/** Turns queue runs into batches. */
export class BatchBuilder {
  readonly #cache: ListenerCache;
  readonly #rules: ResolvedRules;
  readonly #writer: BatchWriter<Job>;
  readonly #order: SharedOrder;
  readonly #hooks: BuilderHooks;
  readonly #maxBatchMutations: number;

  /**
   * @param cache - the backend (its capabilities and, for old values it can't report, reads)
   * @param rules - the rules in force
   * @param writer - where batches go
   * @param order - the stamps of events that never reach a batch are finished here
   * @param hooks - the listener's side
   * @param maxBatchMutations - flush a batch once it holds this many mutations
   */
  constructor(cache: ListenerCache, rules: ResolvedRules, writer: BatchWriter<Job>, order: SharedOrder, hooks: BuilderHooks, maxBatchMutations: number) {
    this.#cache = cache;
    this.#rules = rules;
    this.#writer = writer;
    this.#order = order;
    this.#hooks = hooks;
    this.#maxBatchMutations = maxBatchMutations;
  }

  /**
   * Translate and write one run's jobs (one or more guilds', each guild's in
   * order) in as few batches as possible: only a translator that reads
   * (`reads: 'always'`, or `'forOld'` when a confirmed handler wants the old
   * value) makes the listener write what came before it first. Old values
   * come from inside the write when the backend `reportsOld`; otherwise they
   * are read just before their event is written.
   */
  async run(jobs: Job[]): Promise<void> {
    let mutations: Mutation[] = [];
    let ready: Pending<Job>[] = [];
    const channels = new ChannelOverlay();
    const reportsOld = this.#cache.reportsOld === true;
    // A backend that honours `after` gets a long run's next batch while the previous one is being
    // written (it prepares it meanwhile); others get one batch at a time.
    const overlapping = this.#cache.honoursAfter === true;
    /** The batch handed over last: its write, and the end of its handling (confirmations or isolation). */
    let last: HandedOver | undefined;
    /**
     * Hand what was collected over. With `wait` (the default), resolve once everything handed over
     * is applied and confirmed; without it (a long run reaching the batch size), once everything
     * but this batch is, so one batch is written while the next is collected.
     */
    const flush = async (wait = true): Promise<void> => {
      if (ready.length > 0) {
        const previous = last;
        last = this.#writer.handOver(mutations, ready, overlapping ? previous : undefined);
        mutations = [];
        ready = [];
        if (!wait && overlapping) {
          await previous?.handled;
          return;
        }
      }
      await last?.handled;
    };

    for (const job of jobs) {
      const translator = job.translator;
      if (!translator) {
        ready.push({ job, old: undefined, from: mutations.length });
        continue;
      }
      const wantOld = this.#hooks.wantsOld(job.t);
      // A translator that reads must see every earlier event of its guild: write those first.
      if (translator.reads === 'always' || (translator.reads === 'forOld' && wantOld)) await flush();
      // Its read waits behind the writes in flight anyway: hand what was collected over meanwhile, so
      // the store has it to write while the read is answered and the events after it are translated
      // (with nothing collected, a flush would only wait for the last batch's write).
      else if (translator.reads === 'channels' && ready.length > 0) await flush(false);
      let translation: Translation;
      try {
        translation = await translator.translate(job.d as never, this.#hooks.context(job, wantOld, channels));
      } catch (error) {
        this.#order.finish(job.stamp);
        if (error instanceof MalformedPayload) this.#hooks.malformed(job, error);
        else {
          await flush();
          this.#hooks.failed([job], error);
        }
        continue;
      }
      const own = applyRules(translation.mutations, this.#rules);
      const oldOf = wantOld ? translation.oldOf : undefined;
      // Positions in `own` of the mutations whose previous entry makes the old value.
      const wanted = oldOf === undefined ? [] : wantedPositions(translation.mutations, own, oldOf);
      let old: unknown = translation.old;
      let oldAt: number[] | undefined;
      if (oldOf !== undefined && !reportsOld) {
        // The backend can't report old values: write what came before, then read them.
        await flush();
        try {
          const values = await Promise.all(wanted.map((i) => readOld(this.#cache, own[i]!)));
          old = typeof oldOf === 'number' ? values[0] : values.filter((v) => v !== undefined);
        } catch (error) {
          this.#order.finish(job.stamp);
          this.#hooks.failed([job], error);
          continue;
        }
      } else if (oldOf !== undefined) {
        oldAt = wanted.map((i) => mutations.length + i);
        old = typeof oldOf === 'number' ? undefined : [];
      }
      ready.push({ job, old, from: mutations.length, oldAt, oldIsList: typeof oldOf !== 'number' && oldOf !== undefined });
      for (const m of own) {
        mutations.push(m);
        channels.note(m);
      }
      if (mutations.length >= this.#maxBatchMutations) await flush(false);
    }
    await flush();
  }
}
