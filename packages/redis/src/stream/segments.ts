/**
 * A batch cut into segments for the op stream and the plan: in each segment, the mutations the
 * stream has ops for (coverage.ts) go to one `sakeBatch` run and the others to the plan, run after
 * it; segments run one after another. Mutations stay in one segment only while the stream's and
 * the plan's share of it touch nothing whose order changes the outcome; a mutation that touches
 * what the other side of the current segment touches starts the next segment.
 *
 * What a mutation touches is named by keys `class:id`: `m` a message, `c` a channel's message
 * index, `u` a user (its record, lists, author index and orphan deadline), `mg`/`pg`/`vg` a
 * guild's members/presences/voice states as a whole. `class:*` stands for every key of its class
 * (a message delete's channel and author are not known before the script reads the message), and
 * `*` for everything (a mutation whose reach is not worked out here: clears, channel deletes and
 * child replaces that may cascade).
 */
import type { Checked } from '../apply/validate.js';
import { hasOp } from './coverage.js';

/** One segment: the stream's mutations and the plan's, each in batch order. */
export interface Segment {
  stream: Checked[];
  plan: Checked[];
}

/** Everything: conflicts with any mutation of the other side. */
const ALL = '*';

/** The keys of a member's, presence's, voice state's or user's own write (either side); undefined for other resources. */
function userSideKeys(resource: Checked['resource'], key: Record<string, string | undefined>): string[] | undefined {
  switch (resource) {
    case 'member':
      return [`mg:${key.guildId}`, `u:${key.userId}`];
    case 'presence':
      return [`pg:${key.guildId}`, `u:${key.userId}`];
    case 'voiceState':
      return [`vg:${key.guildId}`];
    case 'user':
      return [`u:${key.userId}`];
    default:
      return undefined;
  }
}

/** The keys a mutation the stream applies touches. */
function streamKeys(m: Checked): string[] {
  const key = m.type === 'set' || m.type === 'merge' || m.type === 'delete' ? (m.key as Record<string, string | undefined>) : {};
  if (m.resource !== 'message') return userSideKeys(m.resource, key) ?? [ALL];
  // A set may evict other messages (of unknown authors) from its channel; a merge may move the
  // message out of channels and authors unknown here, as may a delete.
  if (m.type === 'set') return [`m:${key.messageId}`, `c:${(m.value as { channel_id: string }).channel_id}`, 'u:*'];
  return [`m:${key.messageId}`, 'c:*', 'u:*'];
}

/** The keys a mutation the plan applies touches (none: it commutes with every stream op). */
function planKeys(m: Checked): string[] {
  switch (m.type) {
    case 'react':
      return [`m:${m.key.messageId}`];
    case 'removeRole':
      return [`mg:${m.guildId}`];
    case 'clearFor':
      return [ALL];
    case 'replaceForGuild':
      if (m.resource === 'member') return [`mg:${m.guildId}`, 'u:*'];
      if (m.resource === 'presence') return [`pg:${m.guildId}`, 'u:*'];
      if (m.resource === 'voiceState') return [`vg:${m.guildId}`];
      return [ALL];
    default:
      break;
  }
  const key = m.key as Record<string, string | undefined>;
  const own = userSideKeys(m.resource, key);
  if (own) return own;
  switch (m.resource) {
    case 'message':
      // A merge may create or move the message: every channel index and author may change.
      return [`m:${key.messageId}`, 'c:*', 'u:*'];
    case 'channel':
      // A channel delete takes its messages, invites and voice states (apply/cascade.ts).
      return m.type === 'delete' ? [ALL] : [];
    default:
      // Guilds (the record only), roles, emojis, invites and the bot's user: nothing the stream writes.
      return [];
  }
}

/** One side's keys in a segment: exact keys and the classes it touches. */
class Touched {
  readonly #keys = new Set<string>();
  readonly #classes = new Set<string>();
  #all = false;

  add(keys: readonly string[]): void {
    for (const k of keys) {
      if (k === ALL) this.#all = true;
      this.#keys.add(k);
      this.#classes.add(k.slice(0, k.indexOf(':')));
    }
  }

  /** Whether anything of `keys` is touched here. */
  meets(keys: readonly string[]): boolean {
    if (keys.length === 0) return false;
    if (this.#all) return true;
    for (const k of keys) {
      if (k === ALL) return this.#keys.size > 0;
      const cls = k.slice(0, k.indexOf(':'));
      if (k.endsWith(':*') ? this.#classes.has(cls) : this.#keys.has(k) || this.#keys.has(`${cls}:*`)) return true;
    }
    return false;
  }
}

/** Cut a batch into segments (see the module comment). */
export function segments(checked: readonly Checked[]): Segment[] {
  const out: Segment[] = [];
  let current: Segment = { stream: [], plan: [] };
  let touched = { stream: new Touched(), plan: new Touched() };
  for (const m of checked) {
    const inStream = hasOp(m);
    const keys = inStream ? streamKeys(m) : planKeys(m);
    if ((inStream ? touched.plan : touched.stream).meets(keys)) {
      out.push(current);
      current = { stream: [], plan: [] };
      touched = { stream: new Touched(), plan: new Touched() };
    }
    (inStream ? current.stream : current.plan).push(m);
    (inStream ? touched.stream : touched.plan).add(keys);
  }
  out.push(current);
  return out;
}
