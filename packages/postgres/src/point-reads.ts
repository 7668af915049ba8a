/**
 * `get*` calls issued in the same tick, grouped: a lone call is one
 * primary-key lookup (a named statement), concurrent calls of one resource
 * become one `k = ANY($keys)` lookup per 500 keys. So 10k concurrent
 * `getMember` calls are 20 statements instead of 10k statements queueing for
 * the pool's connections. Each caller still gets its own result: the entity,
 * `EntryNotFound`, or `InvalidDataFound` for its own unreadable row.
 */
import { copyEntity, type ResourceName } from '@sake/abc';
import { EntryNotFound } from '@sake/errors';
import type { Entity } from './codec.js';
import { entityOf, selectFrom, type ReadContext, type Row } from './reads.js';

interface Waiter {
  readonly key: string;
  resolve(value: Entity): void;
  reject(err: unknown): void;
}

/** Keys per grouped lookup. */
const CHUNK = 500;

const LIVE = `(e.expires_at IS NULL OR e.expires_at > $1)`;

/** Groups the point reads of one tick (see the module comment). */
export class PointReads {
  readonly #ctx: ReadContext;
  #pending = new Map<ResourceName, Waiter[]>();
  #scheduled = false;

  constructor(ctx: ReadContext) {
    this.#ctx = ctx;
  }

  /** One entry by its stored key, or `EntryNotFound`. */
  get(resource: ResourceName, key: string): Promise<Entity> {
    this.#ctx.assertAlive();
    return new Promise<Entity>((resolve, reject) => {
      let waiters = this.#pending.get(resource);
      if (waiters === undefined) this.#pending.set(resource, (waiters = []));
      waiters.push({ key, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After the caller's synchronous loop: every get of this tick is queued by then.
        queueMicrotask(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = new Map();
    for (const [resource, waiters] of pending) {
      for (let i = 0; i < waiters.length; i += CHUNK) void this.#lookup(resource, waiters.slice(i, i + CHUNK));
    }
  }

  async #lookup(resource: ResourceName, waiters: readonly Waiter[]): Promise<void> {
    const { conn, schema } = this.#ctx;
    let rows: Row[];
    try {
      this.#ctx.assertAlive();
      const single = waiters.length === 1;
      rows = await conn.query<Row>(
        single
          ? {
              name: `sake:${schema}:get:${resource}`,
              text: `${selectFrom(schema, resource)} WHERE e.k = $2 AND ${LIVE}`,
              values: [this.#ctx.now(), waiters[0]!.key],
            }
          : {
              name: `sake:${schema}:getmany:${resource}`,
              text: `${selectFrom(schema, resource)} WHERE e.k = ANY($2::text[]) AND ${LIVE}`,
              values: [this.#ctx.now(), [...new Set(waiters.map((w) => w.key))]],
            },
        single ? `get ${resource} ${waiters[0]!.key}` : `get ${waiters.length} ${resource} entries`,
      );
    } catch (err) {
      for (const w of waiters) w.reject(err);
      return;
    }
    const byKey = new Map(rows.map((row) => [row.k, row]));
    const served = new Set<string>();
    for (const w of waiters) {
      const row = byKey.get(w.key);
      if (row === undefined) {
        w.reject(new EntryNotFound(`${resource} ${w.key} is not cached`));
        continue;
      }
      try {
        const entity = entityOf(this.#ctx, resource, row);
        // Two callers asking for one key in the same tick must not share an object.
        w.resolve(served.has(w.key) ? copyEntity(entity) : entity);
        served.add(w.key);
      } catch (err) {
        w.reject(err);
      }
    }
  }
}
