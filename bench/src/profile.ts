/**
 * `node bench/dist/profile.js <file.cpuprofile> [top] [filter]`: the
 * functions with the most self time (and their inclusive time) in a V8 CPU
 * profile written by `node --cpu-prof`, so a profile of `pnpm bench` can be
 * read without a browser. `filter` keeps functions whose file contains it.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of a profile. */
export interface FunctionTime {
  /** `name (file:line)`. */
  readonly where: string;
  /** Time with this function on top of the stack, ms. */
  readonly selfMs: number;
  /** Time with this function anywhere on the stack, ms. */
  readonly totalMs: number;
}

function shortUrl(url: string): string {
  const at = url.lastIndexOf('/node_modules/');
  if (at >= 0) return url.slice(at + '/node_modules/'.length).replace(/^\.pnpm\/[^/]+\/node_modules\//, '');
  return url.replace(/^file:\/\/.*?\/(packages|bench|tools)\//, '$1/');
}

/** Self and inclusive time per function of a profile, most self time first. */
export function summarise(profile: CpuProfile): { functions: FunctionTime[]; totalMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const key = (node: ProfileNode): string => {
    const f = node.callFrame;
    return `${f.functionName || '(anonymous)'} (${shortUrl(f.url) || 'native'}:${f.lineNumber + 1})`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the gap before sample i: a sample lasts until the next one (as DevTools counts it).
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    totalMs += ms;
    const node = byId.get(id);
    if (!node) return;
    self.set(key(node), (self.get(key(node)) ?? 0) + ms);
    // Inclusive: once per function per sample, however deep it recurses.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = key(byId.get(at)!);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + ms);
    }
  });
  const functions = [...self.entries()].map(([where, selfMs]) => ({ where, selfMs, totalMs: total.get(where) ?? selfMs })).sort((a, b) => b.selfMs - a.selfMs);
  return { functions, totalMs };
}

function main(): void {
  const [file, topArg, filter] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/dist/profile.js <file.cpuprofile> [top=30] [file filter]');
    process.exit(2);
  }
  const { functions, totalMs } = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const top = Number(topArg ?? 30);
  const rows = functions.filter((f) => !filter || f.where.includes(filter)).slice(0, top);
  console.log(`${file}: ${(totalMs / 1000).toFixed(2)} s sampled`);
  console.log('  self ms   self%   total ms  function');
  for (const f of rows) {
    console.log(`${f.selfMs.toFixed(0).padStart(8)} ${((100 * f.selfMs) / totalMs).toFixed(1).padStart(6)}% ${f.totalMs.toFixed(0).padStart(10)}  ${f.where}`);
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) main();
