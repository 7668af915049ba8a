/** Progress bars on stderr (only on a terminal, so pipes and logs stay clean). */
import cliProgress from 'cli-progress';

/** A progress display that may be a no-op. */
export interface Progress {
  /** Show the bar with a total (0 when unknown yet) and the unit counted (records, bytes, guilds, …). */
  start(total: number, label: string, unit?: string): void;
  /** Move the bar; `total` updates the total when it becomes known, `unit` changes what is counted. */
  update(value: number, label?: string, total?: number, unit?: string): void;
  /** Remove the bar. */
  stop(): void;
}

/** A progress bar on stderr when it is a terminal and `enabled`; otherwise nothing. */
export function createProgress(enabled: boolean): Progress {
  if (!enabled || process.stderr.isTTY !== true) {
    return { start() {}, update() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{label} [{bar}] {percentage}% | {value}/{total} {unit} | {duration_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    start(total, label, unit = 'records') {
      bar.start(Math.max(total, 1), 0, { label, unit });
      started = true;
    },
    update(value, label, total, unit) {
      if (!started) return;
      if (total !== undefined) bar.setTotal(Math.max(total, 1));
      bar.update(value, { ...(label === undefined ? {} : { label }), ...(unit === undefined ? {} : { unit }) });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
