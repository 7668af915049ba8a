/**
 * `reacted` and `reactions_ok` (scripts/includes/reactions.lua), run in Redis' Lua against the
 * TypeScript reference `applyReactionChange` (@sake/abc) on message records the codec wrote, and
 * the well-formedness rule checked the same on both sides (stream/coverage.ts `wellFormedReactions`).
 */
import { applyReactionChange, reactionEmojiKey, type ReactionChange } from '@sake/abc';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageCodec } from '../src/codec/index.js';
import { packr } from '../src/codec/msgpack.js';
import { assembleLua } from '../src/scripts/loader.js';
import { wellFormedReactions } from '../src/stream/coverage.js';
import { redisUrl } from './helpers.js';

/** ARGV: record, op, key, burst, me, fresh, colors → { record after the change or 'NIL', reactions_ok and '1'/'0' }. */
const REACT_LUA = assembleLua(`--- @include "reactions"
local change = { op = ARGV[2], key = ARGV[3], burst = ARGV[4] == '1', me = ARGV[5] == '1', fresh = ARGV[6], colors = ARGV[7] }
return { reacted(ARGV[1], change) or 'NIL', reactions_ok(ARGV[1]) and '1' or '0' }
`);

const ID = '1191170694843597079';
const base = {
  id: ID,
  channel_id: '1191170694843597080',
  guild_id: '1191170694843597081',
  author: { id: '1191170694843597082', username: 'u' },
  content: 'hi',
  // Fields after `reactions` in the schema: a react keeps the bytes around the field it rewrites.
  pinned: false,
  type: 0,
};
const OP = { add: 'a', remove: 'r', removeAll: 'A', removeEmoji: 'E' } as const;

let redis: Redis;
beforeAll(() => {
  redis = new Redis(redisUrl());
});
afterAll(() => {
  redis.disconnect();
});

/** The record after `change` as the script makes it (undefined: it refused), and whether it found the reactions well-formed. */
async function react(reactions: unknown, change: ReactionChange, unknownField = false): Promise<{ after: Record<string, unknown> | undefined; ok: boolean }> {
  // A field no schema knows puts the record's extension map after its fields (the react then rewrites the record whole).
  const value = { ...base, ...(unknownField ? { x_unknown: 7 } : {}), ...(reactions === undefined ? {} : { reactions }) };
  const record = messageCodec.encode(value as never, ID);
  const flags = change.op === 'add' || change.op === 'remove' ? change : { burst: false, me: false };
  const colors =
    change.op === 'add' && change.burst && change.burstColors !== undefined && change.burstColors.length > 0 ? packr.pack([...change.burstColors]) : '';
  const [out, ok] = (await redis.callBuffer(
    'EVAL',
    REACT_LUA,
    '0',
    record,
    OP[change.op],
    change.op === 'removeAll' ? '' : Buffer.from(reactionEmojiKey(change.emoji), 'utf8'),
    flags.burst ? '1' : '0',
    flags.me ? '1' : '0',
    change.op === 'add' ? packr.pack(applyReactionChange([], change)[0]) : '',
    colors,
  )) as [Buffer, Buffer];
  const after = out.toString() === 'NIL' ? undefined : (messageCodec.decode(out, 'k', ID) as unknown as Record<string, unknown>);
  return { after, ok: ok.toString() === '1' };
}

const emojis = [
  { id: null, name: '👍' },
  { name: '🍣' },
  { id: '1191170694843597090', name: 'blob', animated: true },
  { id: null, name: null },
  { id: '1191170694843597091', name: null },
];
const emoji = fc.constantFrom(...emojis);
// Small counts most often (a remove's floor at 0), and the bounds of each msgpack integer width.
const count = fc.oneof(fc.nat({ max: 2 }), fc.constantFrom(127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 2, 2 ** 32 - 1), fc.nat({ max: 300 }));
const reaction = fc.record({
  count,
  count_details: fc.record({ burst: count, normal: count }),
  me: fc.boolean(),
  me_burst: fc.boolean(),
  emoji,
  burst_colors: fc.array(fc.constantFrom('#ff0000', '#00ff00'), { maxLength: 2 }),
});
/** A change, most often of an emoji `reactions` holds. */
const changeOf = (reactions: ReadonlyArray<{ emoji: (typeof emojis)[number] }> | null | undefined): fc.Arbitrary<ReactionChange> =>
  fc
    .oneof(fc.constant(undefined), ...(reactions ?? []).map((r) => fc.constant(r.emoji)))
    .chain((held) => changeWith(held === undefined ? emoji : fc.constant(held)));
