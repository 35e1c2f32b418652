// `node dist/bench/profile-top.js FILE.cpuprofile [N]`: the functions with the most self time
// in a V8 CPU profile (as written by node --cpu-prof), and the same grouped by source file,
// so a benchmark run's costs can be read without a flame-graph viewer.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface Cost {
  readonly name: string;
  readonly selfMs: number;
  readonly share: number;
}

export interface Profile {
  readonly byFunction: Cost[];
  readonly byFile: Cost[];
  /** Time with the function anywhere on the stack (counted once per sample), for project code. */
  readonly inclusive: Cost[];
  /** For the top self-time functions: their costliest call paths (CALLER_DEPTH frames up). */
  readonly callers: Map<string, Cost[]>;
  readonly totalMs: number;
}

const CALLER_DEPTH = 3;
const CALLERS_OF_TOP = 12;

/** Self time per function and per file, biggest first, with inclusive times and callers. */
export function analyse(profile: CpuProfile): Profile {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const nameOf = (id: number) => {
    const frame = byId.get(id)!.callFrame;
    const where = shortUrl(frame.url);
    return `${frame.functionName || '(anonymous)'} ${where ? `${where}:${frame.lineNumber + 1}` : ''}`.trim();
  };
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  const incl = new Map<string, number>();
  const paths = new Map<string, Map<string, number>>();
  const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us);
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)!.callFrame;
    const name = nameOf(id);
    add(fn, name, us);
    add(file, shortUrl(frame.url) || frame.functionName, us);
    const seen = new Set<string>();
    const up: string[] = [];
    for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
      const n = nameOf(p);
      if (up.length < CALLER_DEPTH) up.push(n);
      if (n.includes('dist/src/') && !seen.has(n)) {
        seen.add(n);
        add(incl, n, us);
      }
    }
    if (name.includes('dist/src/') && !seen.has(name)) add(incl, name, us);
    const byPath = paths.get(name) ?? new Map<string, number>();
    add(byPath, up.join(' <- '), us);
    paths.set(name, byPath);
    total += us;
  });
  const sorted = (m: Map<string, number>) =>
    [...m].map(([name, us]) => ({ name, selfMs: us / 1000, share: total > 0 ? us / total : 0 })).sort((a, b) => b.selfMs - a.selfMs);
  const byFunction = sorted(fn);
  const callers = new Map(
    byFunction
      .filter((c) => !c.name.startsWith('('))
      .slice(0, CALLERS_OF_TOP)
      .map((c) => [c.name, sorted(paths.get(c.name)!).slice(0, 3)]),
  );
  return { byFunction, byFile: sorted(file), inclusive: sorted(incl), callers, totalMs: total / 1000 };
}

/** file:///work/main/node_modules/x/y.js -> node_modules/x/y.js; node:internal stays. */
function shortUrl(url: string): string {
  const m = /\/(node_modules\/.*|dist\/.*|src\/.*)$/.exec(url);
  return m ? m[1]! : url.replace(/^file:\/\//, '');
}

function main(): void {
  const [path, nArg] = process.argv.slice(2);
  if (!path) {
    console.error('usage: node dist/bench/profile-top.js FILE.cpuprofile [N]');
    process.exitCode = 2;
    return;
  }
  const n = Number(nArg ?? 30);
  const p = analyse(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
  const line = (c: Cost) => `${c.selfMs.toFixed(0).padStart(8)} ms ${(c.share * 100).toFixed(1).padStart(5)}%  ${c.name}`;
  console.log(`total sampled: ${p.totalMs.toFixed(0)} ms\n\ntop functions by self time:`);
  for (const c of p.byFunction.slice(0, n)) console.log(line(c));
  console.log('\ntop files by self time:');
  for (const c of p.byFile.slice(0, n)) console.log(line(c));
  console.log('\ntetcd functions by inclusive time:');
  for (const c of p.inclusive.slice(0, n)) console.log(line(c));
  console.log('\ncallers of the top functions:');
  for (const [name, paths] of p.callers) {
    console.log(`  ${name}`);
    for (const c of paths) console.log(`  ${line(c)}`);
  }
}

main();
