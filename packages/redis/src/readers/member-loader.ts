/**
 * Point reads of members on a single node, coalesced per tick: a lone
 * `getMember` is one `sakeReadMember` command; many `getMember` calls issued
 * together (10k concurrent promises) become `sakeReadMembers` calls of up to
 * {@link MAX_PER_CALL} members each, instead of one command (and one
 * reply-parsing round in ioredis) per member. A member's tail hash is its
 * bucket key + `:t` (keys.ts). Each read answers the reply holding its packed
 * member (scripts/includes/packed-member.lua: member and user, tails joined) and where in
 * it the member starts, or null. Nothing is allocated per read beyond its
 * queue entry: ids are written into one buffer per call. Each call runs under
 * the connection's deadline (connection.ts `Deadlines.arm`): a hung server
 * rejects its reads with `BackendError`.
 */
import { writeId } from '../codec/ids.js';
import { SPLIT_MARK } from '../codec/split.js';
import { toCacheError, type Connection } from '../connection.js';
import type { Keys } from '../keys.js';
import { packedLength, packPieces } from './packed-member.js';

/** Gets a read's reply: the packed member at `pos` of `blob`, or `blob` null when there is no such member. */
export type PackedCallback = (blob: Buffer | null, pos: number) => void;

/** The single-member script as the client exposes it (scripts/index.ts defines it). */
interface ReadMemberCommand {
  sakeReadMemberBuffer(memberKey: string, tailKey: string, userKey: string, userTailKey: string, field: Buffer): Promise<Buffer | null>;
  sakeReadMembersBuffer(args: ReadonlyArray<string | Buffer | number>): Promise<Buffer>;
}

/** Most members one `sakeReadMembers` call reads: ~2–3 ms of Redis time on a 2-core VM, the bound of every script call. */
const MAX_PER_CALL = 500;

interface Request {
  memberKey: string;
  userId: string;
  userBucket: number;
  resolve: PackedCallback;
  reject(err: unknown): void;
}

/** Coalesces the member reads of one tick (see the module comment). */
export class MemberLoader {
  readonly #conn: Connection;
  readonly #keys: Keys;
  #queue: Request[] = [];
  readonly #flushNow = (): void => this.#flush();

  constructor(conn: Connection, keys: Keys) {
    this.#conn = conn;
    this.#keys = keys;
  }

