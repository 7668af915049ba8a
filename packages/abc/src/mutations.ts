/**
 * The write contract: what a gateway listener asks a backend to do.
 *
 * sake left writes to each backend; standardising them is what lets one
 * listener feed any backend and one conformance suite check it. A batch is an
 * ordered list of mutations; a backend applies it in order and resolves only
 * once the result is durable in its store (that is what confirmed dispatch
 * waits for).
 *
 * Channel cascade: whatever removes a channel also removes what hangs off it.
 * A `delete` of a channel, a `replaceForGuild('channel', …)` that leaves a
 * cached channel out, and a `clearFor('channel', 'guild', …)` each remove the
 * messages, invites and voice states whose `channel_id` is that channel
 * ({@link CHANNEL_CHILD_RESOURCES}), from every read and every index, as if a
 * `clearFor(resource, 'channel', id)` of each followed right there in the
 * batch: entries written into the channel later in the same batch stay. The
 * backend does this because only it knows which channels a snapshot's
 * `replaceForGuild` drops (the listener would need a read per GUILD_CREATE).
 * The read API's `deleteGuildChannel` and `clearGuildChannels…` cascade the
 * same way.
 */
import type { EntityMap, GuildChildResource, KeyMap, ResourceName, ScopeMap, ScopedResource } from './entities.js';
import type { Snowflake } from './ids.js';
import type { ReactionChange } from './reactions.js';

/**
 * Write (insert or overwrite) one entry.
 *
 * Setting a `member` also sets its `user` (members are stored without their
 * user and joined on read) and makes that user persistent (see
 * {@link SetMutation.ttlMs}). Setting a `message` with `channelLimit` keeps
 * only the newest `channelLimit` messages of its channel (by id).
 */
export interface SetMutation<R extends ResourceName = ResourceName> {
  readonly type: 'set';
  readonly resource: R;
  readonly value: EntityMap[R];
  /**
   * Drop the entry after this many milliseconds. Defined for messages,
   * invites and users only: on any other resource it is a `TypeError` from
   * {@link checkMutation} (before any I/O), never silently ignored.
   *
   * For users it is a retention time, and user retention works so:
   * - a user that a cached member refers to never expires, whatever the order
   *   of the writes: a `ttlMs` on a set of such a user is ignored, and setting
   *   a member makes its user persistent (the listener sets a message author's
   *   member before, or after, the author);
   * - when the last cached member of a user goes (a delete, a clear, a
   *   `replaceForGuild` that leaves it out), the user stays cached: it is NOT
   *   removed with the member. From then on it is an orphan, kept for the
   *   backend's own orphan retention (a backend option: `MemoryCache`'s
   *   `userTtlMs`, default forever; `RedisCache`'s `userTtlMs`, default one
   *   hour). A `ttlMs` given while the user was referenced is not remembered.
   *   A backend may count more references than members (RedisCache also
   *   counts presences and live messages): it only keeps users longer.
   */
  readonly ttlMs?: number;
  /** For messages only (a `TypeError` on any other resource): keep at most this many messages in the entry's channel, evicting the oldest ids. */
  readonly channelLimit?: number;
}

/**
 * Shallow-merge `patch` into an existing entry (top-level fields replace the
 * stored ones; a `user` in a member patch is merged into the user entry).
 * When the entry is absent: with `upsert` the patch is stored as the entry,
 * otherwise nothing happens.
 *
 * Key fields: the entry's key is `key`, never the patch. A patch may leave
 * out the fields that carry the key's ids (`id`, `code`, `guild_id` and
 * `user.id` of members and presences, `user_id` of voice states): the merged
 * entry always gets them from `key` ({@link fillKeyFields}), so `merge(role,
 * { roleId }, { name }, true)` creates a role whose `id` is `roleId`, and a
 * presence patch whose `user` lacks its id keeps the presence's `user.id`. A patch that carries
 * one with another value than the key's is a `TypeError` from
 * {@link checkMutation} (before any I/O), as a `replaceForGuild` value of
 * another guild is.
 */
