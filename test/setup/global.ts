// Global test setup: starts the servers tests need (see test/setup/redis.ts once it lands).
export default async function setup(): Promise<void> {}
