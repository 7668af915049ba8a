/**
 * A loopback TCP proxy for fault tests: forwards to a target and can delay,
 * stall (stop forwarding without closing) or cut every connection, at once
 * or after a given number of bytes from the clients (the target then sees a
 * stream that stops mid-way, as when a connection dies during a write).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

/** How long {@link TcpProxy.cutAfter} leaves the target to run what it got before the reset. */
const CUT_GRACE_MS = 200;

/** What the proxy does to traffic right now. */
export type ProxyMode = 'pass' | 'stall';

/** A running proxy. */
export interface TcpProxy {
  /** The port clients connect to. */
  readonly port: number;
  /** Add this many ms of latency to every chunk in both directions (0 = none). */
  delayMs: number;
  /** `stall`: hold every chunk until the mode returns to `pass`. */
  setMode(mode: ProxyMode): void;
  /** Destroy every open connection (clients see a reset); new ones are accepted. */
  cutAll(): void;
  /** Forward `bytes` more bytes from the clients (over every connection), drop the rest, and shortly after {@link TcpProxy.cutAll}. */
  cutAfter(bytes: number): void;
  /** Bytes forwarded from the clients to the target so far. */
  readonly clientBytes: number;
  /** Refuse new connections until `accept(true)`. */
  accept(on: boolean): void;
  /** Number of connections made through the proxy so far. */
  readonly connections: number;
  /** Stop listening and destroy every connection. */
  close(): Promise<void>;
}

/** Start a proxy on a free loopback port that forwards to `targetPort`. */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let mode: ProxyMode = 'pass';
  let accepting = true;
  let connections = 0;
  const held: Array<() => void> = [];
  let clientBytes = 0;
  /** Client bytes still to forward before the cut (undefined: no cut pending). */
  let budget: number | undefined;

  const cutAll = (): void => {
    held.length = 0;
    budget = undefined;
    for (const s of sockets) s.resetAndDestroy();
  };

  const forward = (from: Socket, to: Socket, timing: { delayMs: number }, fromClient: boolean): void => {
    from.on('data', (whole: Buffer) => {
      let chunk = whole;
      if (fromClient) {
        if (budget !== undefined) {
          if (budget <= 0) return;
          chunk = whole.subarray(0, budget);
          budget -= chunk.length;
          if (budget <= 0) {
            // The target gets this last piece and time to run what it holds; then every connection is
            // reset (a reset at once could make the target's kernel drop bytes it has not read yet).
            if (!to.destroyed) to.write(chunk);
            clientBytes += chunk.length;
            setTimeout(cutAll, CUT_GRACE_MS);
            return;
          }
        }
        clientBytes += chunk.length;
      }
      const send = (): void => {
        if (timing.delayMs > 0) setTimeout(() => to.destroyed || to.write(chunk), timing.delayMs);
        else if (!to.destroyed) to.write(chunk);
      };
      if (mode === 'stall') held.push(send);
      else send();
    });
  };

  const server: Server = createServer((client) => {
    if (!accepting) {
      client.destroy();
      return;
    }
    connections += 1;
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream, proxy, true);
    forward(upstream, client, proxy, false);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  const proxy: TcpProxy = {
    port: address.port,
    delayMs: 0,
    setMode(next) {
      mode = next;
      if (next === 'pass') for (const send of held.splice(0)) send();
    },
    cutAll,
    cutAfter(bytes) {
      budget = bytes;
    },
    get clientBytes() {
      return clientBytes;
    },
    accept(on) {
      accepting = on;
    },
    get connections() {
      return connections;
    },
    async close() {
      proxy.cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
