/** The figures `pnpm bench` reports, their targets (DESIGN §7) and how a figure is built. */

/** The name of a figure in `bench/results.json`. */
export type FigureName =
  | 'ingest_members_per_s'
  | 'ingest_floor_members_per_s'
  | 'longest_call_ms'
  | 'bytes_per_member'
  | 'get_member_p50_us'
  | 'get_member_p99_us'
  | 'get_member_join_floor_p50_us'
  | 'concurrent_get_ops_per_s'
  | 'iter_members_per_s'
  | 'iter_naive_joined_members_per_s'
  | 'mixed_events_per_s'
  | 'confirm_p99_ms'
  | 'redis_ceiling_hset_per_s'
  | 'pg_ingest_members_per_s'
  | 'pg_get_member_p50_us'
  | 'pg_mixed_events_per_s';

/** One measured figure beside its same-run baseline. */
export interface Figure {
  /** Name in results.json. */
  readonly name: FigureName;
  /** What was measured, for the table. */
  readonly label: string;
  /** The measured value. */
  readonly value: number;
  /** The same-run baseline it is compared with (`null` when the run has none). */
  readonly baseline: number | null;
  /** What the baseline is, for the table. */
  readonly baselineLabel: string;
  /** `value / baseline`. */
  readonly ratio: number | null;
  /** Unit of `value` and `baseline`. */
  readonly unit: string;
  /** The target, as the table shows it (empty when there is none). */
  readonly target: string;
  /** Whether the target is met (`null` when there is no target). */
  readonly met: boolean | null;
  /** Extra numbers worth printing (repetitions, counts). */
  readonly notes?: string;
}

/** A target: on the ratio (`≥ 2×`) or on the value itself (`≥ 50k/s`). */
export interface Target {
  readonly on: 'ratio' | 'value';
  readonly op: '>=' | '<=';
  readonly limit: number;
}

/** DESIGN §7's targets, by figure (the stretch targets are in bench/README.md). */
export const TARGETS: Partial<Record<FigureName, Target>> = {
  ingest_members_per_s: { on: 'ratio', op: '>=', limit: 1 },
  longest_call_ms: { on: 'value', op: '<=', limit: 10 },
  bytes_per_member: { on: 'ratio', op: '<=', limit: 0.2 },
  get_member_p50_us: { on: 'ratio', op: '<=', limit: 1.15 },
  concurrent_get_ops_per_s: { on: 'ratio', op: '>=', limit: 5 },
  iter_members_per_s: { on: 'ratio', op: '>=', limit: 1 },
  mixed_events_per_s: { on: 'ratio', op: '>=', limit: 0.5 },
  pg_mixed_events_per_s: { on: 'ratio', op: '>=', limit: 0.2 },
};

function describe(target: Target | undefined, unit: string): string {
  if (!target) return '';
  const op = target.op === '>=' ? '≥' : '≤';
  return target.on === 'ratio' ? `${op} ${target.limit}×` : `${op} ${compact(target.limit)} ${unit}`;
}

/** A number in a short human form (`52.1k`, `1.23M`, `0.187`). */
export function compact(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

/** Build a figure: ratio and target verdict are computed, never hand-written. */
export function figure(name: FigureName, label: string, value: number, baseline: number | null, baselineLabel: string, unit: string, notes?: string): Figure {
  const ratio = baseline === null || baseline === 0 || !Number.isFinite(baseline) ? null : value / baseline;
  const target = TARGETS[name];
  let met: boolean | null = null;
  if (target) {
    const subject = target.on === 'ratio' ? ratio : value;
    met = subject === null || !Number.isFinite(subject) ? false : target.op === '>=' ? subject >= target.limit : subject <= target.limit;
  }
  return { name, label, value, baseline, baselineLabel, ratio, unit, target: describe(target, unit), met, ...(notes === undefined ? {} : { notes }) };
}
