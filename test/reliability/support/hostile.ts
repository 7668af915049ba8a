/**
 * Hostile gateway payloads for the fuzz tests: valid dispatches from the
 * simulator with one field replaced by something hostile (a wrong type, a
 * missing or non-snowflake id, a huge string, deep nesting, prototype keys),
 * wholly random `d`s, and unknown event names.
 */
import fc from 'fast-check';
import type { GatewayDispatchPayload } from './feed.js';

/** Ids that must never reach a key name. */
export const BAD_IDS: readonly unknown[] = [
  '',
  'abc',
  '1*',
  '*',
  '?',
  '[1-9]',
  '{g:1}',
  '1\r\nFLUSHALL',
  '1\n',
  ' 1',
  '-1',
  '1e3',
  '01',
  '0x10',
  '18446744073709551616',
  '99999999999999999999999',
  12345,
  1.5,
  -1,
  Number.NaN,
  null,
  true,
  [],
  {},
  { toString: '1' },
];

/** A string of `n` characters (UTF-16 code units), with a multi-byte character in it. */
export function hugeString(n: number): string {
  return `${'x'.repeat(Math.max(0, n - 3))}🍣é`;
}

/** An object nested `depth` levels deep. */
export function deepNesting(depth: number): unknown {
  let value: unknown = { leaf: true };
  for (let i = 0; i < depth; i++) value = { nested: value, i };
  return value;
}

/** An object whose own keys are the prototype-pollution keys (as JSON.parse makes them). */
export function pollutionObject(): unknown {
  return JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "prototype": 1}') as unknown;
}

/** Hostile values a field may be replaced with. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...BAD_IDS),
  fc.constant(undefined),
  fc.constant('__delete__'),
  fc.constant(hugeString(100_000)),
  fc.constant(deepNesting(300)),
  fc.constant(pollutionObject()),
  fc.anything({ maxDepth: 3, withNullPrototype: false }),
);

/** Every path (list of keys) of a JSON value, up to `maxDepth`. */
export function paths(value: unknown, maxDepth = 4, prefix: (string | number)[] = []): (string | number)[][] {
  if (prefix.length >= maxDepth || typeof value !== 'object' || value === null) return [];
  const out: (string | number)[][] = [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.slice(0, 3).map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    out.push([...prefix, k]);
    out.push(...paths(v, maxDepth, [...prefix, k]));
  }
  return out;
}

/** A copy of `payload` with the value at `path` replaced (or deleted when `replacement` is `'__delete__'`). */
export function mutate(payload: GatewayDispatchPayload, path: readonly (string | number)[], replacement: unknown): GatewayDispatchPayload {
  const copy = JSON.parse(JSON.stringify(payload)) as { d: unknown };
  if (path.length === 0) {
    copy.d = replacement;
    return copy as unknown as GatewayDispatchPayload;
  }
  let target = copy.d as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (replacement === '__delete__') delete target[last];
  else Object.defineProperty(target, last, { value: replacement, enumerable: true, writable: true, configurable: true });
  return copy as unknown as GatewayDispatchPayload;
}

/** Event names the listener translates, plus ones it has never heard of. */
export const EVENT_NAMES = [
  'READY',
  'GUILD_CREATE',
  'GUILD_UPDATE',
  'GUILD_DELETE',
  'GUILD_ROLE_CREATE',
  'GUILD_ROLE_UPDATE',
  'GUILD_ROLE_DELETE',
  'GUILD_EMOJIS_UPDATE',
  'CHANNEL_CREATE',
  'CHANNEL_UPDATE',
  'CHANNEL_DELETE',
  'CHANNEL_PINS_UPDATE',
  'THREAD_CREATE',
  'THREAD_UPDATE',
  'THREAD_DELETE',
  'THREAD_LIST_SYNC',
  'GUILD_MEMBER_ADD',
  'GUILD_MEMBER_UPDATE',
  'GUILD_MEMBER_REMOVE',
  'GUILD_MEMBERS_CHUNK',
  'PRESENCE_UPDATE',
  'VOICE_STATE_UPDATE',
  'MESSAGE_CREATE',
  'MESSAGE_UPDATE',
  'MESSAGE_DELETE',
  'MESSAGE_DELETE_BULK',
  'MESSAGE_REACTION_ADD',
  'MESSAGE_REACTION_REMOVE',
  'MESSAGE_REACTION_REMOVE_ALL',
  'MESSAGE_REACTION_REMOVE_EMOJI',
  'INVITE_CREATE',
  'INVITE_DELETE',
  'USER_UPDATE',
  'SOMETHING_DISCORD_ADDS_NEXT_YEAR',
  '__proto__',
  'constructor',
  'toString',
  '',
];

/** A wholly random payload: a known or unknown name with any `d`. */
export const randomPayload: fc.Arbitrary<GatewayDispatchPayload> = fc
  .record({
    t: fc.oneof(fc.constantFrom(...EVENT_NAMES), fc.string({ maxLength: 20 })),
    d: fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.constant(pollutionObject()),
      fc.dictionary(fc.constantFrom('id', 'guild_id', 'user', 'channel_id', 'members', '__proto__', 'constructor'), fc.anything({ maxDepth: 2 })),
    ),
  })
  .map(({ t, d }) => ({ op: 0, s: 0, t, d }) as unknown as GatewayDispatchPayload);
