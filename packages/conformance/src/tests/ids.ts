/**
 * Malformed ids are a `TypeError` raised before any I/O. Every check runs on
 * a CLOSED backend: a backend that touches its store first answers
 * `ClosedClient` and fails the check.
 */
import { ClosedClient } from '@sake/abc';
import type { Mutation } from '@sake/abc';
import { rejects, show, throwsNow } from '../assert.js';
import { apply, call, callNow } from '../calls.js';
import type { GroupContext } from '../harness.js';
import type { ConformanceBackend } from '../options.js';
import { clearName, deleteName, getName, iterName, keyArgs, keyOfEntity, scopeField } from '../specs.js';
import type { ResourceSpec } from '../specs.js';

/** Values that are not snowflakes: numbers lose precision, the strings carry signs, glob and CR/LF characters. */
export const BAD_SNOWFLAKES: readonly unknown[] = [123, 1.5, '-1', '12a', '1 2', '*', 'a\r\nb', '', '0123', ' 123', 2n ** 64n, -1n, null, undefined, {}];

/** Values that are not invite codes (glob characters, CR/LF, spaces, too long, not strings). */
export const BAD_INVITE_CODES: readonly unknown[] = ['*', 'a?b', '[abc]', 'a\r\nb', 'ab cd', 'ab:cd', '', 'x'.repeat(101), 123, 5n, null, {}];

