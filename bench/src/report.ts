/** The printed table and `bench/results.json`. */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { compact, type Figure } from './figures.js';

/** The machine a run was measured on. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly redis: string;
  /** Whether the bench's own redis-server was measured (else REDIS_URL's). */
  readonly ownRedis: boolean;
}

/** Describe this machine. */
export function machine(redisVersion: string, ownRedis: boolean): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    redis: redisVersion,
    ownRedis,
  };
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** The table as printed: figure | value | baseline | ratio | target | unit. */
export function formatTable(figures: readonly Figure[], m: Machine, mode: string): string {
  const rows = figures.map((f) => [
    f.label,
    compact(f.value),
    f.baseline === null ? '—' : compact(f.baseline),
    f.ratio === null ? '—' : `${f.ratio.toFixed(2)}×`,
    f.target === '' ? '' : `${f.target} ${f.met ? '✓' : '✗'}`,
    f.unit,
  ]);
  const header = ['figure', 'value', 'baseline', 'ratio', 'target', 'unit'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => pad(c, widths[i]!, i >= 1 && i <= 3)).join(' | ')} |`;
  const out = [
    `sake bench (${mode}) — ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, Node ${m.node}, Redis ${m.redis}${m.ownRedis ? ' (private server)' : ' (REDIS_URL)'}`,
    '',
    line(header),
    `|${widths.map((w, i) => (i >= 1 && i <= 3 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...rows.map(line),
    '',
    'baselines:',
    ...figures.map((f) => `  ${f.name}: ${f.baselineLabel}${f.notes ? ` — ${f.notes}` : ''}`),
  ];
  return out.join('\n');
}

/** Write `results.json`. */
export function writeResults(path: string, figures: readonly Figure[], m: Machine, mode: string): void {
  const out: Record<string, unknown> = {};
  for (const f of figures) {
    out[f.name] = {
      value: f.value,
      baseline: f.baseline,
      ratio: f.ratio,
      unit: f.unit,
      target: f.target || null,
      met: f.met,
      baseline_is: f.baselineLabel,
      ...(f.notes === undefined ? {} : { notes: f.notes }),
    };
  }
  const body = { machine: m, mode, date: new Date().toISOString(), figures: out };
  writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`);
}
