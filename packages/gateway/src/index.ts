/**
 * `@sake/gateway`: turns Discord gateway dispatches into `@sake/abc`
 * mutation batches for any backend, with rules, confirmed dispatch and
 * member chunk requests. Knows no backend.
 *
 * @packageDocumentation
 */
export { GatewayListener } from './listener.js';
export type { GatewayClient, GatewaySource, DispatchListener } from './source.js';
export type { ListenerOptions, ListenerStats, RequestMembersOptions } from './options.js';
export type { DispatchHandler, ErrorHandler, HandlerOptions, OldValue, OldValues } from './dispatch.js';
export type { DispatchData, DispatchEventName, EventTranslator, ListenerCache, TranslateContext, Translation, TranslatorTable } from './events/types.js';
export { TRANSLATORS, shardOf } from './events/index.js';
export { DEFAULT_RULES, applyRules, resolveRules } from './rules.js';
export type { CacheRules, MemberPolicy, MemberRequestPolicy, MessageRule, ResolvedRules } from './rules.js';
export { ListenerWriteError, MemberRequestError } from './errors.js';
export { MalformedPayload } from './validate.js';
export { consoleLogger } from './logger.js';
export type { ListenerLogger } from './logger.js';
export type { MemberRequestResult } from './member-requests.js';
export { KeyedQueue } from './queue.js';
