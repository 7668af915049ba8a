// Mutation check of the conformance suite: wrap a correct backend in a Proxy
// that breaks one behaviour, run the suite's own checks against it, and
// assert they fail (and pass against the unbroken backend). This is how we
// know the suite's tests can fail.
//
// The suite is registered through its `runner` option with a collecting
// runner (not vitest), so each check can be run directly as a function.
import { runConformance } from '@sake/conformance';
import type { TestBody, TestRunner } from '@sake/conformance';
import { MemoryCache } from '@sake/memory';
import { BackendError, ClosedClient, EntryNotFound, LazyCacheIterator, keyOf, mutation } from '@sake/abc';
import type { ApplyOptions, ApplyResult, CacheIterator, GuildChannelEntity, MemberEntity, MessageEntity, Mutation } from '@sake/abc';
import { describe, expect, it } from 'vitest';

type Hook = () => void | Promise<void>;
interface Collected {
  body: TestBody;
  before: Hook[];
  after: Hook[];
}

/** A runner that records tests (with the hooks of their enclosing groups) instead of running them. */
function collect(register: (runner: TestRunner) => void): Map<string, Collected> {
  const tests = new Map<string, Collected>();
  const frames: { name: string; before: Hook[]; after: Hook[] }[] = [];
  const runner: TestRunner = {
    describe(name, body) {
      frames.push({ name, before: [], after: [] });
      body();
      frames.pop();
    },
    it(name, body) {
      // Skip the outermost name (the backend's name): keys read "family > test".
      const path = [...frames.slice(1).map((f) => f.name), name].join(' > ');
      tests.set(path, { body, before: frames.flatMap((f) => f.before), after: frames.flatMap((f) => f.after).reverse() });
    },
    beforeEach(hook) {
      frames.at(-1)?.before.push(hook);
    },
    afterEach(hook) {
      frames.at(-1)?.after.push(hook);
    },
  };
  register(runner);
  return tests;
}

async function run(test: Collected): Promise<void> {
  for (const hook of test.before) await hook();
  try {
    await test.body();
  } finally {
    for (const hook of test.after) await hook();
  }
}

type Overrides = Partial<Record<keyof MemoryCache, unknown>>;

