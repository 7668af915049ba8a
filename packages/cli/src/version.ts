/** The CLI's version, as its package.json says. */
import { readFileSync } from 'node:fs';

/** `@sake/cli`'s version (read from its package.json, so it can't drift). */
export const CLI_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
