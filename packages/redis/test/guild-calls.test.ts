/**
 * A guild's ops with many members are cut into `sakeGuildOps` calls of at most MEMBERS_PER_CALL
 * members (apply/guild-calls.ts), so no one call holds Redis for long: the cut itself (pure), and
 * batches that replace and set thousands of members ending where one call would have left them,
 * with every call under the bound (MONITOR).
 */
import { mutation } from '@sake/abc';
import { describe, expect, it } from 'vitest';
import { guildCalls, joinReplies, MEMBERS_PER_CALL } from '../src/apply/guild-calls.js';
import { commandsDuring, isScriptCall, member, openedForBlock, sf, user } from './helpers.js';

/** `n` packed member entries (id8, seed u32, length u32, bytes) cut into pieces of `per` entries; seeds are random. */
function packed(n: number, per: number, start = 0): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < n; at += per) {
    const parts: Buffer[] = [];
    for (let i = at; i < Math.min(n, at + per); i++) {
      const e = Buffer.alloc(16 + 3);
      e.writeBigUInt64BE(BigInt(start + i), 0);
      e.writeUInt32BE(Math.floor(Math.random() * 2 ** 32), 8);
      e.writeUInt32BE(3, 12);
      parts.push(e);
    }
    out.push(Buffer.concat(parts));
  }
  return out;
}

/** Each entry of `pieces` as its own Buffer. */
function entries(pieces: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const piece of pieces)
    for (let p = 0; p < piece.length; p += 16 + piece.readUInt32BE(p + 12)) out.push(piece.subarray(p, p + 16 + piece.readUInt32BE(p + 12)));
  return out;
}

/** The entries of every call's member ops (MS/RM pieces), per call. */
function callEntries(calls: ReadonlyArray<ReadonlyArray<string | Buffer>>): Buffer[][] {
  return calls.map((call) => entries(call.filter((a): a is Buffer => Buffer.isBuffer(a) && a.length >= 16)));
}

/** Entries as sorted hex strings: the same members, whatever their order. */
function sameMembers(a: readonly Buffer[], b: readonly Buffer[]): void {
  expect(a.map((e) => e.toString('hex')).sort()).toEqual(b.map((e) => e.toString('hex')).sort());
}

/** Member weight of each call: what its MS, RM, MM and m ops carry. */
function weights(calls: ReadonlyArray<ReadonlyArray<string | Buffer>>): number[] {
  return calls.map((call) => {
    let w = 0;
    for (let i = 0; i < call.length; i++) {
      if (call[i] === 'MS' || call[i] === 'RM') w += Number(call[i + 1]);
      else if (call[i] === 'MM' || call[i] === 'm') w += 1;
    }
    return w;
  });
}

describe('guildCalls', () => {
  it('leaves ops under the bound as one call, arguments untouched', () => {
    const args = ['G', Buffer.from('g'), 'MS', '300', '3', ...packed(300, 100), 'm', Buffer.alloc(8), '7'];
    const plan = guildCalls(args, 1000);
    expect(plan.calls).toEqual([args]);
    expect(plan.calls[0]).toBe(args);
    expect(joinReplies(plan, [[[], [], []]])).toEqual([[], [], []]);
  });

  it('cuts a long member run, each call under the bound', () => {
    const run = packed(2500, 100);
    const plan = guildCalls(['G', Buffer.from('g'), 'MS', '2500', String(run.length), ...run, 'CM'], 1000);
    // The guild set weighs one member: the first call has room for 999 more.
    expect(weights(plan.calls)).toEqual([999, 1000, 501]);
    // Every member once.
    sameMembers(callEntries(plan.calls).flat(), entries(run));
    // One reply per original op: G, the run (its first part's reply), CM.
    const replies = plan.calls.map((call) => call.filter((a) => ['G', 'MS', 'CM'].includes(a as string)).map((a) => [Buffer.from(String(a))]));
    expect(joinReplies(plan, replies).map((r) => r[0]!.toString())).toEqual(['G', 'MS', 'CM']);
  });

  it('cuts a replace into a replace over its first share and runs over the rest', () => {
    const all = packed(2300, 100);
    const plan = guildCalls(['RM', '2300', '5000', String(all.length), ...all], 1000);
    // 1 000 entries of 19 bytes repacked into arguments of at most 16 KB: two.
    expect(plan.calls[0]!.slice(0, 4)).toEqual(['RM', '1000', '5000', '2']);
    expect(plan.calls.slice(1).map((c) => c[0])).toEqual(['MS', 'MS']);
    expect(weights(plan.calls)).toEqual([1000, 1000, 300]);
    // The replace's reply (the members it removed) is the only one kept.
    const removed = [Buffer.from('x')];
    expect(joinReplies(plan, [[removed], [[]], [[]]])).toEqual([removed]);
  });

  it('starts a new call when the next op would not fit, and fills a call a run continues', () => {
    const merges = Array.from({ length: 950 }, () => ['MM', Buffer.alloc(8), '1', Buffer.from('p'), '']).flat();
    const run = packed(400, 100);
    const plan = guildCalls([...merges, 'MS', '400', '4', ...run], 1000);
    expect(weights(plan.calls)).toEqual([950, 400]);
    const big = packed(1200, 50);
    const filled = guildCalls([...merges, 'MS', '1200', String(big.length), ...big], 1000);
    expect(weights(filled.calls)).toEqual([1000, 1000, 150]);
  });

  it('gives each call whole buckets, for every power-of-two bucket count, and keeps a member’s sets in order', () => {
    const run = packed(4000, 300);
    // The same member set twice, its second value last.
    const again = Buffer.from(entries(run)[10]!);
    again[18] = 9;
    const all = [...run, again];
    const plan = guildCalls(['MS', '4001', String(all.length), ...all], 250);
    expect(weights(plan.calls).every((w) => w <= 250)).toBe(true);
    for (const call of plan.calls) expect(call.slice(3).length).toBe(Number(call[2]));
    const perCall = callEntries(plan.calls);
    sameMembers(perCall.flat(), entries(all));
    const flat = perCall.flat().map((e) => e.toString('hex'));
    expect(flat.indexOf(again.toString('hex'))).toBeGreaterThan(flat.indexOf(entries(run)[10]!.toString('hex')));
    for (const buckets of [1, 2, 64, 1024, 65536]) {
      const callOf = new Map<number, Set<number>>();
      perCall.forEach((list, c) => {
        for (const e of list) {
          const b = e.readUInt32BE(8) % buckets;
          (callOf.get(b) ?? callOf.set(b, new Set()).get(b)!).add(c);
        }
      });
      // A bucket spans two calls only where a call's bound cut it (at most one bucket per cut).
      const spanning = [...callOf.values()].filter((calls) => calls.size > 1).length;
      expect(spanning).toBeLessThanOrEqual(plan.calls.length - 1);
    }
  });
});

