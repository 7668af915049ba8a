/**
 * The scripts as a Redis function library (src/scripts/library.ts, functions.ts): how a script is
 * split into its includes and its body, which calls an open cache sends (`FCALL`, or `EVALSHA` with
 * `functions: false`), and a library the server lost being loaded again.
 */
import { mutation } from '@sake/abc';
import { fixtures } from '@sake/conformance';
import { RedisCache } from '@sake/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sakeLibrary } from '../src/scripts/functions.js';
import { splitScript } from '../src/scripts/library.js';
import { LuaLoadError } from '../src/scripts/loader.js';
import { commandsDuring, isScriptCall, redisUrl, sf, uniquePrefix } from './helpers.js';

describe('the function library', () => {
  it('hoists a script’s includes into its builder and keeps the code after them as its body', () => {
    const { prelude, body } = splitScript('probe', '--[[\n  a header\n  KEYS[1] x\n]]\n--- @include "snowflakes"\nlocal x = 1\nreturn x\n');
    expect(prelude).toContain('local function snowflake_bytes');
    expect(prelude).not.toContain('local x = 1');
    expect(body).toBe('local x = 1\nreturn x\n');
  });

  it('refuses an include below code (hoisting it would run it before that code)', () => {
    expect(() => splitScript('probe', '--- @include "snowflakes"\nlocal x = 1\n--- @include "groups"\nreturn x\n')).toThrow(LuaLoadError);
  });

  it('names the library and its functions by a hash of its text', () => {
    const lib = sakeLibrary();
    expect(lib.name).toMatch(/^sake_[0-9a-f]{16}$/);
    expect(lib.code.startsWith(`#!lua name=${lib.name}\n`)).toBe(true);
    expect(lib.functionOf('batch')).toBe(`${lib.name}_batch`);
    expect(lib.functionOf('user-ops')).toBe(`${lib.name}_user_ops`);
    expect(() => lib.functionOf('nope')).toThrow(LuaLoadError);
  });
});

describe('script calls of an open cache (single node)', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(redisUrl());
  });
  afterAll(() => {
    admin.disconnect();
  });

  /** The script calls (command names) an apply of one message set sends through `cache`. */
  async function scriptCalls(cache: RedisCache, prefix: string): Promise<string[]> {
    const guild = sf();
    const channel = sf();
    const seen = await commandsDuring(admin, prefix, () => cache.apply([mutation.set('message', fixtures.message(sf(), channel, fixtures.user(sf()), guild))]));
    return seen.filter(isScriptCall).map((args) => args[0]!.toLowerCase());
  }

  it('loads the library in open() and runs the scripts as FCALLs of it', async () => {
    const prefix = uniquePrefix('fn');
    const cache = new RedisCache(redisUrl(), { prefix, sweepIntervalMs: 0 });
    await cache.open();
    try {
      expect(await scriptCalls(cache, prefix)).toEqual(['fcall']);
      const listed = (await admin.call('FUNCTION', 'LIST', 'LIBRARYNAME', sakeLibrary().name)) as unknown[];
      expect(listed).toHaveLength(1);
    } finally {
      await cache.close();
    }
  });

  it('runs them as EVALSHAs with `functions: false`', async () => {
    const prefix = uniquePrefix('ev');
    const cache = new RedisCache(redisUrl(), { prefix, sweepIntervalMs: 0, functions: false });
    await cache.open();
    try {
      // EVAL the first time this server meets the script (ioredis sends it whole after a NOSCRIPT).
      const calls = await scriptCalls(cache, prefix);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatch(/^eval(sha)?$/);
    } finally {
      await cache.close();
    }
  });

  it('runs them as EVALSHAs when the server refuses FUNCTION (an ACL without it, as Redis < 7 has none)', async () => {
    const prefix = uniquePrefix('noacl');
    const name = `sake-nofn-${sf()}`;
    await admin.call('ACL', 'SETUSER', name, 'on', '>pw', '~*', '&*', '+@all', '-function');
    const url = new URL(redisUrl());
    url.username = name;
    url.password = 'pw';
    const cache = new RedisCache(url.toString(), { prefix, sweepIntervalMs: 0 });
    try {
      await cache.open();
      const calls = await scriptCalls(cache, prefix);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatch(/^eval(sha)?$/);
    } finally {
      await cache.close();
      await admin.call('ACL', 'DELUSER', name);
    }
  });

  it('loads the library again when the server lost it, and the call goes through', async () => {
    const prefix = uniquePrefix('fnlost');
    const cache = new RedisCache(redisUrl(), { prefix, sweepIntervalMs: 0 });
    await cache.open();
    try {
      await admin.call('FUNCTION', 'DELETE', sakeLibrary().name);
      const guild = sf();
      const message = fixtures.message(sf(), sf(), fixtures.user(sf()), guild);
      await cache.apply([mutation.set('message', message)]);
      expect(await cache.getMessage(message.id)).toEqual(message);
      expect((await admin.call('FUNCTION', 'LIST', 'LIBRARYNAME', sakeLibrary().name)) as unknown[]).toHaveLength(1);
    } finally {
      await cache.close();
    }
  });

  it('refuses a `functions` option that is not a boolean, before any I/O', () => {
    expect(() => new RedisCache(redisUrl(), { functions: 'yes' as never })).toThrow(TypeError);
  });
});
