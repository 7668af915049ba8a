/**
 * Point reads without ioredis' auto-pipelining on a single node: commands
 * issued in the same tick (one `getMember`'s reads, or 10k concurrent
 * `getMember` calls) leave in one pipeline at the end of the current
 * microtask queue, instead of ioredis' `setImmediate` hop (~30 µs of latency
 * per sequential read) or one socket write per command (what dominated 10k
 * concurrent reads without it). A lone command goes out as a plain command.
 * On a cluster ioredis' own auto-pipelining groups commands per node, so
 * commands pass straight through.
 */
import type { Cluster, Redis } from 'ioredis';

type Client = Redis | Cluster;
type Arg = string | Buffer | number;

interface Pending {
  name: string;
  args: Arg[];
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** Batches commands of one tick into one pipeline (single node). */
export class ReadBatcher {
  readonly #client: Client;
  readonly #passThrough: boolean;
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(client: Client, passThrough: boolean) {
    this.#client = client;
    this.#passThrough = passThrough;
  }

  /** Send `name args…` (a reply-as-Buffer command such as `hgetBuffer`, or a defined script) with the others of this tick. */
  call<T>(name: string, args: Arg[]): Promise<T> {
    if (this.#passThrough) return (this.#client as unknown as Record<string, (...a: Arg[]) => Promise<T>>)[name]!(...args);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ name, args, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    if (queue.length === 1) {
      const p = queue[0]!;
      (this.#client as unknown as Record<string, (...a: Arg[]) => Promise<unknown>>)[p.name]!(...p.args).then(p.resolve, p.reject);
      return;
    }
    const pipeline = this.#client.pipeline() as unknown as Record<string, (...a: Arg[]) => unknown> & { exec(): Promise<Array<[Error | null, unknown]> | null> };
    for (const p of queue) pipeline[p.name]!(...p.args);
    pipeline.exec().then(
      (results) => {
        for (let i = 0; i < queue.length; i++) {
          const r = results?.[i];
          if (!r) queue[i]!.reject(new Error('pipeline returned no reply'));
          else if (r[0]) queue[i]!.reject(r[0]);
          else queue[i]!.resolve(r[1]);
        }
      },
      (err: unknown) => {
        for (const p of queue) p.reject(err);
      },
    );
  }
}