export interface MergeMutation<R extends ResourceName = ResourceName> {
  readonly type: 'merge';
  readonly resource: R;
  readonly key: KeyMap[R];
  readonly patch: Partial<EntityMap[R]>;
  readonly upsert?: boolean;
  /** When `upsert` creates the entry: its time to live, as {@link SetMutation.ttlMs} (a merge into an existing entry keeps its expiry). */
  readonly ttlMs?: number;
  /** When `upsert` creates a message: its channel's limit, as {@link SetMutation.channelLimit}. */
  readonly channelLimit?: number;
}

/**
 * Change the reactions of a cached message (the MESSAGE_REACTION_* events)
 * with {@link applyReactionChange}. An absent message stays absent; the
 * message keeps its expiry. The backend reads and writes the message itself,
 * so the listener needs no read (and no round trip) per reaction.
 */
export interface ReactMutation {
  readonly type: 'react';
  readonly resource: 'message';
  readonly key: KeyMap['message'];
  readonly change: ReactionChange;
}

/**
 * Take `roleId` out of the `roles` of every cached member of `guildId`
 * (GUILD_ROLE_DELETE: Discord strips a deleted role from its members without
 * sending member updates). Members without the role are left untouched.
 */
export interface RemoveRoleMutation {
  readonly type: 'removeRole';
  readonly resource: 'member';
  readonly guildId: Snowflake;
  readonly roleId: Snowflake;
}

/**
 * Remove one entry (absent entries are not an error). It removes that entry
 * only, with one exception: deleting a channel also removes its messages,
 * invites and voice states, cached channel or not (see the channel cascade in
 * this module's doc). Deleting a `guild` leaves its channels, roles, emojis,
 * members, presences, voice states, messages and invites cached (as sake's
 * `delete_guild`); a writer that wants them gone says so with `clearFor` /
 * `replaceForGuild` mutations (the gateway listener does for GUILD_DELETE).
 * A member's user stays too.
 */
export interface DeleteMutation<R extends ResourceName = ResourceName> {
  readonly type: 'delete';
  readonly resource: R;
  readonly key: KeyMap[R];
}

/**
 * Replace every entry of a guild child resource for one guild: entries of
 * that guild not in `values` are removed (stale children from before a
 * disconnect must go), the others are set. Backends should make this atomic.
 * A channel removed this way takes its messages, invites and voice states
 * with it (the channel cascade in this module's doc).
 */
export interface ReplaceForGuildMutation<R extends GuildChildResource = GuildChildResource> {
  readonly type: 'replaceForGuild';
  readonly resource: R;
  readonly guildId: Snowflake;
  readonly values: readonly EntityMap[R][];
}

/**
 * Remove every entry of `resource` indexed under `scope` = `id` (e.g. the
 * messages of a channel). Clearing a guild's channels also removes the
 * messages, invites and voice states of each (the channel cascade in this
 * module's doc).
 */
export interface ClearForMutation<R extends ScopedResource = ScopedResource> {
  readonly type: 'clearFor';
  readonly resource: R;
  readonly scope: ScopeMap[R];
  readonly id: Snowflake;
}

/**
 * The resources a channel cascade removes: entries whose `channel_id` names a
 * channel that a mutation removed go with it (see this module's doc).
 */
export const CHANNEL_CHILD_RESOURCES: readonly ('message' | 'invite' | 'voiceState')[] = ['message', 'invite', 'voiceState'];

/** One step of a write batch. */
export type Mutation =
  | { [R in ResourceName]: SetMutation<R> }[ResourceName]
  | { [R in ResourceName]: MergeMutation<R> }[ResourceName]
  | { [R in ResourceName]: DeleteMutation<R> }[ResourceName]
  | { [R in GuildChildResource]: ReplaceForGuildMutation<R> }[GuildChildResource]
  | { [R in ScopedResource]: ClearForMutation<R> }[ScopedResource]
  | ReactMutation
  | RemoveRoleMutation;

