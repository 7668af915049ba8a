/** Seeded randomness and snowflakes, so every generated world and stream is reproducible from its seed. */

/** Milliseconds between the Unix epoch and the Discord epoch (2015-01-01). */
export const DISCORD_EPOCH = 1_420_070_400_000;

/**
 * A small deterministic PRNG (mulberry32). Not cryptographic: its only job is
 * that the same seed gives the same world and the same event stream.
 */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() needs a non-empty array');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Up to `count` distinct elements, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    const out: T[] = [];
    while (out.length < count && copy.length > 0) out.push(copy.splice(Math.floor(this.next() * copy.length), 1)[0] as T);
    return out;
  }

  /** A key chosen with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((sum, [, w]) => sum + Math.max(0, w), 0);
    let roll = this.next() * total;
    for (const [key, weight] of entries) {
      roll -= Math.max(0, weight);
      if (roll < 0) return key;
    }
    return (entries[entries.length - 1] as [K, number])[0];
  }

  /** `length` lowercase hex characters (avatar hashes, session ids). */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += this.int(0, 15).toString(16);
    return out;
  }

  /** A word-ish string of `length` letters. */
  word(length: number): string {
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    let out = '';
    for (let i = 0; i < length; i++) out += letters[this.int(0, 25)];
    return out;
  }
}

/**
 * Hands out increasing, unique snowflakes from a simulated clock, so ids are
 * ordered by creation like Discord's and spread over shards by their timestamp.
 */
export class SnowflakeClock {
  #now: number;
  #increment = 0;
  readonly #random: Random;

  constructor(random: Random, startMs = Date.UTC(2024, 0, 1)) {
    this.#random = random;
    this.#now = startMs;
  }

  /** The simulated current time, in Unix milliseconds. */
  get now(): number {
    return this.#now;
  }

  /** Move the simulated clock forward by a random step (up to `maxStepMs`). */
  tick(maxStepMs = 5_000): number {
    this.#now += this.#random.int(1, maxStepMs);
    return this.#now;
  }

  /** A new snowflake for the current simulated time (then advances the clock a little). */
  next(): string {
    this.tick(3_000);
    const increment = this.#increment++ & 0xfff;
    const id = (BigInt(this.#now - DISCORD_EPOCH) << 22n) | (BigInt(this.#random.int(0, 31)) << 17n) | BigInt(increment);
    return id.toString();
  }

  /** The simulated time as an ISO-8601 timestamp in Discord's spelling (`2024-01-01T04:05:44.316000+00:00`: microseconds and an explicit offset), as the real gateway sends it. */
  iso(offsetMs = 0): string {
    return `${new Date(this.#now + offsetMs).toISOString().slice(0, -1)}000+00:00`;
  }
}

/** The shard a guild belongs to: `(guild_id >> 22) % shardCount`, as Discord computes it. */
export function shardForGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}
