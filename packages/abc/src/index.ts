/**
 * `@sake/abc`: the sake standard for Discord gateway caches. Interfaces for
 * every resource, the entity types, `CacheIterator`, id helpers and the
 * `Mutation` write contract. No I/O lives here.
 *
 * @packageDocumentation
 */
export * from './copy.js';
export * from './ids.js';
export * from './iterator.js';
export * from './entities.js';
export * from './mutations.js';
export * from './reactions.js';
export * from './validate.js';
export type * from './resource.js';
export type * from './guilds.js';
export type * from './channels.js';
export type * from './emojis.js';
export type * from './roles.js';
export type * from './members.js';
export type * from './presences.js';
export type * from './voice-states.js';
export type * from './messages.js';
export type * from './invites.js';
export type * from './users.js';
export type * from './me.js';
export type * from './cache.js';
export { BackendError, CacheError, CannotDelete, ClosedClient, EntryNotFound, InvalidDataFound } from '@sake/errors';
