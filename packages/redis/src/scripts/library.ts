/**
 * The scripts as one Redis function library (Redis ≥ 7: `FUNCTION LOAD`, `FCALL`).
 *
 * Why: `EVALSHA` runs a script's whole text on every call. `sakeBatch` with its includes is ~120 KB
 * defining ~170 functions, and creating them costs ~30–40 µs of redis-server per call (Lua 5.1
 * walks its list of open upvalues for each closure): most of a one-event batch's cost. A function
 * library runs its top level once per server instead.
 *
 * Each script becomes one function, `<library>_<file>` (the library's name carries a hash of its
 * text, so two versions of sake side by side never share a name). A script's includes become a
 * builder run on the function's first call (while a library loads, its top level may not touch
 * `string`, `table` or any other global, and the includes alias those at their top level); the
 * builder returns the script's body as a function of `KEYS` and `ARGV`, run on every call. What the
 * includes keep at their top level therefore lives as long as the library: only caches of values
 * the library's text fixes (field numbers, built helpers) and bounded memos may live there.
 */
import { createHash } from 'node:crypto';
import { assembleLua, isIncludeLine, LuaLoadError, scriptText } from './loader.js';

/** The scripts as one library: its name, its text for `FUNCTION LOAD`, and each script's function. */
export interface FunctionLibrary {
  /** The library's name: `sake_` and a hash of its text. */
  readonly name: string;
  /** The text `FUNCTION LOAD` takes (its first line names the library). */
  readonly code: string;
  /** The function that runs script `file`. */
  functionOf(file: string): string;
}

/**
 * A script's text (`text`, by default that of `<file>.lua`) in two parts: its includes, resolved
 * (the leading header comment and include lines), and the code after them. An include below code is
 * refused: hoisting the includes into the builder would reorder them.
 */
export function splitScript(file: string, text = scriptText(file)): { prelude: string; body: string } {
  const lines = text.split('\n');
  let inHeader = false;
  let last = -1;
  let at = 0;
  for (; at < lines.length; at++) {
    const line = lines[at]!;
    if (inHeader) {
      if (line.includes(']]')) inHeader = false;
    } else if (line.startsWith('--[[')) inHeader = !line.includes(']]', 4);
    else if (isIncludeLine(line)) last = at;
    else if (line.trim() !== '' && !line.startsWith('--')) break;
  }
  for (let k = at; k < lines.length; k++)
    if (isIncludeLine(lines[k]!)) throw new LuaLoadError(`${file}.lua includes below its code (line ${k + 1}): a library can't hoist that include`, [file]);
  return { prelude: assembleLua(lines.slice(0, last + 1).join('\n'), file), body: lines.slice(last + 1).join('\n') };
}

/** The library code of one script: a function whose first call builds the includes, then runs the body. */
function scriptFunction(fn: string, file: string): string {
  const { prelude, body } = splitScript(file);
  return [
    `-- ${file}.lua`,
    'do',
    'local run',
    'local function build()',
    prelude,
    'return function(KEYS, ARGV)',
    body,
    'end',
    'end',
    `redis.register_function('${fn}', function(KEYS, ARGV)`,
    '  if not run then run = build() end',
    '  return run(KEYS, ARGV)',
    'end)',
    'end',
  ].join('\n');
}

/** The library of `files` (scripts of this directory, without `.lua`). */
export function functionLibrary(files: readonly string[]): FunctionLibrary {
  const unique = [...new Set(files)].sort();
  const NAME = '\u0000name\u0000';
  const fnOf = (file: string, name: string): string => `${name}_${file.replace(/-/g, '_')}`;
  const template = unique.map((file) => scriptFunction(fnOf(file, NAME), file)).join('\n');
  const name = `sake_${createHash('sha1').update(template).digest('hex').slice(0, 16)}`;
  const code = `#!lua name=${name}\n${template.split(NAME).join(name)}\n`;
  return {
    name,
    code,
    functionOf(file: string): string {
      if (!unique.includes(file)) throw new LuaLoadError(`${file}.lua is not in the function library`, []);
      return fnOf(file, name);
    },
  };
}