/** Options of {@link CacheWriter.apply}. */
export interface ApplyOptions {
  /**
   * Indexes into the batch of `set`, `merge`, `delete` and `react` mutations
   * whose entry the caller wants as it was just before that mutation (what
   * confirmed handlers get as the old value). Honoured only by backends with
   * {@link CacheWriter.reportsOld}.
   */
  readonly old?: readonly number[];
  /**
   * Order this batch after an earlier write (normally the previous `apply`'s
   * promise): the backend may validate and prepare the batch at once, but
   * changes no entry until `after` settles, and none at all if it rejects (it
   * then rejects with the same reason). Honoured only by backends with
   * {@link CacheWriter.honoursAfter}; others must be awaited in turn.
   */
  readonly after?: PromiseLike<unknown>;
}

/** What {@link CacheWriter.apply} reports when asked for old values. */
export interface ApplyResult {
  /**
   * One value per index of {@link ApplyOptions.old}, in that order: the entry
   * as its `get*` would have returned it right before that mutation (earlier
   * mutations of the batch applied), or `undefined` when it was absent.
   */
  readonly old: readonly unknown[];
}

/** A backend that can be fed by the gateway listener. */
export interface CacheWriter {
  /**
   * Apply `batch` in order. Resolves once every mutation is durable in the
   * store; rejects with `BackendError` when the store failed (some leading
   * mutations may then have been applied: a batch is atomic only where the
   * backend documents it), `ClosedClient` after `close()`, and `TypeError`
   * for a mutation with malformed ids (before any I/O).
   *
   * With `options.old`, a backend that {@link reportsOld} resolves with the
   * entries as they were before the listed mutations, read inside the same
   * write, so confirmed handlers cost no extra round trip. Other backends
   * ignore the option and resolve with nothing.
   *
   * Batches handed over while others are still being applied (without
   * `after`) may be applied in any order relative to them; a writer that
   * needs an order waits or passes `after`. The gateway listener does, for
   * each guild's batches and for batches writing the same user, and it
   * rewrites user writes into gateway order itself: a backend keeps no
   * stamps or versions for shared entities.
   */
  apply(batch: readonly Mutation[], options?: ApplyOptions): Promise<ApplyResult | void>;
  /** `true` when {@link apply} honours {@link ApplyOptions.old}. */
  readonly reportsOld?: boolean;
  /**
   * `true` when {@link apply} honours {@link ApplyOptions.after}: a writer may
   * then hand the next batch over while the previous one is being written,
   * and the backend prepares it (validation, encoding) meanwhile.
   */
  readonly honoursAfter?: boolean;
  /**
   * Optional: call `handler` when the backend finds that its store lost what
   * it had acknowledged (e.g. Redis restarted without persistence), so a
   * writer can resynchronise. Returns a function that unsubscribes.
   */
  onStoreReset?(handler: (reason: string) => void): () => void;
}

/** Helpers that build well-typed mutations. */
export const mutation = {
  /** A {@link SetMutation}. */
  set<R extends ResourceName>(resource: R, value: EntityMap[R], options: { ttlMs?: number; channelLimit?: number } = {}): Mutation {
    return { type: 'set', resource, value, ...options } as Mutation;
  },
  /** A {@link MergeMutation}. */
  merge<R extends ResourceName>(
    resource: R,
    key: KeyMap[R],
    patch: Partial<EntityMap[R]>,
    upsert = false,
    options: { ttlMs?: number; channelLimit?: number } = {},
  ): Mutation {
    return { type: 'merge', resource, key, patch, upsert, ...options } as Mutation;
  },
  /** A {@link ReactMutation}. */
  react(messageId: Snowflake, change: ReactionChange): Mutation {
    return { type: 'react', resource: 'message', key: { messageId }, change };
  },
  /** A {@link RemoveRoleMutation}. */
  removeRole(guildId: Snowflake, roleId: Snowflake): Mutation {
    return { type: 'removeRole', resource: 'member', guildId, roleId };
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