/** A MemoryCache whose listed members are replaced (each override gets the real cache). */
function broken(make: (real: MemoryCache) => Overrides): () => MemoryCache {
  return () => {
    const real = new MemoryCache();
    const overrides = make(real) as Record<PropertyKey, unknown>;
    return new Proxy(real, {
      get(target, prop) {
        if (Object.prototype.hasOwnProperty.call(overrides, prop)) return overrides[prop];
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
}

const good = collect((runner) => runConformance('MemoryCache', () => new MemoryCache(), { runner, timeoutMs: 2_000, reportsOld: true, honoursAfter: true }));

const WRITER = 'writer (apply)';
const REACT = `${WRITER} > react > `;
const REMOVE_ROLE = `${WRITER} > removeRole > `;
const UPSERT = `${WRITER} > merge upsert options > `;
const OLD = `${WRITER} > old values > `;
const AFTER = `${WRITER} > ordered batches (after) > `;
const CASCADE = `${WRITER} > channel cascade > `;

/** Apply a batch one mutation at a time, replacing each mutation `swap` handles. */
function stepwise(real: MemoryCache, swap: (m: Mutation) => Promise<boolean>) {
  return async (batch: readonly Mutation[]): Promise<void> => {
    for (const m of batch) if (!(await swap(m))) await real.apply([m]);
  };
}

/** The children of channels a MemoryCache holds, as resource and value. */
async function channelChildren(real: MemoryCache): Promise<Array<{ resource: 'message' | 'invite' | 'voiceState'; value: object }>> {
  return [
    ...(await real.iterMessages().toArray()).map((value) => ({ resource: 'message' as const, value })),
    ...(await real.iterInvites().toArray()).map((value) => ({ resource: 'invite' as const, value })),
    ...(await real.iterVoiceStates().toArray()).map((value) => ({ resource: 'voiceState' as const, value })),
  ];
}

/** Overrides that undo the channel cascade: after each write, children it removed that no mutation of the batch names come back. */
function withoutChannelCascade(real: MemoryCache): Overrides {
  const id = (resource: string, key: unknown): string => `${resource} ${JSON.stringify(key)}`;
  const keeping = async <T>(batch: readonly Mutation[], write: () => Promise<T>): Promise<T> => {
    const before = await channelChildren(real);
    const result = await write();
    const named = new Set(
      batch.flatMap((m) => ('key' in m ? [id(m.resource, m.key)] : m.type === 'set' ? [id(m.resource, keyOf(m.resource, m.value as never))] : [])),
    );
    const after = new Set((await channelChildren(real)).map((c) => id(c.resource, keyOf(c.resource, c.value as never))));
    const back = before.filter(
      (c) => !after.has(id(c.resource, keyOf(c.resource, c.value as never))) && !named.has(id(c.resource, keyOf(c.resource, c.value as never))),
    );
    if (back.length > 0) await real.apply(back.map((c) => mutation.set(c.resource, c.value as never)));
    return result;
  };
  return {
    apply: (batch: readonly Mutation[], options?: ApplyOptions) => keeping(batch, () => real.apply(batch, options)),
    deleteGuildChannel: (channelId: string) => keeping([], () => real.deleteGuildChannel(channelId)),
    clearGuildChannelsForGuild: (guildId: string) => keeping([], () => real.clearGuildChannelsForGuild(guildId)),
    clearGuildChannels: () => keeping([], () => real.clearGuildChannels()),
  };
}

/** The channels a batch removes (deleted, left out of a replace, cleared), as the cache has them before it. */
async function removedChannels(real: MemoryCache, batch: readonly Mutation[]): Promise<string[]> {
  const out: string[] = [];
  for (const m of batch) {
    if (m.resource !== 'channel') continue;
    if (m.type === 'delete') out.push(m.key.channelId);
    if (m.type !== 'replaceForGuild' && m.type !== 'clearFor') continue;
    const listed = new Set(m.type === 'replaceForGuild' ? m.values.map((c) => c.id) : []);
    const guildId = m.type === 'replaceForGuild' ? m.guildId : m.id;
    for (const c of await real.iterGuildChannelsForGuild(guildId).toArray()) if (!listed.has(c.id)) out.push(c.id);
  }
  return out;
}

interface Mutant {
  what: string;
  factory: () => MemoryCache;
  /** Suite checks (family > test name) that must fail against the mutant. */
  caughtBy: string[];
}

const MUTANTS: Mutant[] = [
  {
    what: 'iterMembersForGuild ignores the guild',
    factory: broken((real) => ({ iterMembersForGuild: () => real.iterMembers() })),
    caughtBy: ["member (Members) > iterMembersForGuild yields exactly that parent's entries; for await, toArray() and len() agree"],
  },
  {
    what: 'len() of iterVoiceStatesForChannel counts one too many',
    factory: broken((real) => ({
      iterVoiceStatesForChannel: (id: string): CacheIterator<unknown> => {
        const inner = real.iterVoiceStatesForChannel(id);
        return new LazyCacheIterator(
          () => inner,
          async () => (await inner.len()) + 1,
        );
      },
    })),
    caughtBy: ["voiceState (VoiceStates) > iterVoiceStatesForChannel yields exactly that parent's entries; for await, toArray() and len() agree"],
  },
  {
    what: 'getGuild resolves undefined for an absent guild',
    factory: broken((real) => ({
      getGuild: async (id: string) => real.getGuild(id).catch((e: unknown) => (e instanceof EntryNotFound ? undefined : Promise.reject(e))),
    })),
    caughtBy: [
      'guild (Guilds) > getGuild rejects with EntryNotFound for an absent entry',
      'guild (Guilds) > deleteGuild removes the entry and only that entry',
    ],
  },
  {
    what: 'apply treats merge as set (no shallow merge)',
    factory: broken((real) => ({
      apply: (batch: readonly Mutation[]) =>
        real.apply(
          batch.map((m) =>
            m.type === 'merge' && m.resource === 'role' ? ({ ...m, patch: m.patch, upsert: true, type: 'set', value: m.patch } as unknown as Mutation) : m,
          ),
        ),
    })),
    caughtBy: ['role (Roles) > merge shallow-merges a patch into an existing role', 'role (Roles) > merge without upsert leaves an absent role absent'],
  },
  {
    what: 'apply ignores channelLimit',
    factory: broken((real) => ({
      apply: (batch: readonly Mutation[]) =>
        real.apply(batch.map((m) => (m.type === 'set' && m.resource === 'message' ? { ...m, channelLimit: undefined } : m))),
    })),
    caughtBy: [
      'message (Messages) > set with channelLimit keeps only the newest N messages of that channel',
      'message (Messages) > channelLimit evicts by id: a message older than the newest N is not kept',
    ],
  },
  {
    what: 'apply ignores ttlMs on invites',
    factory: broken((real) => ({
      apply: (batch: readonly Mutation[]) => real.apply(batch.map((m) => (m.type === 'set' && m.resource === 'invite' ? { ...m, ttlMs: undefined } : m))),
    })),
    caughtBy: ['invite (Invites) > set with a short ttlMs expires the invite'],
  },
  {
    what: 'getMember returns the member without joining the current user',
    factory: broken((real) => {
      const firstSeen = new Map<string, unknown>();
      return {
        apply: async (batch: readonly Mutation[]) => {
          for (const m of batch)
            if (m.type === 'set' && m.resource === 'member' && !firstSeen.has(m.value.user.id)) firstSeen.set(m.value.user.id, m.value.user);
          return real.apply(batch);
        },
        getMember: async (g: string, u: string) => ({ ...(await real.getMember(g, u)), user: firstSeen.get(u) }),
      };
    }),
    caughtBy: ['member (Members) > members are joined with the current user on every read path'],
  },
  {
    what: 'iterRoles throws ClosedClient at the call instead of while iterating',
    factory: broken((real) => ({
      iterRoles: () => {
        if (!real.isAlive) throw new ClosedClient();
        return real.iterRoles();
      },
    })),
    caughtBy: ['lifecycle > every method rejects with ClosedClient after close(), including apply'],
  },
  {
    what: 'getUser checks the connection before validating the id',
    factory: broken((real) => ({
      getUser: async (id: string) => {
        if (!real.isAlive) throw new ClosedClient();
        return real.getUser(id);
      },
    })),
    caughtBy: ['user (Users) > getUser rejects malformed ids with TypeError before any I/O'],
  },
  {
    what: 'replaceForGuild of members is applied as plain sets (stale members stay)',
    factory: broken((real) => ({
      apply: (batch: readonly Mutation[]) =>
        real.apply(
          batch.flatMap((m) =>
            m.type === 'replaceForGuild' && m.resource === 'member' ? m.values.map((value): Mutation => ({ type: 'set', resource: 'member', value })) : [m],
          ),
        ),
    })),
    caughtBy: ["member (Members) > replaceForGuild(member) replaces that guild's entries and leaves other guilds alone"],
  },
  {
    what: 'clearEmojisForGuild clears every guild',
    factory: broken((real) => ({ clearEmojisForGuild: async () => real.clearEmojis() })),
    caughtBy: ["emoji (Emojis) > clearEmojisForGuild removes that parent's entries and leaves other parents alone"],
  },
  {
    what: 'apply ignores react mutations',
    factory: broken((real) => ({
      apply: (batch: readonly Mutation[], options?: ApplyOptions) =>
        real.apply(
          batch.filter((m) => m.type !== 'react'),
          options?.old ? { old: [] } : undefined,
        ),
    })),
    caughtBy: [
      `${REACT}react add counts normal and burst reactions per emoji, with the me flags, in first-added order`,
      `${REACT}react remove decrements, clears the me flag it names, and drops a reaction whose count reaches 0`,
      `${REACT}react removeEmoji drops one emoji (custom ones by id) and removeAll drops every reaction`,
      `${REACT}react on an absent message leaves it absent (and still changes a cached one in the same batch)`,
      `${REACT}react keeps the message's expiry`,
    ],
  },
  {
    what: 'react counts super reactions as normal ones',
    factory: broken((real) => ({
      apply: (batch: readonly Mutation[]) =>
        real.apply(
          batch.map((m) => (m.type === 'react' && (m.change.op === 'add' || m.change.op === 'remove') ? { ...m, change: { ...m.change, burst: false } } : m)),
        ),
    })),
    caughtBy: [
      `${REACT}react add counts normal and burst reactions per emoji, with the me flags, in first-added order`,
      `${REACT}react remove decrements, clears the me flag it names, and drops a reaction whose count reaches 0`,
    ],
  },
  {
    what: "react ignores the bot's own reactions (me flags)",
    factory: broken((real) => ({
      apply: (batch: readonly Mutation[]) =>
        real.apply(
          batch.map((m) => (m.type === 'react' && (m.change.op === 'add' || m.change.op === 'remove') ? { ...m, change: { ...m.change, me: false } } : m)),
        ),
    })),
    caughtBy: [
      `${REACT}react add counts normal and burst reactions per emoji, with the me flags, in first-added order`,
      `${REACT}react remove decrements, clears the me flag it names, and drops a reaction whose count reaches 0`,
    ],
  },
  {
    what: 'apply ignores removeRole',
    factory: broken((real) => ({ apply: (batch: readonly Mutation[]) => real.apply(batch.filter((m) => m.type !== 'removeRole')) })),
    caughtBy: [
      `${REMOVE_ROLE}removeRole takes the role out of the guild's members that have it, and nothing else`,
      `${REMOVE_ROLE}members stripped of a role are still joined with their current user`,
      `${REMOVE_ROLE}removeRole applies in batch order`,
    ],
  },
  {
    what: 'removeRole strips the role from members of every guild',
    factory: broken((real) => ({
      apply: stepwise(real, async (m) => {
        if (m.type !== 'removeRole') return false;
        const holders = (await real.iterMembers().toArray()).filter((x) => x.roles.includes(m.roleId));
        await real.apply(holders.map((x) => mutation.set('member', { ...x, roles: x.roles.filter((r) => r !== m.roleId) })));
        return true;
      }),
    })),
    caughtBy: [`${REMOVE_ROLE}removeRole takes the role out of the guild's members that have it, and nothing else`],
  },
  {
    what: 'a merge that upserts ignores ttlMs and channelLimit',
    factory: broken((real) => ({
      apply: (batch: readonly Mutation[]) => real.apply(batch.map((m) => (m.type === 'merge' ? { ...m, ttlMs: undefined, channelLimit: undefined } : m))),
    })),
    caughtBy: [
      `${UPSERT}merge with upsert and channelLimit creates the message and evicts the oldest of its channel`,
      `${UPSERT}merge with upsert and ttlMs creates a message that expires`,
    ],
  },
  {
    what: 'a merge into an existing message is written as a set (its ttlMs and channelLimit apply, its expiry is lost)',
    factory: broken((real) => ({
      apply: stepwise(real, async (m) => {
        if (m.type !== 'merge' || m.resource !== 'message') return false;
        const current = await real.getMessage(m.key.messageId).catch(() => undefined);
        if (current === undefined) return false;
        await real.apply([mutation.set('message', { ...current, ...m.patch }, { ttlMs: m.ttlMs, channelLimit: m.channelLimit })]);
        return true;
      }),
    })),
    caughtBy: [
      `${UPSERT}channelLimit on a merge into an existing message evicts nothing (it applies only when the merge creates)`,
      `${UPSERT}a merge into an existing message keeps its expiry (its ttlMs is ignored)`,
    ],
  },
  {
    what: 'removing a channel leaves its messages, invites and voice states behind (no channel cascade)',
    factory: broken(withoutChannelCascade),
    caughtBy: [
      `${CASCADE}deleting a channel removes its messages, invites and voice states from every read and index, cached channel or not`,
      `${CASCADE}replaceForGuild of channels removes the children of the channels it leaves out`,
      `${CASCADE}clearFor of a guild's channels removes the children of each, and none of another guild`,
      `${CASCADE}deleteGuildChannel cascades as a delete mutation does`,
      `${CASCADE}the cascade happens at its place in the batch: children written into the channel after it stay`,
    ],
  },
  {
    what: 'the channel cascade runs after the whole batch (children written into the channel after its removal go too)',
    factory: broken((real) => ({
      apply: async (batch: readonly Mutation[], options?: ApplyOptions) => {
        const removed = await removedChannels(real, batch);
        const result = await real.apply(batch, options);
        await real.apply(
          removed.flatMap((c) => [
            mutation.clearFor('message', 'channel', c),
            mutation.clearFor('invite', 'channel', c),
            mutation.clearFor('voiceState', 'channel', c),
          ]),
        );
        return result;
      },
    })),
    caughtBy: [`${CASCADE}the cascade happens at its place in the batch: children written into the channel after it stay`],
  },
  {
    what: 'apply resolves without old values',
    factory: broken((real) => ({ apply: async (batch: readonly Mutation[]) => void (await real.apply(batch)) })),
    caughtBy: [
      `${OLD}set, merge and delete report the entry as it was just before them, in the order asked`,
      `${OLD}a merge after a set of the same key in one batch reports the set's value`,
      `${OLD}react reports the message as it was before each reaction change; an absent one as undefined`,
      `${OLD}a member's old value is joined with its user, as getMember returns it`,
    ],
  },
  {
    what: 'apply reports old values as they were before the whole batch',
    factory: broken((real) => ({
      apply: async (batch: readonly Mutation[], options?: ApplyOptions) => {
        const wanted = options?.old ?? [];
        if (wanted.length === 0) return real.apply(batch);
        // A merge with an empty patch changes nothing and reports the entry as it is now.
        const probes = wanted.map((i) => {
          const m = batch[i]!;
          const key = m.type === 'set' ? keyOf(m.resource, m.value as never) : (m as { key: object }).key;
          return { type: 'merge', resource: m.resource, key, patch: {}, upsert: false } as Mutation;
        });
        const before = await real.apply(probes, { old: probes.map((_, i) => i) });
        await real.apply(batch);
        return before;
      },
    })),
    caughtBy: [
      `${OLD}set, merge and delete report the entry as it was just before them, in the order asked`,
      `${OLD}a merge after a set of the same key in one batch reports the set's value`,
      `${OLD}react reports the message as it was before each reaction change; an absent one as undefined`,
    ],
  },
  {
    what: "a member's old value is reported without its user joined",
    factory: broken((real) => ({
      apply: async (batch: readonly Mutation[], options?: ApplyOptions) => {
        const result = await real.apply(batch, options);
        if (!result) return result;
        const old = result.old.map((v) =>
          v && typeof v === 'object' && 'user' in v && 'roles' in v ? { ...(v as MemberEntity), user: { id: (v as MemberEntity).user.id } } : v,
        );
        return { old } satisfies ApplyResult;
      },
    })),
    caughtBy: [`${OLD}a member's old value is joined with its user, as getMember returns it`],
  },
  {
    what: 'apply declares honoursAfter but writes at once',
    factory: broken((real) => ({
      apply: (batch: readonly Mutation[], options?: ApplyOptions) => real.apply(batch, options?.old ? { old: options.old } : undefined),
    })),
    caughtBy: [`${AFTER}a batch ordered after a pending write changes nothing until it settles, then applies`],
  },
  {
    what: 'apply writes even when the write it is ordered after fails',
    factory: broken((real) => ({
      apply: async (batch: readonly Mutation[], options?: ApplyOptions) => {
        await Promise.resolve(options?.after).catch(() => {});
        return real.apply(batch, options?.old ? { old: options.old } : undefined);
      },
    })),
    caughtBy: [`${AFTER}a batch ordered after a write that fails changes nothing and rejects with its reason`],
  },
  {
    what: 'apply waits for after before validating',
    factory: broken((real) => ({
      apply: async (batch: readonly Mutation[], options?: ApplyOptions) => {
        await options?.after;
        return real.apply(batch, options?.old ? { old: options.old } : undefined);
      },
    })),
    caughtBy: [`${AFTER}a malformed batch and a non-promise after reject with TypeError without waiting`],
  },
  // ----- issue 18 §3: what a backend written from the docs alone got wrong, and the contract's decisions -----
  {
    what: 'clearGuildChannels leaves the for-guild index behind (a channel set again under another guild is still listed under the old one)',
    factory: broken((real) => {
      const stale = new Map<string, Set<string>>();
      return {
        clearGuildChannels: async () => {
          for (const c of await real.iterGuildChannels().toArray()) (stale.get(c.guild_id) ?? stale.set(c.guild_id, new Set()).get(c.guild_id)!).add(c.id);
          await real.clearGuildChannels();
        },
        iterGuildChannelsForGuild: (guildId: string): CacheIterator<GuildChannelEntity> => {
          // What a stale index entry yields: the channel as it is now, wherever it went.
          const ghosts = async (): Promise<GuildChannelEntity[]> => {
            const found = await Promise.all([...(stale.get(guildId) ?? [])].map((id) => real.getGuildChannel(id).catch(() => undefined)));
            return found.filter((c): c is GuildChannelEntity => c !== undefined && c.guild_id !== guildId);
          };
          return new LazyCacheIterator(
            async function* () {
              yield* real.iterGuildChannelsForGuild(guildId);
              yield* await ghosts();
            },
            async () => (await real.iterGuildChannelsForGuild(guildId).len()) + (await ghosts()).length,
          );
        },
      };
    }),
    caughtBy: ['channel (GuildChannels) > after clearGuildChannels(), the same channel set under other parents is indexed under those only'],
  },
  {
    what: 'deleteMessage leaves the for-author index behind (the same index bug on another resource and scope)',
    factory: broken((real) => {
      const stale = new Map<string, Set<string>>();
      return {
        deleteMessage: async (messageId: string) => {
          const m = await real.getMessage(messageId).catch(() => undefined);
          if (m) (stale.get(m.author.id) ?? stale.set(m.author.id, new Set()).get(m.author.id)!).add(m.id);
          await real.deleteMessage(messageId);
        },
        iterMessagesForAuthor: (authorId: string): CacheIterator<MessageEntity> => {
          const ghosts = async (): Promise<MessageEntity[]> => {
            const found = await Promise.all([...(stale.get(authorId) ?? [])].map((id) => real.getMessage(id).catch(() => undefined)));
            return found.filter((m): m is MessageEntity => m !== undefined && m.author.id !== authorId);
          };
          return new LazyCacheIterator(
            async function* () {
              yield* real.iterMessagesForAuthor(authorId);
              yield* await ghosts();
            },
            async () => (await real.iterMessagesForAuthor(authorId).len()) + (await ghosts()).length,
          );
        },
      };
    }),
    caughtBy: ['message (Messages) > after deleteMessage(), the same message set under other parents is indexed under those only'],
  },
  {
    what: 'len() of iterMessages counts expired messages',
    factory: broken((real) => {
      const expiring = new Map<string, number>();
      return {
        apply: (batch: readonly Mutation[], options?: ApplyOptions) => {
          for (const m of batch) if (m.type === 'set' && m.resource === 'message' && m.ttlMs !== undefined) expiring.set(m.value.id, Date.now() + m.ttlMs);
          return real.apply(batch, options);
        },
        iterMessages: (): CacheIterator<MessageEntity> => {
          const inner = real.iterMessages();
          const expired = (): number => [...expiring.values()].filter((at) => at <= Date.now()).length;
          return new LazyCacheIterator(
            () => inner,
            async () => (await inner.len()) + expired(),
          );
        },
      };
    }),
    caughtBy: ['message (Messages) > len() does not count expired Messages, on iterMessages and on every parent index'],
  },
  {
    what: 'a user set with ttlMs expires even when a member refers to it (unless the user itself is set again)',
    factory: broken((real) => {
      const writes = new Map<string, number>();
      return {
        apply: async (batch: readonly Mutation[], options?: ApplyOptions) => {
          const result = await real.apply(batch, options);
          for (const m of batch) {
            if (m.type !== 'set' || (m.resource !== 'user' && m.resource !== 'member')) continue;
            const id = m.resource === 'user' ? m.value.id : m.value.user.id;
            const n = (writes.get(id) ?? 0) + 1;
            writes.set(id, n);
            // Expire it unless the user was written again since (a member set writes its user: the old test's order).
            if (m.resource === 'user' && m.ttlMs !== undefined) {
              setTimeout(() => void (writes.get(id) === n && real.deleteUser(id).catch(() => undefined)), m.ttlMs).unref();
            }
          }
          return result;
        },
      };
    }),
    caughtBy: ["member (Members) > a user set with ttlMs after its member (the listener's order) does not expire while the member refers to it"],
  },
  {
    what: "deleteGuild cascades to the guild's children",
    factory: broken((real) => ({
      deleteGuild: async (guildId: string) => {
        await Promise.all([
          real.clearGuildChannelsForGuild(guildId),
          real.clearEmojisForGuild(guildId),
          real.clearRolesForGuild(guildId),
          real.clearMembersForGuild(guildId),
          real.clearPresencesForGuild(guildId),
          real.clearVoiceStatesForGuild(guildId),
          real.clearMessagesForGuild(guildId),
          real.clearInvitesForGuild(guildId),
        ]);
        await real.deleteGuild(guildId);
      },
    })),
    caughtBy: [
      'guild (Guilds) > deleteGuild() removes the guild only: its GuildChannels, Emojis, Roles, Members, Presences, VoiceStates, Messages, Invites stay cached',
    ],
  },
  {
    what: 'ttlMs and channelLimit on roles are accepted (and ignored)',
    factory: broken((real) => ({
      apply: (batch: readonly Mutation[], options?: ApplyOptions) =>
        real.apply(
          batch.map((m) => ((m.type === 'set' || m.type === 'merge') && m.resource === 'role' ? { ...m, ttlMs: undefined, channelLimit: undefined } : m)),
          options,
        ),
    })),
    caughtBy: [
      'role (Roles) > ttlMs on role sets and merges is rejected with TypeError before any I/O (it means nothing there)',
      'role (Roles) > channelLimit on role sets and merges is rejected with TypeError before any I/O (it means nothing there)',
    ],
  },
  {
    what: 'a merge that upserts rejects a patch without its key fields (what RedisCache did)',
    factory: broken((real) => ({
      apply: (batch: readonly Mutation[], options?: ApplyOptions) => {
        for (const m of batch) if (m.type === 'merge' && m.upsert === true) keyOf(m.resource, m.patch as never);
        return real.apply(batch, options);
      },
    })),
    caughtBy: [
      'role (Roles) > merge with upsert fills in the key fields its role patch leaves out',
      'member (Members) > merge with upsert fills in the key fields its member patch leaves out',
    ],
  },
  {
    what: 'a member or voice state patch that contradicts its key is accepted, the key winning (what MemoryCache did)',
    factory: broken((real) => ({
      apply: (batch: readonly Mutation[], options?: ApplyOptions) =>
        real.apply(
          batch.map((m) => {
            if (m.type !== 'merge' || (m.resource !== 'member' && m.resource !== 'voiceState')) return m;
            const { guild_id: _g, user_id: _u, user, ...rest } = m.patch as Record<string, unknown> & { user?: Record<string, unknown> };
            return { ...m, patch: user === undefined ? rest : { ...rest, user: { ...user, id: m.key.userId } } };
          }),
          options,
        ),
    })),
    caughtBy: [
      'member (Members) > a merge of member whose patch contradicts its key is rejected with TypeError before any I/O',
      'voiceState (VoiceStates) > a merge of voiceState whose patch contradicts its key is rejected with TypeError before any I/O',
    ],
  },
  {
    what: "deleting a user's last member deletes the user",
    factory: broken((real) => ({
      deleteMember: async (guildId: string, userId: string) => {
        await real.deleteMember(guildId, userId);
        if ((await real.iterMembersForUser(userId).len()) === 0) await real.deleteUser(userId);
      },
    })),
    caughtBy: ['member (Members) > a user stays cached when its last member goes, whichever way the member goes'],
  },
];

describe('the conformance suite catches broken backends', () => {
  for (const mutant of MUTANTS) {
    it(mutant.what, async () => {
      const bad = collect((runner) => runConformance('MemoryCache', mutant.factory, { runner, timeoutMs: 2_000, reportsOld: true, honoursAfter: true }));
      for (const name of mutant.caughtBy) {
        const check = bad.get(name);
        const control = good.get(name);
        expect(check, `suite has a test named ${JSON.stringify(name)}`).toBeDefined();
        // The unbroken backend passes the check…
        await run(control as Collected);
        // …and the broken one fails it.
        await expect(run(check as Collected), `${name} must fail against: ${mutant.what}`).rejects.toThrow();
      }
    });
  }
});

/** Capability switches: a suite option that has the capability's tests checked, and the test of its group that declares it. */
const SWITCHES = [
  { flag: 'reportsOld', family: OLD, declaredTest: `${OLD}a merge after a set of the same key in one batch reports the set's value` },
  { flag: 'honoursAfter', family: AFTER, declaredTest: `${AFTER}a batch ordered after a pending write changes nothing until it settles, then applies` },
] as const;

for (const { flag, family, declaredTest } of SWITCHES) {
  describe(`the ${flag} switch`, () => {
    const name = `${family}not checked: options.${flag} is not set, so the backend must not declare ${flag} either`;
    // The other capability stays on, so only this switch is off.
    const others = { reportsOld: true, honoursAfter: true, [flag]: undefined };
    const suiteFor = (factory: () => MemoryCache) =>
      collect((runner) => runConformance('MemoryCache', factory, { runner, timeoutMs: 2_000, ...others })).get(name);

    it(`passes for a backend that does not declare ${flag}`, async () => {
      const check = suiteFor(broken(() => ({ [flag]: undefined })));
      expect(check).toBeDefined();
      await run(check as Collected);
    });

    it(`fails for a backend that declares ${flag} when the suite was not told`, async () => {
      await expect(run(suiteFor(() => new MemoryCache()) as Collected)).rejects.toThrow(new RegExp(`pass \\{ ${flag}: true \\}`));
    });

    it(`fails the ${flag} tests when the option is set but the backend doesn't declare it`, async () => {
      const check = collect((runner) =>
        runConformance(
          'MemoryCache',
          broken(() => ({ [flag]: false })),
          { runner, timeoutMs: 2_000, reportsOld: true, honoursAfter: true },
        ),
      ).get(declaredTest);
      await expect(run(check as Collected)).rejects.toThrow(new RegExp(`backend's ${flag} is false`));
    });
  });
}

describe('the unreachable-store check', () => {
  const name = 'lifecycle > an unreachable store rejects with BackendError within 300 ms instead of hanging';
  const suiteWith = (open: () => Promise<void>) =>
    collect((runner) => runConformance('MemoryCache', () => new MemoryCache(), { runner, timeoutMs: 300, unreachable: broken(() => ({ open })) })).get(name);

  it('passes for a backend whose open() rejects with BackendError', async () => {
    const check = suiteWith(() => Promise.reject(new BackendError('connect ECONNREFUSED 127.0.0.1:1')));
    expect(check).toBeDefined();
    await run(check as Collected);
  });

  it('fails for a backend whose open() hangs', async () => {
    const check = suiteWith(() => new Promise<void>(() => undefined));
    await expect(run(check as Collected)).rejects.toThrow(/did not settle within 300 ms/);
  });

  it('fails for a backend whose open() rejects with a plain Error', async () => {
    const check = suiteWith(() => Promise.reject(new Error('ECONNREFUSED')));
    await expect(run(check as Collected)).rejects.toThrow(/expected BackendError/);
  });
});

describe('a read that rejects where the suite expects a value', () => {
  const suiteFor = (factory: () => MemoryCache) => collect((runner) => runConformance('MemoryCache', factory, { runner, timeoutMs: 2_000 }));

  it('fails naming the step and what the read rejected with, not with a bare EntryNotFound', async () => {
    // A backend that loses its data when closed: the reopen test's read of what it wrote rejects.
    const forgetful = broken((real) => ({
      close: async () => {
        if (real.isAlive) await real.clearGuilds();
        await real.close();
      },
    }));
    const check = suiteFor(forgetful).get('lifecycle > a closed backend opens again, keeps its data and takes writes');
    expect(check).toBeDefined();
    const failure = await run(check as Collected).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).not.toBeInstanceOf(EntryNotFound);
    expect(String((failure as Error).message)).toMatch(
      /^getGuild\(\d+\) written before close\(\), read after reopening: expected it to resolve, it rejected with EntryNotFound/,
    );
    expect((failure as Error).cause).toBeInstanceOf(EntryNotFound);
  });
});
