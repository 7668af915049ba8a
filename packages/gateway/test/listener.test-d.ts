// Type tests (checked by tsc through vitest's typecheck, never run): what a handler of GatewayListener.on gets.
import { describe, expectTypeOf, it } from 'vitest';
import { GatewayDispatchEvents, type GatewayGuildMemberUpdateDispatchData, type GatewayMessageCreateDispatchData } from 'discord-api-types/v10';
import type { MemberEntity, MessageEntity, Snowflakeish } from '@sake/abc';
import { GatewayListener, type ListenerWriteError, type MemberRequestResult } from '@sake/gateway';

declare const listener: GatewayListener;

describe('GatewayListener.on', () => {
  it('GUILD_MEMBER_UPDATE: the event data, the cached member before it, the shard', () => {
    listener.on('GUILD_MEMBER_UPDATE', (member, old, shardId) => {
      expectTypeOf(member).toEqualTypeOf<GatewayGuildMemberUpdateDispatchData>();
      expectTypeOf(member.user.id).toBeString();
      expectTypeOf(old).toEqualTypeOf<MemberEntity | undefined>();
      expectTypeOf(shardId).toBeNumber();
    });
  });

  it('an enum member names the same event as its string', () => {
    listener.on(GatewayDispatchEvents.GuildMemberUpdate, (member, old) => {
      expectTypeOf(member).toEqualTypeOf<GatewayGuildMemberUpdateDispatchData>();
      expectTypeOf(old).toEqualTypeOf<MemberEntity | undefined>();
    });
  });

  it('an event without an old value gets undefined for it', () => {
    listener.on('MESSAGE_CREATE', (message, old) => {
      expectTypeOf(message).toEqualTypeOf<GatewayMessageCreateDispatchData>();
      expectTypeOf(old).toEqualTypeOf<undefined>();
    });
    listener.on('MESSAGE_UPDATE', (_message, old) => expectTypeOf(old).toEqualTypeOf<MessageEntity | undefined>());
  });

  it("'error' handlers get a ListenerWriteError", () => {
    listener.on('error', (error) => expectTypeOf(error).toEqualTypeOf<ListenerWriteError>());
  });

  it('returns the listener, for chaining', () => {
    expectTypeOf(listener.on('READY', () => undefined, { confirm: true })).toEqualTypeOf<GatewayListener>();
  });

  it('refuses what is not a dispatch event, and a handler of another event', () => {
    // @ts-expect-error not a gateway dispatch event
    listener.on('GUILD_MEMBER_UPDATED', () => undefined);
    // @ts-expect-error a message handler for a member event: the data has no content
    listener.on('GUILD_MEMBER_UPDATE', (message: GatewayMessageCreateDispatchData) => message.content);
    // @ts-expect-error confirm is a boolean
    listener.on('READY', () => undefined, { confirm: 'yes' });
  });
});

describe('GatewayListener.requestMembers', () => {
  it('takes an id as a string or bigint, not a number (ids above 2^53 lose digits)', () => {
    expectTypeOf(listener.requestMembers).parameter(0).toEqualTypeOf<Snowflakeish>();
    expectTypeOf(listener.requestMembers('81384788765712384')).resolves.toEqualTypeOf<MemberRequestResult>();
    expectTypeOf(listener.requestMembers(81384788765712384n)).resolves.toEqualTypeOf<MemberRequestResult>();
    // @ts-expect-error a number id
    void listener.requestMembers(81384788765712384);
  });
});
