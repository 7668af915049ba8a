/**
 * Vitest global setup: gives every test file a PostgreSQL to talk to
 * (`inject('pgUrl')`), unless PG_URL points at one the user runs.
 *
 * The server is private: `initdb` into a temp dir, `postgres` on a free
 * loopback port (binaries from PATH or /usr/lib/postgresql/<version>/bin),
 * stopped and deleted in teardown and on SIGINT/SIGTERM. Tests never use a
 * server already running on the machine unless PG_URL says so; each test
 * works in its own schema. Missing binaries fail the run with one line
 * saying how to install them: the PostgreSQL tests are never skipped.
 */
import type { TestProject } from 'vitest/node';
import { assertPostgresInstalled, killAllPostgresSync, startPostgresServer, type PostgresServer } from '@sake/postgres-server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `postgres://…` URL of a PostgreSQL tests may use (each test should use its own schema). */
    pgUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const envUrl = process.env.PG_URL;
  if (envUrl) {
    project.provide('pgUrl', envUrl);
    return async () => {};
  }
  try {
    assertPostgresInstalled();
  } catch (err) {
    // One clear line, no stack: the fix is an install, not a debugging session.
    console.error(`\n${(err as Error).message}\n`);
    throw err;
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    killAllPostgresSync();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // A safety net: should the run end before the teardown below finished, no server or temp dir outlives it.
  process.once('exit', killAllPostgresSync);
  let server: PostgresServer;
  try {
    server = await startPostgresServer();
  } catch (err) {
    killAllPostgresSync();
    throw err;
  }
  project.provide('pgUrl', server.url);
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await server.stop();
  };
}
