/** Where the listener gets dispatches from: a `@discordjs/ws` manager or a `@discordjs/core` client. */
import type { WebSocketShardEvents } from '@discordjs/ws';
import type { GatewayDispatchPayload, GatewaySendPayload } from 'discord-api-types/v10';

/** A value or a promise of it. */
type Awaitable<T> = T | PromiseLike<T>;

/** A dispatch callback as `@discordjs/ws` calls it. */
export type DispatchListener = (payload: GatewayDispatchPayload, shardId: number) => void;

/**
 * Where dispatches come from and member requests go: a `@discordjs/ws`
 * `WebSocketManager` (or anything shaped like `@discordjs/core`'s `Gateway`).
 */
export interface GatewaySource {
  /** Subscribe to dispatches. */
  on(event: WebSocketShardEvents.Dispatch, listener: DispatchListener): unknown;
  /** Unsubscribe (used by `detach`; sources without it are muted instead). */
  off?(event: WebSocketShardEvents.Dispatch, listener: DispatchListener): unknown;
  /** Send a payload through a shard. */
  send(shardId: number, payload: GatewaySendPayload): Awaitable<void>;
  /** The total shard count (to find a guild's shard). */
  getShardCount(): Awaitable<number>;
  /** Close every shard, ending its session (with `connect`: how the listener forces a fresh IDENTIFY). */
  destroy?(): Awaitable<void>;
  /** Connect every shard (a fresh IDENTIFY after `destroy`). */
  connect?(): Awaitable<void>;
}

/** A `@discordjs/core` `Client` (or anything holding a {@link GatewaySource} as `gateway`). */
export interface GatewayClient {
  /** The client's gateway. */
  readonly gateway: GatewaySource;
}
