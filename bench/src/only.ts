/** `--only KIND` of the stream tools (listener-only.ts, paced-only.ts): a stream of one kind of event. */
import { DEFAULT_EVENT_WEIGHTS, type ScriptEventKind } from '@sake/simulator';

/** Kinds that act on cached messages: alone they would find none, so `--only` keeps messageCreate beside them. */
const ON_MESSAGES = new Set<string>([
  'messageUpdate',
  'messageDelete',
  'messageDeleteBulk',
  'reactionAdd',
  'reactionRemove',
  'reactionRemoveAll',
  'reactionRemoveEmoji',
]);

/** The `--only` kind in `args` (undefined without one); `tool` names the tool in the error for an unknown kind. */
export function onlyKind(args: readonly string[], tool: string): ScriptEventKind | undefined {
  const at = args.indexOf('--only');
  if (at < 0) return undefined;
  const only = args[at + 1];
  if (only === undefined || !(only in DEFAULT_EVENT_WEIGHTS))
    throw new TypeError(`${tool}: --only takes one of ${Object.keys(DEFAULT_EVENT_WEIGHTS).join(', ')}`);
  return only as ScriptEventKind;
}

/** The event weights of a stream of `only` (with messageCreate beside a kind that acts on messages); every kind's own without it. */
export function onlyWeights(only: ScriptEventKind | undefined): Partial<Record<ScriptEventKind, number>> {
  if (only === undefined) return {};
  return Object.fromEntries(Object.keys(DEFAULT_EVENT_WEIGHTS).map((k) => [k, k === only || (k === 'messageCreate' && ON_MESSAGES.has(only)) ? 1 : 0]));
}
