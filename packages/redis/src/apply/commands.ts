/** How long argument lists are cut for a plan's commands. */
/** Split a long argument list: spreading hundreds of thousands of arguments overflows the stack. */
export function chunked<T>(list: readonly T[], size = 4096): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
