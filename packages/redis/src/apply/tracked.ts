/**
 * The entries the simulation follows (apply/simulate.ts): their values as the batch has them at
 * each point, found by resource and key ids.
 */
import type { ResourceName } from '@sake/abc';
import type { RoleHolder } from './role-scan.js';
import { isPairKeyed, soleId, type AnyKey, type Checked, type Entity } from './validate.js';

/** An entry the simulation follows: its resource, key and value (null = absent). */
export interface Tracked {
  resource: ResourceName;
  key: AnyKey;
  value: Entity | null;
  /**
   * Messages/invites that a merge rewrites: when the stored entry expires (epoch ms; null = never;
   * undefined = not known), so the rewrite keeps that expiry instead of dropping it.
   */
  expireAt?: number | null;
  /** A merged or reacted message/invite: its expiry is pre-read along with its value. */
  wantsExpiry?: boolean;
}

/** Whether two keys of `resource` name the same entry (what equal {@link keyString}s say). */
export function sameKey(resource: ResourceName, a: AnyKey, b: AnyKey): boolean {
  if (isPairKeyed(resource)) return (a.guildId ?? '') === (b.guildId ?? '') && (a.userId ?? '') === (b.userId ?? '');
  return soleId(resource, a) === soleId(resource, b);
}

/**
 * The entries the simulation follows, by resource and key ids: nested maps of the ids themselves
 * (no key string built per lookup), plus each resource's entries and all entries in the order they
 * were first followed. Entries are never removed (an absent one has value null).
 */
export class TrackedEntries {
  readonly #byId = new Map<ResourceName, Map<string, Tracked>>();
  readonly #byPair = new Map<ResourceName, Map<string, Map<string, Tracked>>>();
  readonly #ofResource = new Map<ResourceName, Tracked[]>();
  readonly #all: Tracked[] = [];

  get size(): number {
    return this.#all.length;
  }

  get(resource: ResourceName, key: AnyKey): Tracked | undefined {
    if (isPairKeyed(resource))
      return this.#byPair
        .get(resource)
        ?.get(key.guildId ?? '')
        ?.get(key.userId ?? '');
    return this.#byId.get(resource)?.get(soleId(resource, key));
  }

  /** The followed user entry of `userId`. */
  user(userId: string): Tracked | undefined {
    return this.#byId.get('user')?.get(userId);
  }

  /** Follow `t` (its resource and key not followed yet). */
  add(t: Tracked): void {
    if (isPairKeyed(t.resource)) {
      let guilds = this.#byPair.get(t.resource);
      if (!guilds) this.#byPair.set(t.resource, (guilds = new Map<string, Map<string, Tracked>>()));
      const guildId = t.key.guildId ?? '';
      let users = guilds.get(guildId);
      if (!users) guilds.set(guildId, (users = new Map<string, Tracked>()));
      users.set(t.key.userId ?? '', t);
    } else {
      let ids = this.#byId.get(t.resource);
      if (!ids) this.#byId.set(t.resource, (ids = new Map<string, Tracked>()));
      ids.set(soleId(t.resource, t.key), t);
    }
    const list = this.#ofResource.get(t.resource);
    if (list) list.push(t);
    else this.#ofResource.set(t.resource, [t]);
    this.#all.push(t);
  }

  /** Every followed entry, in the order first followed. */
  all(): readonly Tracked[] {
    return this.#all;
  }

  /** The followed entries of `resource`, in the order first followed. */
  of(resource: ResourceName): readonly Tracked[] {
    return this.#ofResource.get(resource) ?? [];
  }

  /** The followed entries of a pair-keyed resource in one guild, in the order first followed. */
  inGuild(resource: ResourceName, guildId: string): Iterable<Tracked> {
    return this.#byPair.get(resource)?.get(guildId)?.values() ?? [];
  }
}

/** Whether a clearFor works inside the guild's slot (no pre-read needed). */
export function isGuildLocalClear(m: Extract<Checked, { type: 'clearFor' }>): boolean {
  return m.scope === 'guild' && m.resource !== 'message' && m.resource !== 'invite';
}

/** The guild of a followed entry: its key's, else its value's. */
export function guildOf(t: Tracked): string | undefined {
  return t.key.guildId ?? (t.value?.guild_id as string | undefined);
}

/**
 * An entry as its `get*` would return it at this point of the simulation (undefined: absent):
 * a member is joined with its user entry as the batch has it (a user carrying only its id when
 * that entry is gone, as `getMember` answers).
 */
export function oldValue(tracked: TrackedEntries, resource: ResourceName, key: AnyKey): Entity | undefined {
  const value = tracked.get(resource, key)?.value ?? null;
  if (value === null) return undefined;
  if (resource !== 'member') return value;
  const user = tracked.user(key.userId!)?.value ?? null;
  return { ...value, user: user ?? { id: key.userId! } };
}

/** Follow the role holders a removeRole pre-read found (entries already followed keep their own read). */
export function trackHolders(tracked: TrackedEntries, guildId: string, holders: readonly RoleHolder[]): void {
  for (const h of holders) {
    const key = { guildId, userId: h.userId };
    if (!tracked.get('member', key)) tracked.add({ resource: 'member', key, value: h.member });
    if (!tracked.user(h.userId)) tracked.add({ resource: 'user', key: { userId: h.userId }, value: h.user });
  }
}
