// Type tests (checked by tsc through vitest's typecheck, never run): the shipped backends are whole sake Backends,
// and their own signatures keep the contract's types.
import { describe, expectTypeOf, it } from 'vitest';
import type { Backend, CacheIterator, MemberEntity } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { RedisCache } from '@sake/redis';
import { GatewayListener } from '@sake/gateway';

describe('MemoryCache and RedisCache', () => {
  it('are Backends, and a GatewayListener takes either', () => {
    expectTypeOf<MemoryCache>().toExtend<Backend>();
    expectTypeOf<RedisCache>().toExtend<Backend>();
    expectTypeOf(new GatewayListener(new MemoryCache())).toEqualTypeOf<GatewayListener>();
    expectTypeOf(new GatewayListener(new RedisCache('redis://127.0.0.1:6379'))).toEqualTypeOf<GatewayListener>();
  });

  it('iterate entities and refuse number ids', () => {
    const memory = new MemoryCache();
    const redis = new RedisCache('redis://127.0.0.1:6379');
    expectTypeOf(memory.iterMembersForGuild('1')).toEqualTypeOf<CacheIterator<MemberEntity>>();
    expectTypeOf(redis.iterMembersForGuild('1')).toEqualTypeOf<CacheIterator<MemberEntity>>();
    // @ts-expect-error a number id
    void memory.getMember(1, 2);
    // @ts-expect-error a number id
    void redis.iterMembersForUser(80351110224678912);
  });
});
