/**
 * Lifecycle: open/close are idempotent, isAlive follows them, every method of
 * every implemented resource rejects with `ClosedClient` while closed (errors
 * of iterators surface while iterating, not at the call), reopening works, and
 * an unreachable store fails fast with `BackendError`.
 */
import { BackendError, ClosedClient, EntryNotFound, mutation } from '@sake/abc';
import type { Snowflake } from '@sake/abc';
import { check, doesNotThrowNow, fail, rejects, same, show } from '../assert.js';
import { apply, call, drain, iterate } from '../calls.js';
import * as fx from '../fixtures.js';
import type { GroupContext, Harness } from '../harness.js';
import type { ConformanceBackend } from '../options.js';
import { SPECS, clearName, deleteName, getName, iterName, keyArgs, keyOfEntity } from '../specs.js';
import type { IterableResource, ResourceSpec } from '../specs.js';
import { expectValue, put } from './ops.js';
import { writeContractTests } from './writes.js';

function implemented<B extends ConformanceBackend>(h: Harness<B>): ResourceSpec[] {
  return (Object.keys(SPECS) as IterableResource[]).filter((r) => h.has(r)).map((r) => SPECS[r]);
}

/** Check that every method of the implemented resources rejects with ClosedClient on `b`. */
async function expectAllClosed<B extends ConformanceBackend>(h: Harness<B>, b: B, when: string): Promise<void> {
  const id = h.id();
  for (const s of implemented(h)) {
    const args = keyArgs(keyOfEntity(s, s.build(h.parents())));
    await rejects(() => call(b, getName(s), ...args), ClosedClient, `${getName(s)}() ${when}`);
    await rejects(() => call(b, deleteName(s), ...args), ClosedClient, `${deleteName(s)}() ${when}`);
    await rejects(() => call(b, clearName(s)), ClosedClient, `${clearName(s)}() ${when}`);
    await expectIteratorClosed(b, iterName(s), [], when);
    for (const scope of h.options.refs ? s.scopes : []) {
      await expectIteratorClosed(b, iterName(s, scope), [id], when);
      await rejects(() => call(b, clearName(s, scope), id), ClosedClient, `${clearName(s, scope)}(${id}) ${when}`);
    }
    await rejects(() => apply(b, mutation.set(s.resource, s.build(h.parents()))), ClosedClient, `apply([set ${s.resource}]) ${when}`);
  }
  if (h.has('me')) {
    await rejects(() => call(b, 'getMe'), ClosedClient, `getMe() ${when}`);
    await rejects(() => call(b, 'deleteMe'), ClosedClient, `deleteMe() ${when}`);
  }
  await rejects(() => apply(b), ClosedClient, `apply([]) ${when}`);
}

/** Creating the iterator must not throw; len(), toArray() and for await must reject with ClosedClient. */
async function expectIteratorClosed(b: object, name: string, args: Snowflake[], when: string): Promise<void> {
  const what = `${name}(${args.join(', ')})`;
  const it = doesNotThrowNow(() => iterate(b, name, ...args), `${what} ${when}`);
  await rejects(() => it.len(), ClosedClient, `${what}.len() ${when}`);
  await rejects(() => it.toArray(), ClosedClient, `${what}.toArray() ${when}`);
  await rejects(() => drain(iterate(b, name, ...args)), ClosedClient, `for await ${what} ${when}`);
}

/** Read isAlive afresh (a getter: TypeScript would otherwise narrow it across awaits). */
function alive(b: ConformanceBackend): boolean {
  return b.isAlive;
}

