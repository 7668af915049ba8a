/**
 * Where a batch places channels, roles and emojis: every guild each was set under, in order. A
 * child moved to another guild (by this batch, or since the locator was last written) is removed
 * from the guilds it left after the guild ops.
 */
import { idBytes, idFromBytes } from '../codec/index.js';
import type { Command, Ctx } from '../context.js';
import type { GuildHashResource, Keys } from '../keys.js';
import { chunked } from './commands.js';

/** A child kind that has a locator (child id → guild). */
type Located = 'channel' | 'role' | 'emoji';

/** What {@link Placements.read} found: per kind, the ids and the guild their locator named before the batch. */
export type PlacementsBefore = Array<[resource: Located, ids: string[], before: Array<Buffer | null>]>;

/** The channels, roles and emojis a batch sets, with the guilds it set them under. */
export class Placements {
  /** Channel/role/emoji ids set in this batch, with every guild they were set under and when ({@link seq}), in order. */
  readonly #placed = new Map<Located, Map<string, Array<[guildId: string, seq: number]>>>();
  #seq = 0;

  /** How many placements the batch has made so far: a replace or clear notes it, to tell the moves before it. */
  get seq(): number {
    return this.#seq;
  }

  /** Note that `id` was set under `guildId` (other resources are ignored). */
  place(resource: GuildHashResource, id: string, guildId: string): void {
    if (resource !== 'channel' && resource !== 'role' && resource !== 'emoji') return;
    const byId = this.#placed.get(resource) ?? this.#placed.set(resource, new Map()).get(resource)!;
    const guilds = byId.get(id);
    if (guilds) guilds.push([guildId, this.#seq]);
    else byId.set(id, [[guildId, this.#seq]]);
    this.#seq++;
  }

  /** Whether the batch's last placement of `id` before placement `seq` was under a guild other than `guildId` (it had left it). */
  movedAway(resource: Located, id: string, guildId: string, seq: number): boolean {
    let last: string | undefined;
    for (const [g, s] of this.#placed.get(resource)?.get(id) ?? []) {
      if (s >= seq) break;
      last = g;
    }
    return last !== undefined && last !== guildId;
  }

  /** Read where every placed channel/role/emoji was before the batch. */
  read(ctx: Ctx): Promise<PlacementsBefore> {
    return Promise.all(
      [...this.#placed].map(async ([resource, byId]) => {
        const ids = [...byId.keys()];
        const parts = await Promise.all(chunked(ids).map((part) => ctx.conn.batched.hmgetBuffer(ctx.keys.locator(resource), ...part.map((id) => idBytes(id)))));
        const before = parts.flat();
        return [resource, ids, before] as [resource: Located, ids: string[], before: Array<Buffer | null>];
      }),
    );
  }

  /** Remove channels/roles/emojis from guilds they were moved out of. */
  unplace(keys: Keys, placements: PlacementsBefore, out: Command[]): void {
    for (const [resource, ids, before] of placements) {
      const byId = this.#placed.get(resource)!;
      ids.forEach((id, i) => {
        const guilds = byId.get(id)!.map(([guildId]) => guildId);
        const last = guilds[guilds.length - 1]!;
        const prior = before[i];
        const stale = new Set(guilds);
        if (prior && prior.length === 8) stale.add(idFromBytes(prior));
        stale.delete(last);
        for (const guildId of stale) out.push((ctx) => ctx.conn.batched.hdel(keys.guildChild(guildId, resource), idBytes(id)));
      });
    }
  }
}
