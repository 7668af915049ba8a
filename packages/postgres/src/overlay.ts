/**
 * What a write batch sees of one table: the rows its plan loaded (by key, or
 * every row of a parent), changed in place by the batch's semantics, then
 * turned into the rows to upsert, delete or re-expire.
 *
 * It answers like MemoryCache's IndexedStore (get/set/update/delete/keysFor/
 * countFor/setExpiry, expired entries lazily dropped), so the semantics code
 * reads the same as MemoryCache's. It only knows what was loaded: asking for
 * a key or a parent the plan did not load is a bug in the plan, and throws
 * instead of answering wrongly.
 */
import type { ResourceName } from '@sake/abc';
import { decode, type Entity } from './codec.js';

/** Reads the parent id of an entity for one index (`undefined`: not indexed there). */
export type ParentReader = (value: Entity) => string | undefined;

interface OverlayEntry {
  /** The decoded entity; `undefined` until read (or forever, for a row loaded without its data). */
  value: Entity | undefined;
  /** The stored `v` and `data`, decoded on first read; `undefined` when the row was loaded without data. */
  raw: { v: unknown; data: unknown } | undefined;
  expiresAt: number | undefined;
  parents: Map<string, string>;
}

/** A row as a plan load returns it. */
export interface LoadedRow {
  readonly k: string;
  readonly parents: ReadonlyMap<string, string>;
  readonly expiresAt: number | undefined;
  /** `undefined` for a row loaded by parent without its data. */
  readonly raw: { v: unknown; data: unknown } | undefined;
}

/** The writes a batch leaves for one table. */
export interface TableChanges {
  readonly upserts: ReadonlyArray<{ k: string; parents: ReadonlyMap<string, string>; expiresAt: number | undefined; value: Entity }>;
  readonly deletes: readonly string[];
  /** Rows whose expiry alone changes (their data was not loaded, and is kept). */
  readonly expiries: ReadonlyArray<{ k: string; expiresAt: number | undefined }>;
}

/** One table as one batch sees it. */
export class OverlayTable {
  readonly #schema: string;
  readonly #resource: ResourceName;
  readonly #readers: ReadonlyMap<string, ParentReader>;
  readonly #now: number;
  readonly #entries = new Map<string, OverlayEntry>();
  /** Keys loaded and found absent. */
  readonly #absent = new Set<string>();
  /** Only the loaded parents: scope → parent → keys. */
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  readonly #dirty = new Set<string>();
  readonly #expiries = new Map<string, number | undefined>();

  constructor(schema: string, resource: ResourceName, readers: Record<string, ParentReader>, now: number) {
    this.#schema = schema;
    this.#resource = resource;
    this.#readers = new Map(Object.entries(readers));
    this.#now = now;
  }

  // ----- loading ------------------------------------------------------------------------------

  /** Note that every row of `parent` in `scope` is being loaded (call before {@link load} of its rows). */
  loadedScope(scope: string, parent: string): void {
    let index = this.#indexes.get(scope);
    if (index === undefined) this.#indexes.set(scope, (index = new Map()));
    if (!index.has(parent)) index.set(parent, new Set());
  }

  /** Whether every row of `parent` in `scope` was loaded. */
  hasScope(scope: string, parent: string): boolean {
    return this.#indexes.get(scope)?.has(parent) === true;
  }

