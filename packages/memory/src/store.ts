/**
 * One resource's entries with their parent indexes and expiry: the building
 * block MemoryCache is made of.
 */

/** Reads the parent id of an entry for one index (`undefined`: not indexed there). */
export type ScopeReader<V> = (value: V) => string | undefined;

interface Entry<V> {
  value: V;
  /** Epoch ms after which the entry is gone; `undefined` = never. */
  expiresAt: number | undefined;
  /** The parent id the entry is filed under, per scope. */
  parents: Map<string, string>;
}

/** An in-memory keyed store with secondary indexes by parent id and lazy expiry. */
export class IndexedStore<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  readonly #scopes: ReadonlyMap<string, ScopeReader<V>>;
  readonly #now: () => number;

  constructor(scopes: Record<string, ScopeReader<V>>, now: () => number = Date.now) {
    this.#scopes = new Map(Object.entries(scopes));
    for (const scope of this.#scopes.keys()) this.#indexes.set(scope, new Map());
    this.#now = now;
  }

  /** The live entry's value, dropping it first when it has expired. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#expired(entry)) {
      this.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Whether the key has an expiry set. */
  expiresAt(key: string): number | undefined {
    return this.#entries.get(key)?.expiresAt;
  }

  /** Insert or overwrite, re-filing the entry when its parents changed. */
  set(key: string, value: V, expiresAt?: number): void {
    this.delete(key);
    const parents = new Map<string, string>();
    for (const [scope, read] of this.#scopes) {
      const parent = read(value);
      if (parent === undefined) continue;
      parents.set(scope, parent);
      const index = this.#indexes.get(scope)!;
      let keys = index.get(parent);
      if (keys === undefined) index.set(parent, (keys = new Set()));
      keys.add(key);
    }
    this.#entries.set(key, { value, expiresAt, parents });
  }

  /**
   * Replace the value of an existing entry, keeping its expiry (merges and
   * reactions do). The entry is re-filed only when a parent id changed, so
   * rewriting many entries of one parent (a role removed from every member
   * of a guild) leaves the indexes alone. No-op when the key is absent.
   */
  update(key: string, value: V): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    for (const [scope, read] of this.#scopes) {
      if (read(value) !== entry.parents.get(scope)) {
        this.set(key, value, entry.expiresAt);
        return;
      }
    }
    entry.value = value;
  }

  /** Change only the expiry of an existing entry. */
  setExpiry(key: string, expiresAt: number | undefined): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) entry.expiresAt = expiresAt;
  }

  /** Remove one entry and its index references. */
  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    for (const [scope, parent] of entry.parents) {
      const index = this.#indexes.get(scope)!;
      const keys = index.get(parent);
      keys?.delete(key);
      if (keys?.size === 0) index.delete(parent);
    }
    return true;
  }

  /** The keys filed under `parent` in `scope` (a snapshot, safe to mutate the store while walking it). */
  keysFor(scope: string, parent: string): string[] {
    return [...(this.#indexes.get(scope)?.get(parent) ?? [])];
  }

  /** How many entries are filed under `parent` in `scope` (expired ones not yet swept included). */
  countFor(scope: string, parent: string): number {
    return this.#indexes.get(scope)?.get(parent)?.size ?? 0;
  }

  /** Every key (a snapshot). */
  keys(): string[] {
    return [...this.#entries.keys()];
  }

  /** Number of entries (expired ones not yet swept included). */
  get size(): number {
    return this.#entries.size;
  }

  /** Remove everything filed under `parent` in `scope`. */
  clearFor(scope: string, parent: string): void {
    for (const key of this.keysFor(scope, parent)) this.delete(key);
  }

  /** Remove every entry. */
  clear(): void {
    this.#entries.clear();
    for (const index of this.#indexes.values()) index.clear();
  }

  /** Drop every expired entry (keeps `size` and `countFor` honest). */
  sweep(): void {
    for (const [key, entry] of this.#entries) if (this.#expired(entry)) this.delete(key);
  }

  #expired(entry: Entry<V>): boolean {
    return entry.expiresAt !== undefined && entry.expiresAt <= this.#now();
  }
}
