// checkMutation's contract rules (issue 18): where ttlMs/channelLimit mean something, merge
// patches that contradict their key, and fillKeyFields for upserts. The conformance suite checks
// the same rules through every backend; these pin the shared helper itself.
import { describe, expect, it } from 'vitest';
import { checkMutation, fillKeyFields, mutation } from '@sake/abc';
import type { Mutation } from '@sake/abc';

const role = { id: '10', guild_id: '1', name: 'r' } as never;
const user = { id: '20', username: 'u' } as never;

describe('checkMutation: ttlMs and channelLimit', () => {
  it('accepts ttlMs on messages, invites and users', () => {
    expect(checkMutation(mutation.set('user', user, { ttlMs: 5 }), 0)).toMatchObject({ type: 'set', ttlMs: 5 });
    expect(checkMutation(mutation.merge('user', { userId: '20' }, {}, true, { ttlMs: 5 }), 0)).toMatchObject({ type: 'merge', ttlMs: 5 });
  });

  it('rejects ttlMs on every other resource, and channelLimit on anything but messages', () => {
    expect(() => checkMutation(mutation.set('role', role, { ttlMs: 5 }), 3)).toThrow(
      /batch\[3\]: ttlMs is defined for messages, invites and users only, not role/,
    );
    expect(() => checkMutation(mutation.merge('role', { roleId: '10' }, {}, true, { ttlMs: 5 }), 0)).toThrow(TypeError);
    expect(() => checkMutation(mutation.set('me', user, { ttlMs: 5 }), 0)).toThrow(TypeError);
    expect(() => checkMutation(mutation.set('user', user, { channelLimit: 5 }), 0)).toThrow(/channelLimit is defined for messages only, not user/);
  });
});

describe('checkMutation: a merge patch may not contradict its key', () => {
  const key = { guildId: '1', userId: '2' };
  const cases: Array<[string, Mutation]> = [
    ['member guild_id', mutation.merge('member', key, { guild_id: '3' })],
    ['member user.id', mutation.merge('member', key, { user: { id: '3' } } as never, true)],
    ['presence user.id', mutation.merge('presence', key, { user: { id: '3' } })],
    ['voice state user_id', mutation.merge('voiceState', key, { user_id: '3' })],
    ['role id', mutation.merge('role', { roleId: '10' }, { id: '11' })],
    ['invite code', mutation.merge('invite', { code: 'abc' }, { code: 'abd' })],
  ];
  for (const [what, m] of cases) it(`rejects a contradicting ${what}`, () => expect(() => checkMutation(m, 0)).toThrow(/contradicts the key/));

  it('accepts key fields that agree with the key, and patches without them', () => {
    expect(() => checkMutation(mutation.merge('member', key, { guild_id: '1', user: { id: '2', username: 'x' }, nick: 'n' } as never), 0)).not.toThrow();
    expect(() => checkMutation(mutation.merge('voiceState', key, { self_mute: true }), 0)).not.toThrow();
  });

  it('types checked keys per resource', () => {
    const m = checkMutation(mutation.merge('member', key, { nick: 'n' }), 0);
    // Narrowing on resource gives the member key: userId is a string, no `!`.
    const userId: string | undefined = m.type === 'merge' && m.resource === 'member' ? m.key.userId : undefined;
    expect(userId).toBe('2');
  });
});

describe('fillKeyFields', () => {
  it('writes the key into the fields that carry it, keeping the rest of a patch user', () => {
    expect(fillKeyFields('member', { guildId: '1', userId: '2' }, { nick: 'n', user: { username: 'u' } })).toEqual({
      nick: 'n',
      guild_id: '1',
      user: { username: 'u', id: '2' },
    });
    expect(fillKeyFields('presence', { guildId: '1', userId: '2' }, { status: 'online' })).toEqual({ status: 'online', guild_id: '1', user: { id: '2' } });
    expect(fillKeyFields('voiceState', { guildId: '1', userId: '2' }, {})).toEqual({ guild_id: '1', user_id: '2' });
    expect(fillKeyFields('invite', { code: 'abc' }, { uses: 1 })).toEqual({ uses: 1, code: 'abc' });
    expect(fillKeyFields('role', { roleId: '10' }, { name: 'r' })).toEqual({ name: 'r', id: '10' });
    expect(fillKeyFields('me', {}, { username: 'me' })).toEqual({ username: 'me' });
  });
});