/** Register the lifecycle tests. */
export function lifecycleBody<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const { test, options } = ctx;

  test('a backend from the factory is not alive and rejects calls with ClosedClient until opened', async (h) => {
    const b = await h.unopened();
    check(alive(b) === false, `isAlive before open() must be false, got ${show(b.isAlive)}`);
    await expectAllClosed(h, b, 'before open()');
  });

  test('open() and close() are idempotent and isAlive follows them', async (h) => {
    const b = await h.unopened();
    await b.open();
    check(alive(b) === true, 'isAlive after open() must be true');
    await b.open();
    check(alive(b) === true, 'isAlive after a second open() must be true');
    await b.close();
    check(alive(b) === false, 'isAlive after close() must be false');
    await b.close();
    check(alive(b) === false, 'isAlive after a second close() must be false');
  });

  test('concurrent open() calls both resolve to an open backend', async (h) => {
    const b = await h.unopened();
    await Promise.all([b.open(), b.open()]);
    check(alive(b) === true, 'isAlive after two concurrent open() calls must be true');
    await apply(b);
  });

  test('every method rejects with ClosedClient after close(), including apply', async (h) => {
    const b = await h.closed();
    await expectAllClosed(h, b, 'after close()');
  });

  test('an iterator created while open rejects with ClosedClient when iterated after close()', async (h) => {
    const b = await h.open();
    const s = implemented(h)[0];
    if (!s) fail('no iterable resource implemented');
    await put(b, s, s.build(h.parents()));
    const it = iterate(b, iterName(s));
    const counted = iterate(b, iterName(s));
    await b.close();
    await rejects(() => drain(it), ClosedClient, `for await ${iterName(s)}() created before close()`);
    await rejects(() => counted.len(), ClosedClient, `${iterName(s)}().len() created before close()`);
  });

  if (options.reopen) {
    test('a closed backend opens again, keeps its data and takes writes', async (h) => {
      const b = await h.open();
      const s = implemented(h)[0];
      if (!s) fail('no iterable resource implemented');
      const before = s.build(h.parents());
      await put(b, s, before);
      await b.close();
      await b.open();
      check(alive(b) === true, 'isAlive after reopening must be true');
      await expectValue(b, s, before, 'written before close(), read after reopening');
      const after = s.build(h.parents());
      await put(b, s, after);
      await expectValue(b, s, after, 'written after reopening');
    });
  }

  if (options.unreachable) {
    const unreachable = options.unreachable;
    const bound = options.timeoutMs;
    test(
      `an unreachable store rejects with BackendError within ${bound} ms instead of hanging`,
      async (h) => {
        const b = h.track(await unreachable());
        const s = implemented(h)[0];
        const attempt = async (): Promise<void> => {
          await b.open();
          // open() may connect lazily: then the first call must fail instead.
          if (s) await call(b, getName(s), ...keyArgs(keyOfEntity(s, s.build(h.parents()))));
          else await call(b, 'getMe');
        };
        let timer: NodeJS.Timeout | undefined;
        const hang = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`open() / the first call did not settle within ${bound} ms`)), bound);
        });
        try {
          await rejects(() => Promise.race([attempt(), hang]), BackendError, 'open() or the first call on an unreachable store');
        } finally {
          clearTimeout(timer);
        }
      },
      options.timeoutMs * 2,
    );
  }
}

/** Register the write-contract tests (batches). */
export function writerBody<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const { test } = ctx;
  const pick = <Bk extends ConformanceBackend>(h: Harness<Bk>): ResourceSpec => {
    const s = implemented(h)[0];
    if (!s) fail('the writer tests need one iterable resource');
    return s;
  };

  test('apply([]) resolves', async (h) => {
    const b = await h.open();
    await apply(b);
  });

  test('a batch is applied in order', async (h) => {
    const b = await h.open();
    const s = pick(h);
    const p = h.parents();
    const first = s.build(p);
    const last = { ...s.build(p), ...s.extra };
    const key = keyOfEntity(s, first);
    await apply(
      b,
      mutation.set(s.resource, first),
      mutation.delete(s.resource, key),
      mutation.merge(s.resource, key, s.patch, false), // absent now: no-op
      mutation.set(s.resource, last),
    );
    await expectValue(b, s, last, 'after [set, delete, merge (absent), set]');
    const gone = s.build(h.parents());
    await apply(b, mutation.set(s.resource, gone), mutation.delete(s.resource, keyOfEntity(s, gone)));
    await rejects(() => call(b, getName(s), ...keyArgs(keyOfEntity(s, gone))), EntryNotFound, 'get after [set, delete] in one batch');
  });

  test('a batch spanning several resources is applied whole', async (h) => {
    const b = await h.open();
    const specs = implemented(h);
    const values = specs.map((s) => ({ s, v: s.build(h.parents()) }));
    await apply(b, ...values.map(({ s, v }) => mutation.set(s.resource, v as never)));
    for (const { s, v } of values) await expectValue(b, s, v, 'after a multi-resource batch');
  });

  test('a batch with a malformed mutation is rejected with TypeError and nothing in it is applied', async (h) => {
    const b = await h.open();
    const s = pick(h);
    const good = s.build(h.parents());
    const badKey = Object.fromEntries(Object.keys(keyOfEntity(s, good)).map((k) => [k, '*']));
    await rejects(
      () => apply(b, mutation.set(s.resource, good), { type: 'delete', resource: s.resource, key: badKey } as never),
      TypeError,
      'apply([set (valid), delete (id "*")])',
    );
    const left = await iterate(b, iterName(s)).toArray();
    same(left, [], `${iterName(s)}() after a rejected batch (validation happens before any write)`);
  });

  test('concurrent batches all land', async (h) => {
    const b = await h.open();
    const s = pick(h);
    const values = Array.from({ length: 20 }, () => s.build(h.parents()));
    await Promise.all(values.map((v) => apply(b, mutation.set(s.resource, v as never))));
    const count = await iterate(b, iterName(s)).len();
    check(count === values.length, `${iterName(s)}().len() after 20 concurrent batches: expected 20, got ${count}`);
  });

  if (ctx.options.resources.has('user') && ctx.options.resources.has('member')) {
    test('a user set after its member keeps the member joined', async (h) => {
      const b = await h.open();
      const u = fx.user(h.id());
      const m = fx.member(h.id(), u);
      const newer = { ...u, username: 'newer' };
      await apply(b, mutation.set('member', m), mutation.set('user', newer));
      await expectValue(b, SPECS.member, { ...m, user: newer }, 'after [set member, set user] in one batch');
    });
  }

  writeContractTests(ctx);
}
