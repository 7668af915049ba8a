// The simulator's promises: a seed fixes the world and the stream, and the world stays consistent.
import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_WEIGHTS, EventScript, World, shardForGuild } from '@sake/simulator';

describe('World and EventScript', () => {
  it('are deterministic for a seed and differ across seeds', () => {
    const run = (seed: number) => {
      const world = new World({ seed, guilds: 3 });
      const events = new EventScript(world).take(300);
      return JSON.stringify([[...world.guilds.keys()].map((id) => world.guildCreate(id)), events]);
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
  });

  it('builds guilds whose snapshot is self-consistent', () => {
    const world = new World({ seed: 3, guilds: 4, membersPerGuild: [10, 40] });
    for (const id of world.guilds.keys()) {
      const g = world.guildCreate(id);
      const roleIds = new Set(g.roles.map((r) => r.id));
      const channelIds = new Set(g.channels.map((c) => c.id));
      expect(g.member_count).toBe(g.members.length);
      expect(g.members.length).toBeGreaterThanOrEqual(10);
      expect(g.members.some((m) => m.user.id === world.me.id)).toBe(true);
      for (const m of g.members) {
        expect(m.roles.length).toBeLessThanOrEqual(10);
        for (const r of m.roles) expect(roleIds.has(r)).toBe(true);
      }
      for (const p of g.presences) expect(g.members.some((m) => m.user.id === p.user.id)).toBe(true);
      for (const v of g.voice_states) expect(channelIds.has(v.channel_id!)).toBe(true);
      for (const t of g.threads) expect(channelIds.has(t.parent_id!)).toBe(true);
    }
  });

  it('emits snapshots: later steps never change an event already returned', () => {
    const world = new World({ seed: 11, guilds: 2 });
    const script = new EventScript(world);
    const first = script.take(200);
    const frozen = JSON.stringify(first);
    script.take(300);
    expect(JSON.stringify(first)).toBe(frozen);
  });

  it('computes shards like Discord', () => {
    expect(shardForGuild(String(41n << 22n), 4)).toBe(1);
    expect(shardForGuild('0', 1)).toBe(0);
  });
  it('says so, instead of redrawing forever, when the weighted kinds can no longer happen', () => {
    const world = new World({ seed: 5, guilds: 1, membersPerGuild: 20 });
    const script = new EventScript(world, Object.fromEntries(Object.keys(DEFAULT_EVENT_WEIGHTS).map((k) => [k, k === 'memberRemove' ? 1 : 0])));
    expect(() => script.take(100)).toThrow(/no step of memberRemove was possible/);
  });
});