describe('a batch of thousands of members', () => {
  const block = openedForBlock('gcalls');
  const { prefix } = block;

  /** The member weight of each top-level `sakeGuildOps` call under this test's prefix while `run` runs. */
  async function callWeights(run: () => Promise<unknown>): Promise<number[]> {
    const calls = (await commandsDuring(block.admin, prefix, run)).filter(
      (args) => isScriptCall(args) && args[3]!.startsWith(prefix) && args[3]!.endsWith('meta'),
    );
    return weights(calls.map((args) => args.slice(5)));
  }

  it('replaces, sets and deletes as one call would, in calls under the bound', async () => {
    const guildId = sf();
    const first = Array.from({ length: 2000 }, () => member(guildId, user()));
    const w1 = await callWeights(() => block.cache.apply([mutation.replaceForGuild('member', guildId, first as never)]));
    expect(w1.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...w1)).toBeLessThanOrEqual(MEMBERS_PER_CALL);

    // Keep the second half, add 1 500 new members, then in the same batch 1 200 more sets, one
    // delete of a replaced member and a merge into another.
    const kept = first.slice(1000);
    const fresh = Array.from({ length: 1500 }, () => member(guildId, user()));
    const more = Array.from({ length: 1200 }, () => member(guildId, user()));
    const gone = fresh[7]!;
    const merged = kept[3]!;
    const idOf = (m: Record<string, unknown>): string => (m.user as { id: string }).id;
    const w2 = await callWeights(() =>
      block.cache.apply([
        mutation.replaceForGuild('member', guildId, [...kept, ...fresh] as never),
        ...more.map((m) => mutation.set('member', m as never)),
        mutation.delete('member', { guildId, userId: idOf(gone) }),
        mutation.merge('member', { guildId, userId: idOf(merged) }, { nick: 'merged' }),
      ]),
    );
    expect(w2.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...w2)).toBeLessThanOrEqual(MEMBERS_PER_CALL);

    const expected = new Set([...kept, ...fresh, ...more].map(idOf));
    expected.delete(idOf(gone));
    const stored = new Set<string>();
    for await (const m of block.cache.iterMembersForGuild(guildId)) stored.add(m.user.id);
    expect(stored).toEqual(expected);
    expect((await block.cache.getMember(guildId, idOf(merged))).nick).toBe('merged');
    // The users' member lists follow: a replaced-away member's user lists no guild, a kept one's does.
    const guildsOf = async (userId: string): Promise<string[]> => {
      const out: string[] = [];
      for await (const m of block.cache.iterMembersForUser(userId)) out.push(m.guild_id);
      return out;
    };
    expect(await guildsOf(idOf(first[0]!))).toEqual([]);
    expect(await guildsOf(idOf(kept[500]!))).toEqual([guildId]);
    expect(await guildsOf(idOf(fresh[1400]!))).toEqual([guildId]);
    expect(await guildsOf(idOf(more[1199]!))).toEqual([guildId]);
    expect(await guildsOf(idOf(gone))).toEqual([]);
  });
});
