// Type tests (checked by tsc through vitest's typecheck, never run): the read API's ids and what iterators yield.
import { describe, expectTypeOf, it } from 'vitest';
import type {
  Backend,
  CacheIterator,
  GuildChannelEntity,
  GuildEntity,
  MemberEntity,
  MessageEntity,
  PresenceEntity,
  RoleEntity,
  Snowflake,
  UserEntity,
} from '@sake/abc';
import { toSnowflake } from '@sake/abc';

declare const cache: Backend;

describe('iterators yield the entity type', () => {
  it('for await, toArray and len', async () => {
    expectTypeOf(cache.iterMembersForGuild('1')).toEqualTypeOf<CacheIterator<MemberEntity>>();
    for await (const member of cache.iterMembersForGuild('1')) {
      expectTypeOf(member).toEqualTypeOf<MemberEntity>();
      expectTypeOf(member.user.id).toEqualTypeOf<Snowflake>();
    }
    expectTypeOf(cache.iterGuilds().toArray()).resolves.toEqualTypeOf<GuildEntity[]>();
    expectTypeOf(cache.iterMessagesForChannel('1').len()).resolves.toBeNumber();
  });

  it('every resource its own', () => {
    expectTypeOf(cache.iterGuildChannelsForGuild('1')).toEqualTypeOf<CacheIterator<GuildChannelEntity>>();
    expectTypeOf(cache.iterRolesForGuild('1')).toEqualTypeOf<CacheIterator<RoleEntity>>();
    expectTypeOf(cache.iterPresencesForGuild('1')).toEqualTypeOf<CacheIterator<PresenceEntity>>();
    expectTypeOf(cache.iterMessagesForAuthor('1')).toEqualTypeOf<CacheIterator<MessageEntity>>();
    expectTypeOf(cache.iterUsers()).toEqualTypeOf<CacheIterator<UserEntity>>();
  });
});

describe('ids', () => {
  it('a string or a bigint; reads resolve to the entity', () => {
    expectTypeOf(cache.getMember('81384788765712384', 80351110224678912n)).resolves.toEqualTypeOf<MemberEntity>();
    expectTypeOf(cache.getGuild(81384788765712384n)).resolves.toEqualTypeOf<GuildEntity>();
    expectTypeOf(toSnowflake).returns.toEqualTypeOf<Snowflake>();
  });

  it('a number does not compile (ids above 2^53 lose digits), nor does an object', () => {
    // @ts-expect-error a number id
    void cache.getGuild(81384788765712384);
    // @ts-expect-error a number as the second id
    void cache.getMember('81384788765712384', 80351110224678912);
    // @ts-expect-error an entity where its id is wanted
    void cache.iterMembersForGuild({ id: '81384788765712384' });
    // @ts-expect-error an id is required
    void cache.iterMessagesForChannel();
  });

  it('an iterator of one resource is not one of another', () => {
    // @ts-expect-error members are not guilds
    const guilds: CacheIterator<GuildEntity> = cache.iterMembersForGuild('1');
    void guilds;
  });
});
