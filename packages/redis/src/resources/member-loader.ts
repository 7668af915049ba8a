/**
 * Point reads of members on a single node, coalesced per tick: a lone
 * `getMember` is one `sakeReadMember` command; many `getMember` calls issued
 * together (10k concurrent promises) become `sakeReadMembers` calls of up to
 * {@link MAX_PER_CALL} members each, instead of one command (and one
 * reply-parsing round in ioredis) per member. A member's tail hash is its
 * bucket key + `:t` (keys.ts). Each read answers the reply holding its packed
 * member (scripts/read-member.ts: member and user, tails joined) and where in
 * it the member starts, or null. Nothing is allocated per read beyond its
 * queue entry: ids are written into one buffer per call.
 */
import { writeId } from '../codec/ids.js';
import type { Connection } from '../connection.js';
import type { Keys } from '../keys.js';
import { packedLength } from './members.js';

/** Gets a read's reply: the packed member at `pos` of `blob`, or `blob` null when there is no such member. */
export type PackedCallback = (blob: Buffer | null, pos: number) => void;

/** The single-member script as the client exposes it (scripts/index.ts defines it). */
interface ReadMemberCommand {
  sakeReadMemberBuffer(memberKey: string, tailKey: string, userKey: string, userTailKey: string, field: Buffer): Promise<Buffer | null>;
  sakeReadMembersBuffer(args: ReadonlyArray<string | Buffer>): Promise<Buffer>;
}

/** Most members one `sakeReadMembers` call reads (bounds the time Redis spends in one call). */
const MAX_PER_CALL = 1000;

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
    if (this.#queue.length === 1) queueMicrotask(this.#flushNow);
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    const client = this.#conn.client as unknown as ReadMemberCommand;
    if (queue.length === 1) {
      const r = queue[0]!;
      const userKey = this.#keys.users(r.userBucket);
      const field = Buffer.allocUnsafe(8);
      writeId(field, 0, r.userId);
      // Straight to the client: this flush already runs at the end of the tick.
      try {
        client.sakeReadMemberBuffer(r.memberKey, `${r.memberKey}:t`, userKey, `${userKey}t`, field).then((blob) => r.resolve(blob, 0), r.reject);
      } catch (err) {
        r.reject(err);
      }
      return;
    }
    for (let start = 0; start < queue.length; start += MAX_PER_CALL) {
      const part = queue.slice(start, start + MAX_PER_CALL);
      // ARGV: prefix, 12 bytes per member (8-byte user id + 4-byte user bucket) in one string, then the bucket keys.
      const blob = Buffer.allocUnsafe(12 * part.length);
      const args: Array<string | Buffer> = new Array<string | Buffer>(part.length + 2);
      args[0] = this.#keys.prefix;
      args[1] = blob;
      for (let i = 0; i < part.length; i++) {
        const r = part[i]!;
        writeId(blob, 12 * i, r.userId);
        blob.writeUInt32BE(r.userBucket, 12 * i + 8);
        args[i + 2] = r.memberKey;
      }
      const answer = (reply: Buffer): void => {
        // Per member: a found byte, then (when found) its packed member (scripts/read-member.ts).
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
        for (const r of part) r.reject(err);
      };
      try {
        client.sakeReadMembersBuffer(args).then(answer, fail);
      } catch (err) {
        fail(err);
      }
    }
  }
}
