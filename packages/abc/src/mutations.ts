/**
 * The write contract: what a gateway listener asks a backend to do.
 *
 * sake left writes to each backend; standardising them is what lets one
 * listener feed any backend and one conformance suite check it. A batch is an
 * ordered list of mutations; a backend applies it in order and resolves only
 * once the result is durable in its store (that is what confirmed dispatch
 * waits for).
 */
import type { EntityMap, GuildChildResource, KeyMap, ResourceName, ScopeMap, ScopedResource } from './entities.js';
import type { Snowflake } from './ids.js';

/**
 * Write (insert or overwrite) one entry.
 *
 * Setting a `member` also sets its `user` (members are stored without their
 * user and joined on read). Setting a `message` with `channelLimit` keeps only
 * the newest `channelLimit` messages of its channel (by id).
 */
export interface SetMutation<R extends ResourceName = ResourceName> {
  readonly type: 'set';
  readonly resource: R;
  readonly value: EntityMap[R];
  /**
   * Drop the entry after this many milliseconds (messages, invites, users).
   * For users it is a retention time: a user that a cached member refers to
   * never expires, and setting a member's user makes it persistent again.
   */
  readonly ttlMs?: number;
  /** For messages: keep at most this many messages in the entry's channel, evicting the oldest ids. */
  readonly channelLimit?: number;
}

/**
 * Shallow-merge `patch` into an existing entry (top-level fields replace the
 * stored ones; a `user` in a member patch is merged into the user entry).
 * When the entry is absent: with `upsert` the patch is stored as the entry
 * (it must then carry the entry's key fields), otherwise nothing happens.
 */
export interface MergeMutation<R extends ResourceName = ResourceName> {
  readonly type: 'merge';
  readonly resource: R;
  readonly key: KeyMap[R];
  readonly patch: Partial<EntityMap[R]>;
  readonly upsert?: boolean;
}

/** Remove one entry (absent entries are not an error). */
export interface DeleteMutation<R extends ResourceName = ResourceName> {
  readonly type: 'delete';
  readonly resource: R;
  readonly key: KeyMap[R];
}

/**
 * Replace every entry of a guild child resource for one guild: entries of
 * that guild not in `values` are removed (stale children from before a
 * disconnect must go), the others are set. Backends should make this atomic.
 */
export interface ReplaceForGuildMutation<R extends GuildChildResource = GuildChildResource> {
  readonly type: 'replaceForGuild';
  readonly resource: R;
  readonly guildId: Snowflake;
  readonly values: readonly EntityMap[R][];
}

/** Remove every entry of `resource` indexed under `scope` = `id` (e.g. the messages of a channel). */
export interface ClearForMutation<R extends ScopedResource = ScopedResource> {
  readonly type: 'clearFor';
  readonly resource: R;
  readonly scope: ScopeMap[R];
  readonly id: Snowflake;
}

/** One step of a write batch. */
export type Mutation =
  | { [R in ResourceName]: SetMutation<R> }[ResourceName]
  | { [R in ResourceName]: MergeMutation<R> }[ResourceName]
  | { [R in ResourceName]: DeleteMutation<R> }[ResourceName]
  | { [R in GuildChildResource]: ReplaceForGuildMutation<R> }[GuildChildResource]
  | { [R in ScopedResource]: ClearForMutation<R> }[ScopedResource];

/** A backend that can be fed by the gateway listener. */
export interface CacheWriter {
  /**
   * Apply `batch` in order. Resolves once every mutation is durable in the
   * store; rejects with `BackendError` when the store failed (some leading
   * mutations may then have been applied: a batch is atomic only where the
   * backend documents it), `ClosedClient` after `close()`, and `TypeError`
   * for a mutation with malformed ids (before any I/O).
   */
  apply(batch: readonly Mutation[]): Promise<void>;
}

/** Helpers that build well-typed mutations. */
export const mutation = {
  /** A {@link SetMutation}. */
  set<R extends ResourceName>(resource: R, value: EntityMap[R], options: { ttlMs?: number; channelLimit?: number } = {}): Mutation {
    return { type: 'set', resource, value, ...options } as Mutation;
  },
  /** A {@link MergeMutation}. */
  merge<R extends ResourceName>(resource: R, key: KeyMap[R], patch: Partial<EntityMap[R]>, upsert = false): Mutation {
    return { type: 'merge', resource, key, patch, upsert } as Mutation;
  },
  /** A {@link DeleteMutation}. */
  delete<R extends ResourceName>(resource: R, key: KeyMap[R]): Mutation {
    return { type: 'delete', resource, key } as Mutation;
  },
  /** A {@link ReplaceForGuildMutation}. */
  replaceForGuild<R extends GuildChildResource>(resource: R, guildId: Snowflake, values: readonly EntityMap[R][]): Mutation {
    return { type: 'replaceForGuild', resource, guildId, values } as Mutation;
  },
  /** A {@link ClearForMutation}. */
  clearFor<R extends ScopedResource>(resource: R, scope: ScopeMap[R], id: Snowflake): Mutation {
    return { type: 'clearFor', resource, scope, id } as Mutation;
  },
} as const;