const changeWith = (emoji: fc.Arbitrary<(typeof emojis)[number]>): fc.Arbitrary<ReactionChange> =>
  fc.oneof(
    fc.record({
      op: fc.constant('add' as const),
      emoji,
      burst: fc.boolean(),
      me: fc.boolean(),
      burstColors: fc.option(fc.array(fc.constantFrom('#0000ff', '#123456'), { maxLength: 2 }), { nil: undefined }),
    }),
    fc.record({ op: fc.constant('remove' as const), emoji, burst: fc.boolean(), me: fc.boolean() }),
    fc.constant({ op: 'removeAll' as const }),
    fc.record({ op: fc.constant('removeEmoji' as const), emoji }),
  );

describe('reactions.lua', () => {
  it('changes well-formed reactions as applyReactionChange does, keeping the rest of the record', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .oneof(fc.constant(undefined), fc.constant(null), fc.array(reaction, { maxLength: 4 }))
          .chain((reactions) => fc.tuple(fc.constant(reactions), changeOf(reactions), fc.boolean())),
        async ([reactions, c, unknownField]) => {
          expect(wellFormedReactions(reactions)).toBe(true);
          const { after, ok } = await react(reactions, c, unknownField);
          expect(ok).toBe(true);
          expect(after?.reactions).toEqual(applyReactionChange((reactions ?? undefined) as Parameters<typeof applyReactionChange>[0], c));
          expect(after?.content).toBe('hi');
          expect(after?.author).toEqual(base.author);
          expect(after?.x_unknown).toBe(unknownField ? 7 : undefined);
          expect([after?.pinned, after?.type]).toEqual([false, 0]);
        },
      ),
      {
        numRuns: 500,
        // Counts at the top of 32 bits, which an add takes past them.
        examples: [
          [
            [
              [{ count: 2 ** 32 - 1, count_details: { burst: 0, normal: 2 ** 32 - 1 }, me: false, me_burst: false, emoji: emojis[0]!, burst_colors: [] }],
              { op: 'add', emoji: emojis[0]!, burst: false, me: false },
              false,
            ],
          ],
        ],
      },
    );
  });

  it('refuses reactions of other shapes, as wellFormedReactions does', async () => {
    const good = { count: 1, count_details: { burst: 0, normal: 1 }, me: false, me_burst: false, emoji: emojis[0], burst_colors: [] };
    const bad: unknown[] = [
      'x',
      { 0: good },
      [{ ...good, count: '1' }],
      [{ ...good, count: -1 }],
      [{ ...good, count: 1.5 }],
      [{ ...good, count: 2 ** 32 }],
      [{ ...good, count_details: { burst: 0 } }],
      [{ ...good, me: 1 }],
      [{ ...good, me_burst: undefined }],
      [{ count: 1, count_details: { burst: 0, normal: 1 }, me: false, me_burst: false, emoji: emojis[0] }],
      [{ ...good, emoji: { id: 5, name: 7 } }],
      [{ ...good, emoji: 'x' }],
      [good, null],
      // A sparse array: its hole is no reaction (every() would skip it).
      Object.assign(new Array<unknown>(2), { 0: good }),
    ];
    for (const reactions of bad) {
      expect(wellFormedReactions(reactions), JSON.stringify(reactions)).toBe(false);
      const { after, ok } = await react(reactions, { op: 'add', emoji: emojis[0]!, burst: false, me: false });
      expect(ok, JSON.stringify(reactions)).toBe(false);
      expect(after, JSON.stringify(reactions)).toBeUndefined();
    }
    // A numeric id is not the key (reactionEmojiKey): the name is, and that is a well-formed reaction.
    expect(wellFormedReactions([{ ...good, emoji: { id: 5, name: 'n' } }])).toBe(true);
    expect((await react([{ ...good, emoji: { id: 5, name: 'n' } }], { op: 'remove', emoji: { name: 'n' }, burst: false, me: false })).after?.reactions).toEqual(
      [],
    );
  });
});
