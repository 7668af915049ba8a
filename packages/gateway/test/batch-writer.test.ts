// BatchWriter against a fake cache: confirmations in hand-over order, isolation of the one bad
// event of a failed batch, a batch that is not written when the one it is ordered after failed,
// and the wait for an in-flight batch that writes another version of the same user.
import { describe, expect, it } from 'vitest';
import { BackendError, mutation, type ApplyOptions, type ApplyResult, type Mutation } from '@sake/abc';
import { BatchWriter, type Pending } from '../src/batch-writer.js';
import { SharedOrder } from '../src/shared-order.js';
import { user } from './fixtures.js';

interface TestJob {
  readonly stamp: number;
  readonly name: string;
}

/** Records every apply; `plan` decides, per call, how long it takes and whether it fails. */
class FakeCache {
  readonly honoursAfter: boolean;
  readonly applied: string[][] = [];
  #calls = 0;
  constructor(
    honoursAfter: boolean,
    readonly plan: (call: number, batch: readonly Mutation[]) => { delayMs?: number; error?: Error } = () => ({}),
  ) {
    this.honoursAfter = honoursAfter;
  }
  async apply(batch: readonly Mutation[], options?: ApplyOptions): Promise<ApplyResult | void> {
    const { delayMs = 0, error } = this.plan(this.#calls++, batch);
    await options?.after;
    await new Promise((r) => setTimeout(r, delayMs));
    if (error) throw error;
    this.applied.push(batch.map(label));
  }
}

function label(m: Mutation): string {
  return m.type === 'set' && m.resource === 'user' ? `user:${(m.value as { username: string }).username}` : `${m.type}:${m.resource}`;
}

function harness(cache: FakeCache) {
  const order = new SharedOrder();
  const confirmed: string[] = [];
  const failed: string[] = [];
  const writer = new BatchWriter<TestJob>(cache, order, {
    confirm: (job) => void confirmed.push(job.name),
    failed: (jobs) => void failed.push(...jobs.map((j) => j.name)),
    warn: () => undefined,
  });
  /** One batch of events, each `[name, mutations]`. */
  const batch = (events: [string, Mutation[]][]): { mutations: Mutation[]; pending: Pending<TestJob>[] } => {
    const mutations: Mutation[] = [];
    const pending: Pending<TestJob>[] = [];
    for (const [name, own] of events) {
      pending.push({ job: { stamp: order.stamp(), name }, old: undefined, from: mutations.length });
      mutations.push(...own);
    }
    return { mutations, pending };
  };
  return { writer, batch, confirmed, failed };
}

const setUser = (id: string, username: string) => mutation.set('user', user(id, { username }));
const guildSet = (id: string) => mutation.set('guild', { id, name: `g${id}` } as never);

describe('BatchWriter', () => {
  it('confirms events in hand-over order, a later batch waiting for the earlier one', async () => {
    const cache = new FakeCache(true, (call) => ({ delayMs: call === 0 ? 20 : 0 }));
    const { writer, batch, confirmed } = harness(cache);
    const a = batch([['a', [guildSet('1')]]]);
    const first = writer.handOver(a.mutations, a.pending, undefined);
    const b = batch([['b', [guildSet('2')]]]);
    const second = writer.handOver(b.mutations, b.pending, first);
    await second.handled;
    expect(confirmed).toEqual(['a', 'b']);
    expect(cache.applied).toEqual([['set:guild'], ['set:guild']]);
  });

  it('writes the events of a batch that failed for one of them one by one: only that one fails', async () => {
    const cache = new FakeCache(false, (_call, batch) => ({ error: batch.some((m) => m.resource === 'role') ? new TypeError('bad role') : undefined }));
    const { writer, batch, confirmed, failed } = harness(cache);
    const all = batch([
      ['ok1', [guildSet('1')]],
      ['bad', [mutation.set('role', { id: '5', guild_id: '1' } as never)]],
      ['ok2', [guildSet('2')]],
    ]);
    await writer.handOver(all.mutations, all.pending, undefined).handled;
    expect(confirmed).toEqual(['ok1', 'ok2']);
    expect(failed).toEqual(['bad']);
  });

  it('fails every event of a batch the store could not take', async () => {
    const cache = new FakeCache(false, () => ({ error: new BackendError('down') }));
    const { writer, batch, confirmed, failed } = harness(cache);
    const all = batch([
      ['a', [guildSet('1')]],
      ['b', [guildSet('2')]],
    ]);
    await writer.handOver(all.mutations, all.pending, undefined).handled;
    expect(confirmed).toEqual([]);
    expect(failed).toEqual(['a', 'b']);
  });

  it('applies a batch again on its own when the batch it was ordered after failed', async () => {
    const cache = new FakeCache(true, (call) => ({ error: call === 0 ? new BackendError('down') : undefined }));
    const { writer, batch, confirmed, failed } = harness(cache);
    const a = batch([['a', [guildSet('1')]]]);
    const first = writer.handOver(a.mutations, a.pending, undefined);
    const b = batch([['b', [guildSet('2')]]]);
    await writer.handOver(b.mutations, b.pending, first).handled;
    expect(failed).toEqual(['a']);
    expect(confirmed).toEqual(['b']);
    expect(cache.applied).toEqual([['set:guild']]);
  });

  it('a batch writing a newer version of a user lands after the batch in flight with the older one', async () => {
    const cache = new FakeCache(false, (call) => ({ delayMs: call === 0 ? 20 : 0 }));
    const { writer, batch } = harness(cache);
    const a = batch([['a', [setUser('7', 'old')]]]);
    const first = writer.handOver(a.mutations, a.pending, undefined);
    const b = batch([['b', [setUser('7', 'new')]]]);
    const second = writer.handOver(b.mutations, b.pending, undefined);
    await Promise.all([first.handled, second.handled]);
    expect(cache.applied).toEqual([['user:old'], ['user:new']]);
  });

  it('batches writing the same version of a user do not wait for each other', async () => {
    const cache = new FakeCache(false, (call) => ({ delayMs: call === 0 ? 20 : 0 }));
    const { writer, batch } = harness(cache);
    const a = batch([['a', [setUser('7', 'same')]]]);
    const first = writer.handOver(a.mutations, a.pending, undefined);
    const b = batch([['b', [setUser('7', 'same'), guildSet('3')]]]);
    const second = writer.handOver(b.mutations, b.pending, undefined);
    await Promise.all([first.handled, second.handled]);
    expect(cache.applied).toEqual([['user:same', 'set:guild'], ['user:same']]);
  });
});
