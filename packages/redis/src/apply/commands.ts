/** The commands a plan's waves are made of, and how long argument lists are cut for them. */
import type { Ctx } from '../context.js';

/** One Redis command of a wave, issued when the wave starts. */
export type Command = (ctx: Ctx) => Promise<unknown>;

/** Split a long argument list: spreading hundreds of thousands of arguments overflows the stack. */
export function chunked<T>(list: readonly T[], size = 4096): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
