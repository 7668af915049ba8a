/** Small statistics and timing helpers. */

/** The `p`-th percentile (0–100) of `values` (nearest rank on a sorted copy). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds since an arbitrary origin, sub-millisecond precision. */
export function now(): number {
  return performance.now();
}

/** Run `fn` and return how long it took, in ms. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = now();
  await fn();
  return now() - start;
}

/** What {@link timedCpu} measured: wall ms, and CPU µs of this process and of redis-server. */
export interface TimedCpu {
  readonly ms: number;
  readonly node: number;
  readonly redis: number;
}

/** Run `fn` and measure its wall time and the CPU it took in this process and in `redis` (a delta of its CPU counter). */
export async function timedCpu(redis: { cpuSeconds(): Promise<number> }, fn: () => Promise<unknown>): Promise<TimedCpu> {
  const redis0 = await redis.cpuSeconds();
  const node0 = process.cpuUsage();
  const ms = await timed(fn);
  const node = process.cpuUsage(node0);
  const server = (await redis.cpuSeconds()) - redis0;
  return { ms, node: node.user + node.system, redis: server * 1e6 };
}

/** Resolve after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Give the event loop a moment between phases, after a full garbage collection when `gc` is exposed (`pnpm bench` runs node with `--expose-gc`): garbage of an earlier phase is not collected inside a later one's timing. */
export async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await sleep(50);
}
