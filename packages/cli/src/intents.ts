/** Parsing `--intents`: names of GatewayIntentBits, or a number. */
import { InvalidArgumentError } from 'commander';
import { GatewayIntentBits } from 'discord-api-types/v10';

/** What `sake run` asks for by default: every non-privileged intent a cache uses. */
export const DEFAULT_RUN_INTENTS =
  GatewayIntentBits.Guilds |
  GatewayIntentBits.GuildExpressions |
  GatewayIntentBits.GuildVoiceStates |
  GatewayIntentBits.GuildInvites |
  GatewayIntentBits.GuildMessages |
  GatewayIntentBits.GuildMessageReactions;

const BY_NAME = new Map<string, number>(
  Object.entries(GatewayIntentBits)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([name, bit]) => [name.toLowerCase(), bit]),
);

/** Every bit Discord defines (anything else in a numeric value is a typo). */
const ALL_BITS = [...BY_NAME.values()].reduce((a, b) => a | b, 0);

/**
 * Parse `--intents`: a comma-separated list of `GatewayIntentBits` names
 * (case-insensitive; `default` stands for {@link DEFAULT_RUN_INTENTS}), or a number.
 */
export function parseIntents(value: string): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    // BigInt: JavaScript's `&` truncates to 32 bits, which would let 2^32 through as 0.
    if (!Number.isSafeInteger(n) || (BigInt(n) & ~BigInt(ALL_BITS)) !== 0n)
      throw new InvalidArgumentError(`--intents ${text} has bits that are not gateway intents`);
    return n;
  }
  let bits = 0;
  for (const raw of text.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'default') {
      bits |= DEFAULT_RUN_INTENTS;
      continue;
    }
    const bit = BY_NAME.get(name);
    if (bit === undefined) {
      throw new InvalidArgumentError(
        `unknown intent ${JSON.stringify(raw.trim())}; use names of GatewayIntentBits (Guilds, GuildMembers, GuildPresences, …), "default", or a number`,
      );
    }
    bits |= bit;
  }
  if (bits === 0) throw new InvalidArgumentError('--intents names no intent');
  return bits;
}

/** Whether `intents` includes `bit`. */
export function hasIntent(intents: number, bit: GatewayIntentBits): boolean {
  return (intents & bit) === bit;
}
