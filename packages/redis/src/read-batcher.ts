/**
 * Point reads without ioredis' auto-pipelining on a single node: commands
 * issued in the same tick (one `getMember`'s reads, or 10k concurrent
 * `getMember` calls) leave in one socket write (the socket corked around
 * them) at the end of the current microtask queue, instead of ioredis' `setImmediate` hop (~30 µs of latency
 * per sequential read) or one socket write per command (what dominated 10k
 * concurrent reads without it). A lone command goes out as a plain command.
 * On a cluster ioredis' own auto-pipelining groups commands per node, so
 * commands pass straight through.
 */
import type { Cluster, Redis } from 'ioredis';
import { isScriptMethod } from './scripts/index.js';

type Client = Redis | Cluster;
type Arg = string | Buffer | number;

interface Pending {
  name: string;
  args: Arg[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/** Work another batcher (the member loader) sends itself, run in its place in the tick's queue. */
interface Deferred {
  run(): void;
}

/** Batches commands of one tick into one pipeline (single node). */
export class ReadBatcher {
  readonly #client: Client;
  readonly #passThrough: boolean;
  /** Where a script command's method is (the connection's scripts: `EVALSHA` or `FCALL`). */
  readonly #scripts: () => object;
  #queue: Array<Pending | Deferred> = [];
  #scheduled = false;

  /**
   * @param client - the connection's client (its commands, and the socket corked around a tick's)
   * @param passThrough - send each command at once (a cluster: ioredis pipelines per node)
   * @param scripts - the script commands in force (scripts/index.ts `ScriptCommands`)
   */
  constructor(client: Client, passThrough: boolean, scripts: () => object) {
    this.#client = client;
    this.#passThrough = passThrough;
    this.#scripts = scripts;
  }

  /** Call method `name` with `args`: a script command's of the scripts in force, any other the client's. */
  #invoke(name: string, args: Arg[]): Promise<unknown> {
    const owner = (isScriptMethod(name) ? this.#scripts() : this.#client) as Record<string, (...a: Arg[]) => Promise<unknown>>;
    const method = owner[name];
    if (typeof method !== 'function') throw new TypeError(`no command ${name}`);
    return method.apply(owner, args);
  }

  /** Send `name args…` (a reply-as-Buffer command such as `hgetBuffer`, or a script command) with the others of this tick. */
  call<T>(name: string, args: Arg[]): Promise<T> {
    if (this.#passThrough) return this.#invoke(name, args) as Promise<T>;
    return new Promise<T>((resolve, reject) => {
      this.#push({ name, args, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /**
   * Run `send` (which writes its own commands to the client) at this tick's flush, in its place
   * among the tick's commands and inside the same corked socket write: the member loader's reads
   * and a batch's other pre-reads leave as one write, not two (a socket write costs ~100 µs of
   * CPU on a small VM). Without batching (a cluster), at the end of the tick.
   */
  defer(send: () => void): void {
    if (this.#passThrough) queueMicrotask(send);
    else this.#push({ run: send });
  }

  #push(entry: Pending | Deferred): void {
    this.#queue.push(entry);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    const client = this.#client as unknown as { stream?: { cork?(): void; uncork?(): void } };
    if (queue.length === 1) {
      const p = queue[0]!;
      if ('run' in p) p.run();
      else this.#send(p);
      return;
    }
    // The commands go out as plain commands with the socket corked: one socket write for all of
    // them, as an ioredis pipeline would give, without building one (a pipeline object copies
    // every defined script onto itself, joins every command's bytes into one string or Buffer,
    // and adds a promise per command and one for the whole).
    const stream = client.stream;
    let failure: { err: unknown } | undefined;
    stream?.cork?.();
    try {
      for (const p of queue) {
        if ('run' in p) {
          // A deferred sender settles its own requests; one that throws must not keep the others unsent.
          try {
            p.run();
          } catch (err) {
            failure ??= { err };
          }
          continue;
        }
        this.#send(p);
      }
    } finally {
      stream?.uncork?.();
    }
    // As if the sender had run in a microtask of its own: its error surfaces where it did before.
    if (failure) throw failure.err;
  }

  /** Send one command, settling its caller's promise (a command that throws as it is built rejects it). */
  #send(p: Pending): void {
    let reply: Promise<unknown>;
    try {
      reply = this.#invoke(p.name, p.args);
    } catch (err) {
      p.reject(err);
      return;
    }
    reply.then(p.resolve, p.reject);
  }
}
