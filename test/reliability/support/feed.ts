/** Feeding the same dispatches to several listeners, and small shared helpers of the reliability tests. */
import { randomBytes } from 'node:crypto';
import { GatewayListener, type CacheRules, type ListenerLogger } from '@sake/gateway';
import type { Backend } from '@sake/abc';

/** A gateway dispatch payload, as the listener takes it. */
export type GatewayDispatchPayload = Parameters<GatewayListener['handle']>[0];

/** A logger that keeps what it is told (tests assert on it, and nothing floods the output). */
export interface RecordingLogger extends ListenerLogger {
  readonly warnings: string[];
  readonly errors: string[];
}

/** A {@link RecordingLogger}. */
export function recordingLogger(): RecordingLogger {
  const warnings: string[] = [];
  const errors: string[] = [];
  return { warnings, errors, debug: () => undefined, warn: (m: string) => void warnings.push(m), error: (m: string) => void errors.push(m) };
}

/** A key prefix no other test uses. */
export function uniquePrefix(tag: string): string {
  return `rel-${tag}-${randomBytes(4).toString('hex')}:`;
}

/** Events that carry an old value to confirmed handlers (compared across backends too). */
export const OLD_VALUE_EVENTS = [
  'GUILD_UPDATE',
  'GUILD_DELETE',
  'GUILD_ROLE_UPDATE',
  'GUILD_ROLE_DELETE',
  'GUILD_EMOJIS_UPDATE',
  'CHANNEL_UPDATE',
  'CHANNEL_DELETE',
  'GUILD_MEMBER_UPDATE',
  'GUILD_MEMBER_REMOVE',
  'PRESENCE_UPDATE',
  'VOICE_STATE_UPDATE',
  'MESSAGE_UPDATE',
  'MESSAGE_DELETE',
  'MESSAGE_DELETE_BULK',
  'MESSAGE_REACTION_ADD',
  'INVITE_DELETE',
] as const;

/** A listener on `cache` that records the old values its confirmed handlers get, in order. */
export function recordingListener(
  cache: Backend,
  rules: CacheRules,
  logger: ListenerLogger = recordingLogger(),
): { listener: GatewayListener; confirmed: unknown[] } {
  const listener = new GatewayListener(cache, rules, { logger });
  const confirmed: unknown[] = [];
  for (const event of OLD_VALUE_EVENTS) {
    listener.on(event, (_data, old) => void confirmed.push([event, old === undefined ? null : JSON.parse(JSON.stringify(old))]), { confirm: true });
  }
  return { listener, confirmed };
}

/**
 * Feed `events` to every listener. Runs of one guild are handed over back to
 * back (so the listener batches them); before a run of another guild every
 * listener is drained, so events of different guilds never race: this test
 * compares backends, and races are shared-order.test.ts's subject.
 */
export async function feed(
  listeners: readonly GatewayListener[],
  events: readonly { guildId: string | undefined; payload: GatewayDispatchPayload }[],
): Promise<void> {
  let current: string | undefined | null = null;
  for (const { guildId, payload } of events) {
    if (guildId !== current || guildId === undefined) await Promise.all(listeners.map((l) => l.idle()));
    current = guildId;
    for (const listener of listeners) listener.handle(payload, 0);
  }
  await Promise.all(listeners.map((l) => l.idle()));
}

/** Wait until `check` passes (retrying while it throws), up to `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, stepMs));
    }
  }
}
