/**
 * A loopback TCP proxy for fault tests: forwards to a target and can delay,
 * stall (stop forwarding without closing) or cut every connection.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

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

  const forward = (from: Socket, to: Socket, proxy: { delayMs: number }): void => {
    from.on('data', (chunk: Buffer) => {
      const send = (): void => {
        if (proxy.delayMs > 0) setTimeout(() => to.destroyed || to.write(chunk), proxy.delayMs);
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
    forward(client, upstream, proxy);
    forward(upstream, client, proxy);
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
    cutAll() {
      held.length = 0;
      for (const s of sockets) s.resetAndDestroy();
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
