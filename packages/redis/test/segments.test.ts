/**
 * How a batch is cut between the op stream and the plan (src/stream/segments.ts): mutations stay
 * in one segment while the stream's share and the plan's touch nothing whose order matters.
 */
import { checkMutation, mutation, type Mutation } from '@sake/abc';
import { describe, expect, it } from 'vitest';
import { segments } from '../src/stream/segments.js';
import { member, sf, user } from './helpers.js';

const guild = sf();
const channel = sf();
const message = (id: string): Record<string, unknown> => ({
  id,
  channel_id: channel,
  guild_id: guild,
  author: user(),
  content: 'x',
  timestamp: '2024-01-01T00:00:00.000Z',
});

/** The segments of `batch` as [stream count, plan count] pairs. */
function shape(batch: Mutation[]): Array<[number, number]> {
  return segments(batch.map((m, i) => checkMutation(m, i))).map((s) => [s.stream.length, s.plan.length]);
}

describe('segments', () => {
  it('keeps a batch the stream covers whole in one segment', () => {
    const u = sf();
    expect(
      shape([mutation.set('message', message(sf()) as never), mutation.merge('member', { guildId: guild, userId: u }, member(guild, user(u)) as never, true)]),
    ).toEqual([[2, 0]]);
  });

  it('puts plan mutations that touch nothing the stream writes beside it', () => {
    const role = { id: sf(), guild_id: guild, name: 'r', color: 0, hoist: false, position: 1, permissions: '0', managed: false, mentionable: false, flags: 0 };
    expect(
      shape([mutation.set('message', message(sf()) as never), mutation.set('role', role as never), mutation.set('message', message(sf()) as never)]),
    ).toEqual([[2, 1]]);
  });

  it('starts a segment where a plan mutation touches what the stream wrote before it, and back', () => {
    const id = sf();
    const react = mutation.react(id, { op: 'add', emoji: { id: null, name: 'x' }, me: false, burst: false });
    expect(shape([mutation.set('message', message(id) as never), react, mutation.set('message', message(id) as never)])).toEqual([
      [1, 0],
      [0, 1],
      [1, 0],
    ]);
  });

  it('a react on another message stays in the segment', () => {
    const react = mutation.react(sf(), { op: 'add', emoji: { id: null, name: 'x' }, me: false, burst: false });
    expect(shape([mutation.set('message', message(sf()) as never), react])).toEqual([[1, 1]]);
  });

  it('a role removal cuts a guild’s member writes; a clear cuts everything', () => {
    const u = sf();
    const merge = mutation.merge('member', { guildId: guild, userId: u }, member(guild, user(u)), true);
    expect(shape([merge, mutation.removeRole(guild, sf()), merge])).toEqual([
      [1, 0],
      [0, 1],
      [1, 0],
    ]);
    expect(shape([mutation.set('message', message(sf()) as never), mutation.clearFor('invite', 'guild', sf())])).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('a message delete (channel and author unknown) meets any user or channel write of the plan', () => {
    const u = sf();
    expect(shape([mutation.delete('message', { messageId: sf() }), mutation.set('user', user(u) as never, { ttlMs: 1000 })])).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });
});