/** Register the malformed-id tests of `s`. */
export function idTests<B extends ConformanceBackend>(ctx: GroupContext<B>, s: ResourceSpec): void {
  const { test } = ctx;
  const bad = s.resource === 'invite' ? BAD_INVITE_CODES : BAD_SNOWFLAKES;

  for (const name of [getName(s), deleteName(s)]) {
    test(`${name} rejects malformed ids with TypeError before any I/O`, async (h) => {
      const b = await h.closed();
      const good = keyArgs(keyOfEntity(s, s.build(h.parents())));
      for (let position = 0; position < good.length; position++) {
        for (const value of bad) {
          const args: unknown[] = [...good];
          args[position] = value;
          await rejects(() => call(b, name, ...args), TypeError, `${name}(${args.map(show).join(', ')}) on a closed backend`, ClosedClient);
        }
      }
    });
  }

  if (ctx.options.refs) {
    for (const scope of s.scopes) {
      const iter_ = iterName(s, scope);
      const clear_ = clearName(s, scope);
      test(`${iter_} throws TypeError at the call for malformed ids`, async (h) => {
        const b = await h.closed();
        for (const value of BAD_SNOWFLAKES) throwsNow(() => callNow(b, iter_, value), TypeError, `${iter_}(${show(value)})`);
      });
      test(`${clear_} rejects malformed ids with TypeError before any I/O`, async (h) => {
        const b = await h.closed();
        for (const value of BAD_SNOWFLAKES) {
          await rejects(() => call(b, clear_, value), TypeError, `${clear_}(${show(value)}) on a closed backend`, ClosedClient);
        }
      });
    }
  }

  /** Every attempt must be a TypeError on a closed backend. */
  const expectAllTypeErrors = async (b: object, attempts: readonly { what: string; batch: Mutation[] }[]): Promise<void> => {
    for (const { what, batch } of attempts) {
      await rejects(() => apply(b, ...batch), TypeError, `apply([${what}]) on a closed backend`, ClosedClient);
    }
  };

  test(`apply rejects ${s.resource} delete/merge keys with malformed ids with TypeError before any I/O`, async (h) => {
    const b = await h.closed();
    const key = keyOfEntity(s, s.build(h.parents())) as unknown as Record<string, unknown>;
    const attempts: { what: string; batch: Mutation[] }[] = [];
    for (const field of Object.keys(key)) {
      for (const v of bad) {
        const badKey = { ...key, [field]: v };
        attempts.push({ what: `delete ${s.resource} ${field}=${show(v)}`, batch: [{ type: 'delete', resource: s.resource, key: badKey } as never] });
        attempts.push({
          what: `merge ${s.resource} ${field}=${show(v)}`,
          batch: [{ type: 'merge', resource: s.resource, key: badKey, patch: s.patch, upsert: true } as never],
        });
      }
    }
    await expectAllTypeErrors(b, attempts);
  });

  test(`apply rejects set(${s.resource}) when its own id is malformed with TypeError before any I/O`, async (h) => {
    const b = await h.closed();
    const field = keyField(s);
    const values = field === 'code' ? ['*', 'a?b', 'a\r\nb', 'ab cd'] : ['-1', '12a', '*', 'a\r\nb', 'a b'];
    const value = s.build(h.parents()) as unknown as Record<string, unknown>;
    await expectAllTypeErrors(
      b,
      values.map((v) => ({
        what: `set ${s.resource} with ${field}=${show(v)}`,
        batch: [{ type: 'set', resource: s.resource, value: { ...value, [field]: v } } as never],
      })),
    );
  });

  // Parent ids end up in index keys (e.g. a Redis key per guild): a malformed one must not get that far.
  const parentFields = [...new Set(s.scopes.map((sc) => scopeField(s, sc)))].filter((f): f is string => f !== undefined && f !== keyField(s));
  if (parentFields.length > 0) {
    test(`apply rejects set(${s.resource}) when its parent ids (${parentFields.join(', ')}) are malformed with TypeError before any I/O`, async (h) => {
      const b = await h.closed();
      const value = s.build(h.parents()) as unknown as Record<string, unknown>;
      const attempts = parentFields.flatMap((field) =>
        ['-1', '12a', '*', 'a\r\nb', 'a b'].map((v) => ({
          what: `set ${s.resource} with ${field}=${show(v)}`,
          batch: [{ type: 'set', resource: s.resource, value: { ...value, [field]: v } } as never] as Mutation[],
        })),
      );
      await expectAllTypeErrors(b, attempts);
    });
  }

  if (s.scopes.length > 0 || s.guildChild) {
    test(`apply rejects clearFor / replaceForGuild of ${s.resource} with malformed ids with TypeError before any I/O`, async (h) => {
      const b = await h.closed();
      const attempts: { what: string; batch: Mutation[] }[] = [];
      for (const v of BAD_SNOWFLAKES) {
        for (const scope of s.scopes) {
          attempts.push({ what: `clearFor ${s.resource} ${scope}=${show(v)}`, batch: [{ type: 'clearFor', resource: s.resource, scope, id: v } as never] });
        }
        if (s.guildChild) {
          attempts.push({
            what: `replaceForGuild ${s.resource} guildId=${show(v)}`,
            batch: [{ type: 'replaceForGuild', resource: s.resource, guildId: v, values: [] } as never],
          });
        }
      }
      await expectAllTypeErrors(b, attempts);
    });
  }

  if (s.resource === 'message') {
    test('apply rejects react with a malformed message id or reaction change with TypeError before any I/O', async (h) => {
      const b = await h.closed();
      const good = { op: 'add', emoji: { id: null, name: '👍' }, burst: false, me: false };
      const attempts: { what: string; batch: Mutation[] }[] = BAD_SNOWFLAKES.map((v) => ({
        what: `react messageId=${show(v)}`,
        batch: [{ type: 'react', resource: 'message', key: { messageId: v }, change: good } as never],
      }));
      const key = keyOfEntity(s, s.build(h.parents()));
      const badChanges: unknown[] = [
        null,
        { op: 'explode' },
        { op: 'add', emoji: {}, burst: false, me: false },
        { op: 'add', emoji: { id: '*', name: 'x' }, burst: false, me: false },
        { op: 'remove', emoji: { name: 'x' } },
      ];
      for (const change of badChanges)
        attempts.push({ what: `react change=${show(change)}`, batch: [{ type: 'react', resource: 'message', key, change } as never] });
      await expectAllTypeErrors(b, attempts);
    });
  }

  if (s.resource === 'member') {
    test('apply rejects removeRole with malformed guild or role ids with TypeError before any I/O', async (h) => {
      const b = await h.closed();
      const attempts: { what: string; batch: Mutation[] }[] = BAD_SNOWFLAKES.flatMap((v) => [
        { what: `removeRole guildId=${show(v)}`, batch: [{ type: 'removeRole', resource: 'member', guildId: v, roleId: '1' } as never] },
        { what: `removeRole roleId=${show(v)}`, batch: [{ type: 'removeRole', resource: 'member', guildId: '1', roleId: v } as never] },
      ]);
      await expectAllTypeErrors(b, attempts);
    });
  }
}

/** The value field holding an entry's own id (`id`, `code`), or `guild_id` for entries keyed by guild and user. */
function keyField(s: ResourceSpec): string {
  if (s.resource === 'invite') return 'code';
  if (s.resource === 'member' || s.resource === 'presence' || s.resource === 'voiceState') return 'guild_id';
  return 'id';
}
