/** Argument parsers shared by the commands: ids, counts, resource names. */
import { InvalidArgumentError } from 'commander';
import { toInviteCode, toSnowflake, type Snowflake } from '@sake/abc';

/** A commander argument parser that accepts a snowflake (a Discord id) and explains what is wrong otherwise. */
export function snowflakeArg(name: string): (value: string) => Snowflake {
  return (value) => {
    try {
      return toSnowflake(value, name);
    } catch {
      throw new InvalidArgumentError(`${name} must be a Discord id (a decimal number below 2^64), got ${JSON.stringify(value)}`);
    }
  };
}

/** Like {@link snowflakeArg} for a variadic option: collects every value. */
export function snowflakeList(name: string): (value: string, previous: Snowflake[] | undefined) => Snowflake[] {
  const one = snowflakeArg(name);
  return (value, previous) => [...(previous ?? []), one(value)];
}

/** Validate an id given as a plain argument (not an option); `TypeError` → a message naming the argument. */
export function checkSnowflake(value: string, name: string): Snowflake {
  return snowflakeArg(name)(value);
}

/** Validate an invite code given as an argument. */
export function checkInviteCode(value: string, name = 'invite code'): string {
  try {
    return toInviteCode(value, name);
  } catch {
    throw new InvalidArgumentError(`${name} must be letters, digits, - or _ (at most 100), got ${JSON.stringify(value)}`);
  }
}

/** A commander parser for an integer in [min, max]. */
export function intArg(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}
