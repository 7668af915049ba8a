/**
 * The scripts run as `FCALL`s of one function library (library.ts) on a single node with Redis ≥ 7:
 * the same {@link ScriptCommands} as the `EVALSHA` commands `defineScripts` registers, so callers
 * don't know which one runs. Chosen once per open (session.ts): the library is loaded then and after
 * every reconnect; a call the server answers "Function not found" (a restart without persistence
 * between a reconnect and its load, `FUNCTION FLUSH`) loads it again and is sent once more.
 */
import type { Redis } from 'ioredis';
import { SCRIPTS, type ScriptCommands, type ScriptName, type ScriptSpec } from './index.js';
import { functionLibrary, type FunctionLibrary } from './library.js';

type Arg = string | Buffer | number;

let library: FunctionLibrary | undefined;

/** The library of every script of {@link SCRIPTS} (built once per process). */
export function sakeLibrary(): FunctionLibrary {
  library ??= functionLibrary(Object.values(SCRIPTS).map((spec: ScriptSpec) => spec.file));
  return library;
}

/** Whether `err` is the server's answer to an `FCALL` of a function it does not have. */
function isMissingFunction(err: unknown): boolean {
  return err instanceof Error && /\bFunction not found\b/i.test(err.message);
}

/** Whether `err` says this server can't hold a library for us: no `FUNCTION` (Redis < 7) or an ACL refusing it. */
function cannotLoad(err: unknown): boolean {
  return err instanceof Error && /\bunknown command\b|\bNOPERM\b|\bunknown subcommand\b/i.test(err.message);
}

/**
 * Load `lib` on `client`'s server (nothing to do when it is there already). Resolves `true` once the
 * server has it, `false` when it can't have one (see {@link cannotLoad}); other failures reject.
 */
export async function loadLibrary(client: Redis, lib: FunctionLibrary = sakeLibrary()): Promise<boolean> {
  try {
    await client.call('FUNCTION', 'LOAD', lib.code);
    return true;
  } catch (err) {
    if (err instanceof Error && /\balready exists\b/i.test(err.message)) return true;
    if (cannotLoad(err)) return false;
    throw err;
  }
}

/**
 * The script commands as `FCALL`s of `lib`'s functions on `client`: for each command of
 * {@link SCRIPTS}, its method and its `…Buffer` method, with the same arguments as the defined
 * command (a fixed key count, or the count first).
 */
export function functionScripts(client: Redis, lib: FunctionLibrary = sakeLibrary()): ScriptCommands {
  let reloading: Promise<boolean> | undefined;
  const reload = (): Promise<boolean> => {
    reloading ??= loadLibrary(client, lib).finally(() => {
      reloading = undefined;
    });
    return reloading;
  };
  const commands: Record<string, (...args: Array<Arg | readonly Arg[]>) => Promise<unknown>> = {};
  for (const [name, spec] of Object.entries(SCRIPTS) as Array<[ScriptName, ScriptSpec]>) {
    const fn = lib.functionOf(spec.file);
    for (const [method, buffers] of [
      [name, false],
      [`${name}Buffer`, true],
    ] as const) {
      // ioredis flattens array arguments, as it does for a defined command's.
      const call = (args: Array<Arg | readonly Arg[]>): Promise<unknown> => {
        const all = (spec.keys === undefined ? [fn, ...args] : [fn, spec.keys, ...args]) as Arg[];
        return buffers ? client.callBuffer('FCALL', ...all) : client.call('FCALL', ...all);
      };
      commands[method] = (...args) => call(args).catch((err: unknown) => (isMissingFunction(err) ? reload().then(() => call(args)) : Promise.reject(err)));
    }
  }
  return commands as unknown as ScriptCommands;
}
