/**
 * Point a real `@discordjs/ws` WebSocketManager at a {@link FakeGateway},
 * with no network: the manager's gateway-information lookup is answered
 * locally and every shard connects to the fake gateway's loopback URL.
 */
import { GatewayIntentBits } from 'discord-api-types/v10';
import { WebSocketManager, type CreateWebSocketManagerOptions, type SessionInfo } from '@discordjs/ws';
import type { FakeGateway } from './fake-gateway.js';

/** Options of {@link createManager}: any WebSocketManager option except the ones that point it at the gateway. */
export type FakeManagerOptions = Partial<Omit<CreateWebSocketManagerOptions, 'rest'>>;

/** Every intent a cache cares about (guilds, members, presences, messages, reactions, voice, invites, content). */
export const CACHE_INTENTS =
  GatewayIntentBits.Guilds |
  GatewayIntentBits.GuildMembers |
  GatewayIntentBits.GuildPresences |
  GatewayIntentBits.GuildMessages |
  GatewayIntentBits.GuildMessageReactions |
  GatewayIntentBits.GuildVoiceStates |
  GatewayIntentBits.GuildInvites |
  GatewayIntentBits.GuildExpressions |
  GatewayIntentBits.MessageContent;

/**
 * Build (not connect) a WebSocketManager for `gateway`, with a dummy token.
 *
 * - `@discordjs/ws` 2.0.x asks `options.rest.get('/gateway/bot')` for the URL
 *   and shard count, then connects to `${url}?v=10&encoding=json`: the `rest`
 *   given here answers that from {@link FakeGateway.gatewayBotInfo}. (Newer
 *   releases take a `fetchGatewayInformation` option instead; it is set too.)
 * - Session info lives in a store private to this manager: the library's
 *   default store is process-wide, so two managers in one test process would
 *   otherwise resume each other's sessions.
 * - Identifies are not throttled (the default throttler waits ~5 s between
 *   identifies of one bucket, a Discord limit the fake gateway does not have).
 */
export function createManager(gateway: FakeGateway, options: FakeManagerOptions = {}): WebSocketManager {
  const sessions = new Map<number, SessionInfo>();
  const fetchGatewayInformation = async () => gateway.gatewayBotInfo();
  const local = {
    token: 'fake-token-for-the-local-gateway',
    intents: CACHE_INTENTS,
    shardCount: gateway.shardCount,
    rest: { get: fetchGatewayInformation } as unknown as CreateWebSocketManagerOptions['rest'],
    fetchGatewayInformation,
    buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }),
    retrieveSessionInfo: (shardId: number) => sessions.get(shardId) ?? null,
    updateSessionInfo: (shardId: number, info: SessionInfo | null) => {
      if (info) sessions.set(shardId, info);
      else sessions.delete(shardId);
    },
  };
  return new WebSocketManager({ ...local, ...options });
}
