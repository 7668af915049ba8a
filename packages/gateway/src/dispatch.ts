/**
 * Event handlers: immediate ones run as soon as the listener receives an
 * event; confirmed ones run only once the cache has durably applied it, and
 * get the value cached before the change.
 */
import type {
  EmojiEntity,
  GuildChannelEntity,
  GuildEntity,
  InviteEntity,
  MeEntity,
  MemberEntity,
  MessageEntity,
  PresenceEntity,
  RoleEntity,
  VoiceStateEntity,
} from '@sake/abc';
import type { ListenerWriteError } from './errors.js';
import type { DispatchData, DispatchEventName } from './events/types.js';
import type { ListenerLogger } from './logger.js';

/** The value cached before an event, for the events that have one (keyed by event name). */
export interface OldValues {
  READY: MeEntity;
  USER_UPDATE: MeEntity;
  GUILD_UPDATE: GuildEntity;
  GUILD_DELETE: GuildEntity;
  GUILD_ROLE_UPDATE: RoleEntity;
  GUILD_ROLE_DELETE: RoleEntity;
  GUILD_EMOJIS_UPDATE: EmojiEntity[];
  CHANNEL_UPDATE: GuildChannelEntity;
  CHANNEL_DELETE: GuildChannelEntity;
  THREAD_UPDATE: GuildChannelEntity;
  THREAD_DELETE: GuildChannelEntity;
  GUILD_MEMBER_UPDATE: MemberEntity;
  GUILD_MEMBER_REMOVE: MemberEntity;
  PRESENCE_UPDATE: PresenceEntity;
  VOICE_STATE_UPDATE: VoiceStateEntity;
  MESSAGE_UPDATE: MessageEntity;
  MESSAGE_DELETE: MessageEntity;
  MESSAGE_DELETE_BULK: MessageEntity[];
  MESSAGE_REACTION_ADD: MessageEntity;
  MESSAGE_REACTION_REMOVE: MessageEntity;
  MESSAGE_REACTION_REMOVE_ALL: MessageEntity;
  MESSAGE_REACTION_REMOVE_EMOJI: MessageEntity;
  INVITE_DELETE: InviteEntity;
}

/** The old value type of an event (`undefined` for events without one). */
export type OldValue<T extends DispatchEventName> = `${T}` extends keyof OldValues ? OldValues[`${T}`] : undefined;

/**
 * A handler of one dispatch event: the event's data, the value cached before
 * it (confirmed handlers only, and `undefined` when nothing was cached), and
 * the shard it came from.
 */
export type DispatchHandler<T extends DispatchEventName> = (data: DispatchData<T>, old: OldValue<T> | undefined, shardId: number) => unknown;

/** A handler of write failures. */
export type ErrorHandler = (error: ListenerWriteError) => unknown;

/** Options of `listener.on`. */
export interface HandlerOptions {
  /** Run only after the cache has durably applied the event (and get the old value). Default false. */
  confirm?: boolean;
}

type AnyHandler = (data: unknown, old: unknown, shardId: number) => unknown;

/** The registry of handlers. */
export class Dispatcher {
  readonly #immediate = new Map<string, Set<AnyHandler>>();
  readonly #confirmed = new Map<string, Set<AnyHandler>>();
  readonly #errors = new Set<ErrorHandler>();
  readonly #logger: ListenerLogger;

  constructor(logger: ListenerLogger) {
    this.#logger = logger;
  }

  /** Register a handler. */
  on(event: string, handler: AnyHandler, confirm: boolean): void {
    const table = confirm ? this.#confirmed : this.#immediate;
    const set = table.get(event) ?? new Set();
    set.add(handler);
    table.set(event, set);
  }

  /** Remove a handler (from both kinds). */
  off(event: string, handler: AnyHandler): void {
    this.#immediate.get(event)?.delete(handler);
    this.#confirmed.get(event)?.delete(handler);
  }

  /** Register an error handler. */
  onError(handler: ErrorHandler): void {
    this.#errors.add(handler);
  }

  /** Remove an error handler. */
  offError(handler: ErrorHandler): void {
    this.#errors.delete(handler);
  }

  /** Whether a confirmed handler listens to `event` (only then are old values read). */
  hasConfirmed(event: string): boolean {
    return (this.#confirmed.get(event)?.size ?? 0) > 0;
  }

  /** Run the immediate handlers of an event. */
  immediate(event: string, data: unknown, shardId: number): void {
    this.#call(this.#immediate.get(event), event, data, undefined, shardId);
  }

  /** Run the confirmed handlers of an applied event. */
  confirmed(event: string, data: unknown, old: unknown, shardId: number): void {
    this.#call(this.#confirmed.get(event), event, data, old, shardId);
  }

  /** Report a write failure to the error handlers, or log it when there are none (never swallowed). */
  error(error: ListenerWriteError): void {
    if (this.#errors.size === 0) {
      this.#logger.error(error.message, { guildIds: error.guildIds, events: error.events, cause: error.cause });
      return;
    }
    for (const handler of this.#errors) {
      try {
        const result = handler(error);
        if (result instanceof Promise) result.catch((e: unknown) => this.#logger.warn('an error handler threw', { error: e }));
      } catch (e) {
        this.#logger.warn('an error handler threw', { error: e });
      }
    }
  }

  #call(handlers: Set<AnyHandler> | undefined, event: string, data: unknown, old: unknown, shardId: number): void {
    if (!handlers) return;
    for (const handler of handlers) {
      // A handler's failure is its own: it is logged and never reaches the gateway or the queue.
      try {
        const result = handler(data, old, shardId);
        if (result instanceof Promise) result.catch((error: unknown) => this.#logger.warn(`a ${event} handler threw`, { error }));
      } catch (error) {
        this.#logger.warn(`a ${event} handler threw`, { error });
      }
    }
  }
}
