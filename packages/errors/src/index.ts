/**
 * Error classes shared by every sake package.
 *
 * `instanceof` must hold even when two copies of this package end up in one
 * process (a backend built against one version, an app against another), so
 * each class answers `instanceof` through a `Symbol.for` brand instead of
 * prototype identity.
 *
 * @packageDocumentation
 */

const BRANDS = Symbol.for('sake.errors.brands');

type Branded = { [BRANDS]?: ReadonlySet<string> };

function hasBrand(value: unknown, brand: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const brands = (value as Branded)[BRANDS];
  return brands instanceof Set && brands.has(brand);
}

/**
 * The brands of every class in `target`'s chain, so an instance answers to
 * each ancestor's `instanceof`. Computed once per class and shared by its
 * instances: backends construct an `EntryNotFound` on every cache miss, and
 * walking the chain into a new Set each time was a measurable part of that.
 * It stays a Set (other copies of this package test `instanceof Set`).
 */
const brandCache = new WeakMap<object, ReadonlySet<string>>();
function brandsOf(target: object): ReadonlySet<string> {
  let brands = brandCache.get(target);
  if (brands === undefined) {
    const collected = new Set<string>();
    for (let ctor: unknown = target; typeof ctor === 'function' && 'brand' in ctor; ctor = Object.getPrototypeOf(ctor)) {
      collected.add((ctor as { brand: string }).brand);
    }
    brandCache.set(target, (brands = collected));
  }
  return brands;
}

/** Options accepted by every sake error. */
export interface CacheErrorOptions {
  /** The underlying error (a socket error, a decode failure, …). */
  cause?: unknown;
}

/** Base class of every error a sake cache raises. */
export class CacheError extends Error {
  /** Brand name used for cross-copy `instanceof`. */
  static readonly brand: string = 'CacheError';

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, this.brand);
  }

  constructor(message: string, options: CacheErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    Object.defineProperty(this, BRANDS, { value: brandsOf(new.target), enumerable: false });
    this.name = new.target.name;
  }
}

/**
 * The backend store could not be reached or answered with an error: a network
 * failure, a command timeout, a refused connection, a server error reply.
 */
export class BackendError extends CacheError {
  static override readonly brand: string = 'BackendError';
}

/** The client was used after `close()` (or before `open()`). */
export class ClosedClient extends BackendError {
  static override readonly brand: string = 'ClosedClient';

  constructor(message = 'the cache client is closed', options: CacheErrorOptions = {}) {
    super(message, options);
  }
}

/** The entry could not be deleted (a backend that refuses deletes of some resource). */
export class CannotDelete extends CacheError {
  static override readonly brand: string = 'CannotDelete';
}

/**
 * Stored data could not be read: corrupt bytes, an unknown format version, or a
 * value written by another program under our key. The message names the key.
 */
export class InvalidDataFound extends CacheError {
  static override readonly brand: string = 'InvalidDataFound';

  /** The backend key (or an equivalent locator) holding the unreadable value. */
  readonly key: string;

  constructor(key: string, detail: string, options: CacheErrorOptions = {}) {
    super(`invalid data under ${JSON.stringify(key)}: ${detail}`, options);
    this.key = key;
  }
}

/** The requested entry is not in the cache. */
export class EntryNotFound extends CacheError {
  static override readonly brand: string = 'EntryNotFound';
}