  /** Read one member (see {@link PackedCallback}); `reject` gets the client's error as is. */
  request(memberKey: string, userId: string, userBucket: number, resolve: PackedCallback, reject: (err: unknown) => void): void {
    this.#queue.push({ memberKey, userId, userBucket, resolve, reject });
    // Sent with the tick's other commands, in one socket write (read-batcher.ts).
    if (this.#queue.length === 1) this.#conn.reads.defer(this.#flushNow);
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    if (queue.length === 1) {
      this.#readOne(queue[0]!);
      return;
    }
    // Reads of the same member bucket go next to each other (Redis scans each bucket once while it
    // is in cache, and each bucket key is one argument), then in calls of at most MAX_PER_CALL.
    const groups = new Map<string, Request[]>();
    for (const r of queue) {
      const group = groups.get(r.memberKey);
      if (group) group.push(r);
      else groups.set(r.memberKey, [r]);
    }
    let part: Request[] = [];
    let args: Array<string | Buffer | number> = [];
    const send = (): void => {
      if (part.length > 0) this.#readMany(part, args);
      part = [];
      args = [];
    };
    for (const [key, group] of groups) {
      for (let at = 0; at < group.length;) {
        const take = Math.min(group.length - at, MAX_PER_CALL - part.length);
        args.push(key, take);
        for (let i = 0; i < take; i++) part.push(group[at + i]!);
        at += take;
        if (part.length === MAX_PER_CALL) send();
      }
    }
    send();
  }

  /** One `sakeReadMembers` call for `part`, whose bucket keys and counts are `groups`. */
  #readMany(part: Request[], groups: Array<string | Buffer | number>): void {
    const client = this.#conn.scripts as unknown as ReadMemberCommand;
    // ARGV: prefix, 12 bytes per member (8-byte user id + 4-byte user bucket) in one string, then (bucket key, count) pairs.
    const blob = Buffer.allocUnsafe(12 * part.length);
    for (let i = 0; i < part.length; i++) {
      const r = part[i]!;
      writeId(blob, 12 * i, r.userId);
      blob.writeUInt32BE(r.userBucket, 12 * i + 8);
    }
    const args: Array<string | Buffer | number> = [this.#keys.prefix, blob, ...groups];
    // One deadline for the call: a hung server rejects every read of it (a late reply is ignored).
    let timedOut = false;
    const disarm = this.#conn.deadline('getMember', (err) => {
      timedOut = true;
      for (const r of part) r.reject(err);
    });
    const answer = (reply: Buffer): void => {
      if (timedOut) return;
      disarm();
      // Per member: a found byte, then (when found) its packed member (scripts/includes/packed-member.lua).
      let pos = 0;
      for (const r of part) {
        if (pos >= reply.length) {
          r.reject(new Error('sakeReadMembers answered fewer members than asked'));
          continue;
        }
        if (reply[pos++] === 0) {
          r.resolve(null, 0);
          continue;
        }
        const at = pos;
        pos += packedLength(reply, at);
        r.resolve(reply, at);
      }
    };
    const fail = (err: unknown): void => {
      if (timedOut) return;
      disarm();
      // A foreign value under one of the keys: read each one alone, so the error names its key.
      if (err instanceof Error && /\bWRONGTYPE\b/.test(err.message)) for (const r of part) this.#readOne(r);
      else for (const r of part) r.reject(err);
    };
    try {
      client.sakeReadMembersBuffer(args).then(answer, fail);
    } catch (err) {
      fail(err);
    }
  }

  /**
   * A lone read without Lua: the member head and the user head as two HGETs in one socket write
   * (the socket is corked around them), answered together; then, only for a head marked split
   * (~1 % of members since role dictionaries, ~5 % of users), the tails it needs, in one more
   * write. Running a script costs Redis several times a plain HGET, and a point read is a round
   * trip waiting on it. The pieces are packed as the scripts pack them, so one decoder serves both.
   */
  #readOne(r: Request): void {
    const client = this.#conn.client as unknown as BufferReads;
    const field = Buffer.allocUnsafe(8);
    writeId(field, 0, r.userId);
    const userKey = this.#keys.users(r.userBucket);
    let head: Buffer | null = null;
    let user: Buffer | null = null;
    let tail: Buffer | null = null;
    let userTail: Buffer | null = null;
    let left = 2;
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      disarm();
      r.reject(err);
    };
    // A hung server: the read fails with the deadline's BackendError, and replies that come later are ignored.
    const disarm = this.#conn.deadline('getMember', fail);
    const done = (blob: Buffer | null): void => {
      disarm();
      r.resolve(blob, 0);
    };
    // A WRONGTYPE reply names the key it came from (InvalidDataFound), as every other read does.
    const failAt =
      (key: string) =>
      (err: unknown): void =>
        fail(toCacheError(err, 'HGET', key));
    const answer = (): void => {
      if (--left > 0 || failed) return;
      done(packPieces(field, head!, tail, user, userTail));
    };
    const arrived = (): void => {
      if (--left > 0 || failed) return;
      if (!head) {
        done(null);
        return;
      }
      const headSplit = head.length > 0 && head[0] === SPLIT_MARK;
      const userSplit = user !== null && user.length > 0 && user[0] === SPLIT_MARK;
      if (!headSplit && !userSplit) {
        done(packPieces(field, head, null, user, null));
        return;
      }
      left = (headSplit ? 1 : 0) + (userSplit ? 1 : 0);
      this.#corked(() => {
        if (headSplit) {
          const tailKey = `${r.memberKey}:t`;
          client.hgetBuffer(tailKey, field).then((v) => {
            tail = v;
            answer();
          }, failAt(tailKey));
        }
        if (userSplit) {
          const userTailKey = `${userKey}t`;
          client.hgetBuffer(userTailKey, field).then((v) => {
            userTail = v;
            answer();
          }, failAt(userTailKey));
        }
      }, fail);
    };
    this.#corked(() => {
      client.hgetBuffer(r.memberKey, field).then((v) => {
        head = v;
        arrived();
      }, failAt(r.memberKey));
      client.hgetBuffer(userKey, field).then((v) => {
        user = v;
        arrived();
      }, failAt(userKey));
    }, fail);
  }

  /** Issue the commands of `send` in one socket write; a synchronous failure goes to `fail`. */
  #corked(send: () => void, fail: (err: unknown) => void): void {
    const stream = (this.#conn.client as unknown as { stream?: { cork?(): void; uncork?(): void } }).stream;
    stream?.cork?.();
    try {
      send();
    } catch (err) {
      fail(err);
    } finally {
      stream?.uncork?.();
    }
  }
}

/** Plain reads returning Buffers. */
interface BufferReads {
  hgetBuffer(key: string, field: Buffer): Promise<Buffer | null>;
}
