/**
 * Windowed scans: each yields one window at a time so iteration holds bounded
 * memory however large the set or hash is.
 */
import type { Ctx } from './context.js';

/** Yield windows of `[field, value]` pairs of a hash (HSCAN). */
export async function* hscanWindows(ctx: Ctx, key: string): AsyncGenerator<Array<[Buffer, Buffer]>> {
  let cursor = '0';
  do {
    const [next, flat] = await ctx.conn.run('HSCAN', (c) => c.hscanBuffer(key, cursor, 'COUNT', 512), key);
    cursor = next.toString();
    const window: Array<[Buffer, Buffer]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) window.push([flat[i]!, flat[i + 1]!]);
    if (window.length > 0) yield window;
  } while (cursor !== '0');
}

/** Yield windows of members of a set (SSCAN). */
export async function* sscanWindows(ctx: Ctx, key: string): AsyncGenerator<string[]> {
  let cursor = '0';
  const seen = new Set<string>();
  do {
    const [next, members] = await ctx.conn.run('SSCAN', (c) => c.sscan(key, cursor, 'COUNT', 512), key);
    cursor = next;
    // SCAN may return an element twice: yield each once.
    const fresh = members.filter((m) => !seen.has(m));
    if (seen.size < 100_000) for (const m of fresh) seen.add(m);
    if (fresh.length > 0) yield fresh;
  } while (cursor !== '0');
}

/** Yield windows of members of an expiring index (ZSCAN) whose expiry score is after `now`. */
export async function* zscanLiveWindows(ctx: Ctx, key: string, now: number): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, flat] = await ctx.conn.run('ZSCAN', (c) => c.zscan(key, cursor, 'COUNT', 512), key);
    cursor = next;
    const window: string[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const score = flat[i + 1]!;
      if (score === 'inf' || Number(score) > now) window.push(flat[i]!);
    }
    if (window.length > 0) yield window;
  } while (cursor !== '0');
}