  /** Note that `k` was looked up by key and is not in the table. */
  loadedAbsent(k: string): void {
    if (!this.#entries.has(k)) this.#absent.add(k);
  }

  /** Take in one loaded row (a row loaded twice keeps the copy that has data). */
  load(row: LoadedRow): void {
    this.#absent.delete(row.k);
    const known = this.#entries.get(row.k);
    if (known !== undefined) {
      if (known.raw === undefined && known.value === undefined) known.raw = row.raw;
      // Loaded again for a scope loaded after it (a later round): filed there too.
      this.#file(row.k, known.parents);
      return;
    }
    this.#file(row.k, new Map(row.parents));
    this.#entries.set(row.k, { value: undefined, raw: row.raw, expiresAt: row.expiresAt, parents: new Map(row.parents) });
  }

  // ----- what the semantics call --------------------------------------------------------------

  /** The live entry's value (an expired one is dropped first), or `undefined`. */
  get(k: string): Entity | undefined {
    const entry = this.#live(k);
    if (entry === undefined) return undefined;
    if (entry.value === undefined) {
      if (entry.raw === undefined) throw new Error(`@sake/postgres write plan: ${this.#resource} ${k} was read but loaded without its data`);
      entry.value = decode(this.#schema, this.#resource, k, entry.raw.v, entry.raw.data);
    }
    return entry.value;
  }

  /** The parent of a live entry in `scope` (an expired one is dropped first), or `undefined` when absent. */
  liveParent(k: string, scope: string): { parent: string | undefined } | undefined {
    const entry = this.#live(k);
    return entry === undefined ? undefined : { parent: entry.parents.get(scope) };
  }

  /** Insert or overwrite (a key the plan did not load is written blind: its old row is simply replaced). */
  set(k: string, value: Entity, expiresAt?: number): void {
    this.delete(k);
    const parents = new Map<string, string>();
    for (const [scope, read] of this.#readers) {
      const parent = read(value);
      if (parent !== undefined) parents.set(scope, parent);
    }
    this.#file(k, parents);
    this.#absent.delete(k);
    this.#entries.set(k, { value, raw: undefined, expiresAt, parents });
    this.#dirty.add(k);
  }

  /** Replace the value of an existing entry, keeping its expiry (re-filed if a parent changed). No-op when absent. */
  update(k: string, value: Entity): void {
    const entry = this.#entries.get(k);
    if (entry === undefined) return;
    this.set(k, value, entry.expiresAt);
  }

  /** Change only the expiry of an existing entry (a row not loaded gets an expiry-only write). */
  setExpiry(k: string, expiresAt: number | undefined): void {
    const entry = this.#entries.get(k);
    if (entry !== undefined) {
      entry.expiresAt = expiresAt;
      if (entry.value === undefined && entry.raw === undefined) this.#expiries.set(k, expiresAt);
      else this.#dirty.add(k);
      return;
    }
    if (!this.#absent.has(k)) this.#expiries.set(k, expiresAt);
  }

  /** Remove one entry (known or not: a key the plan did not load is deleted blind). */
  delete(k: string): boolean {
    this.#expiries.delete(k);
    const entry = this.#entries.get(k);
    this.#dirty.add(k);
    if (entry === undefined) {
      const was = !this.#absent.has(k);
      this.#absent.add(k);
      return was;
    }
    this.#entries.delete(k);
    this.#absent.add(k);
    for (const [scope, parent] of entry.parents) this.#indexes.get(scope)?.get(parent)?.delete(k);
    return true;
  }

  /** The keys filed under `parent` in `scope` (a snapshot; expired entries not yet dropped included, as MemoryCache). */
  keysFor(scope: string, parent: string): string[] {
    const keys = this.#indexes.get(scope)?.get(parent);
    if (keys === undefined) throw new Error(`@sake/postgres write plan: ${this.#resource} for ${scope} ${parent} was not loaded`);
    return [...keys];
  }

  /** How many entries are filed under `parent` in `scope`. */
  countFor(scope: string, parent: string): number {
    return this.keysFor(scope, parent).length;
  }

  /** Keys of the loaded entries with data filed under `parent` in `scope` (what a filtered load brought in). */
  loadedWithData(scope: string, parent: string): string[] {
    const out: string[] = [];
    for (const [k, entry] of this.#entries) {
      if (entry.parents.get(scope) === parent && (entry.value !== undefined || entry.raw !== undefined)) out.push(k);
    }
    return out;
  }

  // ----- flushing -----------------------------------------------------------------------------

  /** The writes this batch leaves. */
  changes(): TableChanges {
    const upserts: Array<TableChanges['upserts'][number]> = [];
    const deletes: string[] = [];
    for (const k of this.#dirty) {
      const entry = this.#entries.get(k);
      if (entry === undefined) deletes.push(k);
      else if (entry.value !== undefined) upserts.push({ k, parents: entry.parents, expiresAt: entry.expiresAt, value: entry.value });
      else this.#expiries.set(k, entry.expiresAt);
    }
    const expiries = [...this.#expiries].map(([k, expiresAt]) => ({ k, expiresAt }));
    return { upserts, deletes, expiries };
  }

  #live(k: string): OverlayEntry | undefined {
    const entry = this.#entries.get(k);
    if (entry === undefined) {
      if (this.#absent.has(k)) return undefined;
      throw new Error(`@sake/postgres write plan: ${this.#resource} ${k} was read but not loaded`);
    }
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.#now) {
      this.delete(k);
      return undefined;
    }
    return entry;
  }

  /** File `k` under each of its parents whose scope was loaded. */
  #file(k: string, parents: ReadonlyMap<string, string>): void {
    for (const [scope, parent] of parents) this.#indexes.get(scope)?.get(parent)?.add(k);
  }
}
