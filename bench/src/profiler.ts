/**
 * `pnpm bench --profile <dir>`: after each phase's timed runs, one more,
 * untimed pass of the RedisCache path runs under the V8 sampling profiler and
 * is written to `<dir>/<label>.cpuprofile` (dataset generation and the
 * baselines stay out of it). Read one with `node bench/dist/profile.js`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** Profiles labelled sections of the run. */
export class Profiler {
  readonly #dir: string;
  readonly #session = new Session();
  #connected = false;

  constructor(dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  /** Run `fn` under the profiler and write `<dir>/<label>.cpuprofile`. */
  async run<T>(label: string, fn: () => Promise<T>): Promise<T> {
    if (!this.#connected) {
      this.#session.connect();
      this.#connected = true;
      await this.#session.post('Profiler.enable');
      await this.#session.post('Profiler.setSamplingInterval', { interval: 200 });
    }
    await this.#session.post('Profiler.start');
    try {
      return await fn();
    } finally {
      const { profile } = await this.#session.post('Profiler.stop');
      writeFileSync(join(this.#dir, `${label}.cpuprofile`), JSON.stringify(profile));
    }
  }
}
