/** The per-tick batcher: commands and deferred senders of one tick leave in order, in one corked write. */
import { describe, expect, it } from 'vitest';
import { ReadBatcher } from '../src/read-batcher.js';

/** A stand-in client recording what is sent and how the socket is corked. */
function fakeClient(): { client: never; log: string[] } {
  const log: string[] = [];
  let corked = 0;
  const client = {
    stream: {
      cork: () => void (corked++ === 0 && log.push('cork')),
      uncork: () => void (--corked === 0 && log.push('write')),
    },
    getBuffer: (key: string) => {
      log.push(`GET ${key}${corked > 0 ? '' : ' (uncorked)'}`);
      return Promise.resolve(Buffer.from(key));
    },
  };
  return { client: client as never, log };
}

describe('ReadBatcher', () => {
  it('sends a script command through the scripts in force (EVALSHA or FCALL) and any other through the client, in one write', async () => {
    const { client, log } = fakeClient();
    const script =
      (name: string) =>
      (args: unknown[]): Promise<string> => {
        log.push(`${name} ${String(args)}`);
        return Promise.resolve(name);
      };
    let scripts: object = { sakeBatchBuffer: script('first') };
    const batcher = new ReadBatcher(client, false, () => scripts);
    const a = batcher.call<string>('sakeBatchBuffer', ['x']);
    const b = batcher.call<Buffer>('getBuffer', ['b']);
    expect(await a).toBe('first');
    expect((await b).toString()).toBe('b');
    scripts = { sakeBatchBuffer: script('second') };
    expect(await batcher.call<string>('sakeBatchBuffer', ['y'])).toBe('second');
    expect(log).toEqual(['cork', 'first x', 'GET b', 'write', 'second y']);
  });

  it('sends a deferred sender in its place among the tick’s commands, in the same write', async () => {
    const { client, log } = fakeClient();
    const batcher = new ReadBatcher(client, false, () => client);
    const a = batcher.call<Buffer>('getBuffer', ['a']);
    batcher.defer(() => log.push('deferred'));
    const b = batcher.call<Buffer>('getBuffer', ['b']);
    expect((await a).toString()).toBe('a');
    expect((await b).toString()).toBe('b');
    expect(log).toEqual(['cork', 'GET a', 'deferred', 'GET b', 'write']);
  });

  it('runs a lone deferred sender without corking for it', async () => {
    const { client, log } = fakeClient();
    const batcher = new ReadBatcher(client, false, () => client);
    batcher.defer(() => log.push('deferred'));
    await Promise.resolve();
    expect(log).toEqual(['deferred']);
  });

  it('still sends the other commands when a deferred sender throws, then surfaces the error', async () => {
    const { client, log } = fakeClient();
    const batcher = new ReadBatcher(client, false, () => client);
    const errors: unknown[] = [];
    const onError = (err: unknown): void => void errors.push(err);
    process.on('uncaughtException', onError);
    try {
      batcher.defer(() => {
        throw new Error('boom');
      });
      const b = batcher.call<Buffer>('getBuffer', ['b']);
      expect((await b).toString()).toBe('b');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(log).toEqual(['cork', 'GET b', 'write']);
    expect(errors).toHaveLength(1);
  });
});
