/** The measured path: gateway dispatches → `GatewayListener` → `RedisCache`. */
import { GatewayListener, type CacheRules, type ListenerLogger } from '@sake/gateway';
import { RedisCache } from '@sake/redis';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { GuildPayloads } from './dataset.js';

/** A logger that keeps the benchmark's output readable but never hides a failure. */
export const benchLogger: ListenerLogger = {
  debug() {},
  warn(message, details) {
    console.warn(`[listener] ${message}`, details ?? '');
  },
  error(message, details) {
    console.error(`[listener] ${message}`, details ?? '');
  },
};

/** Open a RedisCache on `url` under `prefix` (`functions`: RedisCacheOptions.functions; false runs the scripts with EVALSHA). */
export async function openCache(url: string, prefix: string, functions = true): Promise<RedisCache> {
  // No background sweep while measuring: it would compete with the figures it is not part of.
  const cache = new RedisCache(url, { prefix, sweepIntervalMs: 0, commandTimeoutMs: 60_000, functions });
  await cache.open();
  return cache;
}

/** A listener feeding `cache`. */
export function listenerFor(cache: ConstructorParameters<typeof GatewayListener>[0], rules: CacheRules = {}): GatewayListener {
  return new GatewayListener(cache, rules, { logger: benchLogger });
}

/**
 * Hand the session's READY (when given), then every guild's GUILD_CREATE and member chunks, to the
 * listener and wait until they are applied. READY stores the bot's user, as in a real session: without
 * it, every reaction event would make the listener look the bot's id up in the cache.
 */
export async function ingestThroughListener(listener: GatewayListener, guilds: readonly GuildPayloads[], ready?: GatewayDispatchPayload): Promise<void> {
  if (ready) listener.handle(ready, 0);
  for (const guild of guilds) {
    listener.handle(guild.create, 0);
    for (const chunk of guild.chunks) listener.handle(chunk, 0);
  }
  await listener.idle();
  assertClean(listener, 'ingest');
}

/** Hand `payloads` to the listener and wait until they are applied. */
export async function handleAll(listener: GatewayListener, payloads: readonly GatewayDispatchPayload[]): Promise<void> {
  for (const payload of payloads) listener.handle(payload, 0);
  await listener.idle();
}

/** Throw when the listener skipped or failed anything: a figure over dropped events would be a lie. */
export function assertClean(listener: GatewayListener, phase: string): void {
  const stats = listener.stats();
  if (stats.failed > 0 || stats.malformed > 0) {
    throw new Error(`${phase}: the listener failed ${stats.failed} and skipped ${stats.malformed} malformed event(s); the figure would not be valid`);
  }
}

/** Whether a command (its arguments, the name first) runs a script: `EVALSHA`/`EVAL`, or `FCALL` of a function. */
export function isScriptCall(args: readonly unknown[]): boolean {
  return /^(evalsha|eval|fcall)$/i.test(String(args[0]));
}

/** The script a function of RedisCache's library runs (`sake_<hash>_batch` → `batch`), or the function's name. */
export function scriptOfFunction(fn: string): string {
  return /^sake_[0-9a-f]{16}_(.+)$/.exec(fn)?.[1] ?? fn;
}

/** A slow-log entry's command as a name: the script's name for an EVALSHA of one of `cache`'s scripts or an FCALL of its library. */
export function commandName(args: readonly string[], cache: RedisCache): string {
  const name = String(args[0]).toLowerCase();
  if (name === 'fcall') return scriptOfFunction(String(args[1]));
  if (name !== 'evalsha') return name;
  // The client's defined scripts (ioredis internals; a diagnostic only).
  const scripts = (cache as unknown as { client?: { scriptsSet?: Record<string, { sha: string }> } }).client?.scriptsSet ?? {};
  for (const [script, { sha }] of Object.entries(scripts)) if (sha === args[1]) return script;
  return 'evalsha';
}
