/**
 * How a batch is cut between the op stream and the plan (src/stream/segments.ts): mutations stay
 * in one segment while the stream's share and the plan's touch nothing whose order matters.
 */
import { checkMutation, mutation, type Mutation } from '@sake/abc';
import { fixtures } from '@sake/conformance';
import { describe, expect, it } from 'vitest';
import { expandChannelDeletes } from '../src/apply/cascade.js';
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
  return segments(
    expandChannelDeletes(
      batch.map((m, i) => checkMutation(m, i)),
      undefined,
    ).checked,
  ).map((s) => [s.stream.length, s.plan.length]);
}

describe('segments', () => {
  it('keeps a batch the stream covers whole in one segment', () => {
    const u = sf();
    expect(
      shape([mutation.set('message', message(sf()) as never), mutation.merge('member', { guildId: guild, userId: u }, member(guild, user(u)) as never, true)]),
    ).toEqual([[2, 0]]);
  });

  it('puts plan mutations that touch nothing the stream writes beside it', () => {
    expect(
      shape([mutation.set('message', message(sf()) as never), mutation.set('me', user(sf()) as never), mutation.set('message', message(sf()) as never)]),
    ).toEqual([[2, 1]]);
  });

  it("an invite write of the stream meets the plan's merge of that invite, and a channel's invite clear meets any", () => {
    const invite = fixtures.invite(`i${sf()}`, channel, guild);
    const merge = mutation.merge('invite', { code: invite.code }, { uses: 2 } as never);
    expect(shape([merge, mutation.set('invite', fixtures.invite(`i${sf()}`, channel, guild))])).toEqual([[1, 1]]);
    expect(shape([merge, mutation.delete('invite', { code: invite.code })])).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(shape([merge, mutation.clearFor('invite', 'channel', sf())])).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('a guild, channel, role or emoji write of the stream meets the plan writing the same one', () => {
    const role = fixtures.role(sf(), guild);
    const setRole = mutation.set('role', role);
    // An upsert merge of a role goes through the plan (the script creates no child from a patch).
    const upsert = mutation.merge('role', { roleId: role.id }, { name: 'n' }, true);
    expect(shape([setRole, mutation.merge('role', { roleId: role.id }, { name: 'n' }), mutation.delete('role', { roleId: role.id })])).toEqual([[3, 0]]);
    expect(shape([upsert, mutation.set('role', fixtures.role(sf(), guild))])).toEqual([[1, 1]]);
    expect(shape([upsert, setRole])).toEqual([
      [0, 1],
      [1, 0],
    ]);
    // A replace of a guild's roles meets the plan's write of any role.
    expect(shape([upsert, mutation.replaceForGuild('role', guild, [fixtures.role(sf(), guild)])])).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('a plan mutation joins the segment whatever the stream share holds; a stream one that meets the plan share starts the next', () => {
    const u = sf();
    const userSet = mutation.set('user', user(u) as never, { ttlMs: 1000 });
    const deleteMessage = mutation.delete('message', { messageId: sf() });
    // The plan share runs after the stream share: a user set after the delete stays in its segment…
    expect(shape([deleteMessage, userSet])).toEqual([[1, 1]]);
    // …but a delete after it (which may drop a reference to that user) must run after it.
    expect(shape([userSet, deleteMessage])).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('a react is a stream op on its message alone', () => {
    const id = sf();
    const react = mutation.react(id, { op: 'add', emoji: { id: null, name: 'x' }, me: false, burst: false });
    expect(shape([mutation.set('message', message(id) as never), react, mutation.delete('message', { messageId: id })])).toEqual([[3, 0]]);
  });

  it("a role removal is the stream's, meeting only the plan's member writes that name its role", () => {
    const role = sf();
    const merge = (roles: unknown[], upsert = true): Mutation => {
      const u = sf();
      return mutation.merge('member', { guildId: guild, userId: u }, { ...member(guild, user(u)), roles } as never, upsert);
    };
    expect(shape([merge([sf()]), mutation.removeRole(guild, role), merge([role])])).toEqual([[3, 0]]);
    // A merge that is no upsert goes through the plan: the removal after it meets it when it names the role.
    expect(shape([merge([sf()], false), mutation.removeRole(guild, role)])).toEqual([[1, 1]]);
    expect(shape([merge([sf(), role], false), mutation.removeRole(guild, role)])).toEqual([
      [0, 1],
      [1, 0],
    ]);
    // Roles the script would not find in place (a hostile payload's sparse array) leave the removal
    // to the plan, and its holes cut nothing they should not.
    const sparse = [sf()];
    sparse.length = 3;
    expect(shape([mutation.removeRole(guild, role), merge(sparse)])).toEqual([[1, 1]]);
  });

  it('a channel delete clears its messages, invites and voice states in the stream', () => {
    const gone = sf();
    const other = sf();
    const voice = (channelId: string): Mutation => mutation.set('voiceState', fixtures.voiceState(guild, sf(), channelId));
    const deleteChannel = mutation.delete('channel', { channelId: gone });
    // The delete and its messages', invites' and voice states' clears, all in the stream.
    expect(shape([deleteChannel, mutation.set('message', { ...message(sf()), channel_id: other } as never), voice(other)])).toEqual([[6, 0]]);
    expect(shape([deleteChannel, mutation.set('message', { ...message(sf()), channel_id: gone } as never), voice(gone)])).toEqual([[6, 0]]);
    // A voice state the plan merges meets a later clear of any channel's (it may be in it): the
    // delete and its messages' and invites' clears commute with it, the voice states' clear starts
    // the next segment.
    const merge = mutation.merge('voiceState', { guildId: guild, userId: sf() }, { self_mute: true });
    expect(shape([merge, deleteChannel])).toEqual([
      [3, 1],
      [1, 0],
    ]);
  });

  it("a voice state's merge by the plan meets the stream's later write of that voice state", () => {
    const u = sf();
    const merge = mutation.merge('voiceState', { guildId: guild, userId: u }, { channel_id: channel }, true);
    expect(shape([merge, mutation.delete('voiceState', { guildId: guild, userId: u })])).toEqual([
      [0, 1],
      [1, 0],
    ]);
    // Another user's voice state in that guild commutes with it.
    expect(shape([merge, mutation.delete('voiceState', { guildId: guild, userId: sf() })])).toEqual([[1, 1]]);
  });

  it("a channel replace meets what its cascade may delete, not a guild's roles or emojis", () => {
    const replaceChannels = mutation.replaceForGuild('channel', guild, [fixtures.channel(sf(), guild)]);
    const replaceRoles = mutation.replaceForGuild('role', guild, [fixtures.role(sf(), guild)]);
    // A GUILD_CREATE's shape: one segment.
    expect(shape([replaceChannels, replaceRoles])).toEqual([[1, 1]]);
    expect(shape([replaceChannels, mutation.set('message', message(sf()) as never)])).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('an ingest batch (a member replace, or more than 64 member sets) goes through the plan whole', () => {
    const members = Array.from({ length: 65 }, () => mutation.set('member', member(guild, user(sf())) as never));
    const stream = [mutation.set('message', message(sf()) as never), mutation.set('role', fixtures.role(sf(), guild))];
    expect(shape([...stream, ...members])).toEqual([[0, 67]]);
    expect(shape([...stream, ...members.slice(0, 64)])).toEqual([[66, 0]]);
    expect(shape([...stream, mutation.replaceForGuild('member', guild, [member(guild, user(sf()))] as never)])).toEqual([[0, 3]]);
  });

  it("a busy stream's batch whose member sets are under half of it stays with the stream", () => {
    const members = Array.from({ length: 65 }, () => mutation.set('member', member(guild, user(sf())) as never));
    const messages = Array.from({ length: 66 }, () => mutation.set('message', message(sf()) as never));
    expect(shape([...messages, ...members])).toEqual([[131, 0]]);
    expect(shape([...messages.slice(1), ...members])).toEqual([[0, 130]]);
  });

  it('a clear meets everything after it', () => {
    expect(
      shape([mutation.set('message', message(sf()) as never), mutation.clearFor('invite', 'guild', sf()), mutation.set('message', message(sf()) as never)]),
    ).toEqual([
      [1, 1],
      [1, 0],
    ]);
  });
});
