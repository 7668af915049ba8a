/**
 * `--only KIND` and `--without KIND` of the stream tools (listener-only.ts, paced-only.ts): a stream
 * of one kind of event, or the default mix without one kind.
 */
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

/** The kind after `flag` in `args` (undefined without the flag); `tool` names the tool in the error for an unknown kind. */
function kindAfter(args: readonly string[], flag: string, tool: string): ScriptEventKind | undefined {
  const at = args.indexOf(flag);
  if (at < 0) return undefined;
  const kind = args[at + 1];
  if (kind === undefined || !(kind in DEFAULT_EVENT_WEIGHTS))
    throw new TypeError(`${tool}: ${flag} takes one of ${Object.keys(DEFAULT_EVENT_WEIGHTS).join(', ')}`);
  return kind as ScriptEventKind;
}

/**
 * The event weights `args` ask for: with `--only KIND`, a stream of that kind (with messageCreate
 * beside a kind that acts on messages); with `--without KIND`, the default mix without that kind
 * (`--without channelDelete`: no reading translator, so the listener's batches grow to its limit);
 * every kind's own weight without either. `tool` names the tool in errors.
 */
export function streamWeights(args: readonly string[], tool: string): Partial<Record<ScriptEventKind, number>> {
  const only = kindAfter(args, '--only', tool);
  const without = kindAfter(args, '--without', tool);
  if (only !== undefined && without !== undefined) throw new TypeError(`${tool}: --only and --without exclude each other`);
  if (without !== undefined) return { [without]: 0 };
  if (only === undefined) return {};
  return Object.fromEntries(Object.keys(DEFAULT_EVENT_WEIGHTS).map((k) => [k, k === only || (k === 'messageCreate' && ON_MESSAGES.has(only)) ? 1 : 0]));
}
