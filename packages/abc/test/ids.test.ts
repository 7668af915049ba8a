import { describe, expect, it } from 'vitest';
import { LazyCacheIterator, compareSnowflakes, isSnowflake, keyOf, smallestSnowflakes, toInviteCode, toSnowflake } from '@sake/abc';
import fc from 'fast-check';

describe('toSnowflake', () => {
  it('accepts decimal strings and bigints in the u64 range', () => {
    expect(toSnowflake('0')).toBe('0');
    expect(toSnowflake('18446744073709551615')).toBe('18446744073709551615');
    expect(toSnowflake(175928847299117063n)).toBe('175928847299117063');
  });

  it.each([
    // eslint-disable-next-line no-loss-of-precision -- the point: a number id above 2^53 has already lost digits
    ['a number', 175928847299117063],
    ['a signed string', '-1'],
    ['leading zeros', '0012'],
    ['spaces', '1 2'],
    ['a glob', '12*'],
    ['CRLF', '1\r\n2'],
    ['too large', '18446744073709551616'],
    ['a negative bigint', -1n],
    ['a bigint over u64', 1n << 64n],
    ['null', null],
    ['an object', {}],
    ['empty', ''],
  ])('rejects %s with a TypeError naming the parameter', (_label, value) => {
    expect(() => toSnowflake(value, 'guildId')).toThrow(TypeError);
    expect(() => toSnowflake(value, 'guildId')).toThrow(/guildId/);
    expect(isSnowflake(value)).toBe(false);
  });

  it('orders snowflakes numerically', () => {
    expect(compareSnowflakes('9', '10')).toBeLessThan(0);
    expect(compareSnowflakes('20', '10')).toBeGreaterThan(0);
    expect(compareSnowflakes('10', '10')).toBe(0);
  });
});

describe('toInviteCode', () => {
  it('accepts codes and rejects glob or CRLF characters', () => {
    expect(toInviteCode('discord-API_1')).toBe('discord-API_1');
    for (const bad of ['a*', 'a\r\nb', '', 'x'.repeat(101), 'a b', 12]) expect(() => toInviteCode(bad)).toThrow(TypeError);
  });
});

describe('keyOf', () => {
  it('reads keys from entities and refuses entities without their ids', () => {
    expect(keyOf('member', { guild_id: '1', user: { id: '2' } } as never)).toEqual({ guildId: '1', userId: '2' });
    expect(keyOf('voiceState', { guild_id: '1', user_id: '2' } as never)).toEqual({ guildId: '1', userId: '2' });
    expect(() => keyOf('member', { user: { id: '2' } } as never)).toThrow(TypeError);
  });
});

describe('LazyCacheIterator', () => {
  it('does nothing until iterated, counts without consuming and surfaces errors while iterating', async () => {
    let started = 0;
    const it1 = new LazyCacheIterator<number>(
      () => {
        started += 1;
        return [1, 2, 3];
      },
      async () => 3,
    );
    expect(started).toBe(0);
    expect(await it1.len()).toBe(3);
    expect(started).toBe(0);
    expect(await it1.toArray()).toEqual([1, 2, 3]);
    expect(await it1.toArray()).toEqual([1, 2, 3]);
    const failing = new LazyCacheIterator<number>(
      () => {
        throw new Error('boom');
      },
      () => {
        throw new Error('count boom');
      },
    );
    await expect(failing.toArray()).rejects.toThrow('boom');
    await expect(failing.len()).rejects.toThrow('count boom');
  });
});

describe('smallestSnowflakes', () => {
  const snowflake = fc.bigInt({ min: 0n, max: 18446744073709551615n }).map((n) => n.toString());

  it('is the first `count` of the ids in snowflake order, for any count (selection and sort paths)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(snowflake, { maxLength: 40 }), fc.nat({ max: 45 }), (ids, count) => {
        const expected = [...ids].sort(compareSnowflakes).slice(0, count);
        expect(smallestSnowflakes(ids, count)).toEqual(expected);
        expect(smallestSnowflakes(new Set(ids), count)).toEqual(expected);
      }),
    );
  });

  it.each([-1, 1.5, Number.NaN, '2'])('rejects a count of %s with a TypeError', (count) => {
    expect(() => smallestSnowflakes(['1'], count as number)).toThrow(TypeError);
  });

  it('leaves its input alone', () => {
    const ids = ['30', '4', '1000', '20'];
    expect(smallestSnowflakes(ids, 2)).toEqual(['4', '20']);
    expect(ids).toEqual(['30', '4', '1000', '20']);
  });
});
