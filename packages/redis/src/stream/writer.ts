/**
 * The op stream of `sakeBatch` (scripts/batch.lua): ops back to back, each an op byte then its
 * fields, each field a u32 BE length and its bytes. One growing buffer per batch, cut into pieces
 * at op boundaries: each piece is one script call, so Redis serves other clients between them.
 */

/** Most ops one `sakeBatch` call carries: ~1–3 ms of Redis time on a 2-core VM. */
export const OPS_PER_CALL = 128;

const EMPTY = Buffer.alloc(0);

/** Writes one batch's op stream (see the module comment). */
export class OpStreamWriter {
  #buf = Buffer.allocUnsafe(8192);
  #at = 0;
  /** Where each finished piece ends. */
  readonly #cuts: number[] = [];
  #ops = 0;

  constructor(private readonly opsPerCall = OPS_PER_CALL) {}

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#at + n));
    this.#buf.copy(next, 0, 0, this.#at);
    this.#buf = next;
  }

  /** Ops written so far: the next op is this one of the stream (0-based), in piece `written / opsPerCall`. */
  get written(): number {
    return this.#cuts.length * this.opsPerCall + this.#ops;
  }

  /** Start an op (`code`: its one ASCII byte); a piece full of ops is closed first. */
  op(code: string): this {
    if (this.#ops === this.opsPerCall) {
      this.#cuts.push(this.#at);
      this.#ops = 0;
    }
    this.#ops++;
    this.#room(1);
    this.#buf[this.#at++] = code.charCodeAt(0);
    return this;
  }

  /** A text field (ids, numbers: ASCII). */
  text(s: string): this {
    const n = Buffer.byteLength(s, 'latin1');
    this.#room(4 + n);
    this.#buf.writeUInt32BE(n, this.#at);
    this.#buf.write(s, this.#at + 4, n, 'latin1');
    this.#at += 4 + n;
    return this;
  }

  /** A bytes field (undefined: an empty one). */
  bytes(b: Buffer | undefined): this {
    const v = b ?? EMPTY;
    this.#room(4 + v.length);
    this.#buf.writeUInt32BE(v.length, this.#at);
    v.copy(this.#buf, this.#at + 4);
    this.#at += 4 + v.length;
    return this;
  }

  /** The pieces written so far (views of this writer's buffer: write nothing more while they are in use). */
  pieces(): Buffer[] {
    const out: Buffer[] = [];
    let from = 0;
    for (const cut of [...this.#cuts, this.#at]) {
      if (cut > from) out.push(this.#buf.subarray(from, cut));
      from = cut;
    }
    return out;
  }
}
