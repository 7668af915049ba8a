/** Reading guild records (`{g:<id>}:meta` field `g`, indexed by the `guilds` set). */
import type { GuildEntity } from '@sake/abc';
import { guildCodec } from '../codec/index.js';
import { fieldLocator, type Ctx } from '../context.js';
import { sscanWindows } from '../scan.js';

/** The cached guild, or null. */
export async function readGuild(ctx: Ctx, guildId: string): Promise<GuildEntity | null> {
  const key = ctx.keys.guildMeta(guildId);
  const bytes = await ctx.conn.run('HGET', (c) => c.hgetBuffer(key, 'g'), key);
  return bytes ? guildCodec.decode(bytes, fieldLocator(key, 'g'), guildId) : null;
}

/** Every cached guild, window by window. */
export async function* iterGuilds(ctx: Ctx): AsyncGenerator<GuildEntity> {
  for await (const ids of sscanWindows(ctx, ctx.keys.guilds)) {
    const guilds = await Promise.all(ids.map((id) => readGuild(ctx, id)));
    for (const g of guilds) if (g) yield g;
  }
}

/** Number of cached guilds. */
export function countGuilds(ctx: Ctx): Promise<number> {
  return ctx.conn.run('SCARD', (c) => c.scard(ctx.keys.guilds), ctx.keys.guilds);
}
