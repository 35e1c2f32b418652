// Command-line options of `npm run bench` and the sizes of the full and quick modes.
import { tmpdir } from 'node:os';
import { SERVER_KINDS, type ServerKind } from './servers.js';

export interface BenchOptions {
  readonly quick: boolean;
  /** Workload names to run (a name or a prefix like "put"); empty = all. */
  readonly only: readonly string[];
  readonly servers: readonly ServerKind[];
  /** Repetitions of every workload per server (the heavy dataset workload runs once). */
  readonly reps: number;
  /** Load-generating worker processes. */
  readonly workers: number;
  /** Keys loaded for the memory / snapshot / defrag / restart workload. */
  readonly datasetKeys: number;
  /** Where servers' data dirs and the fdatasync probe go (one disk for all). */
  readonly dataRoot: string;
  /** Where results.json, results.md and chart.svg are written. */
  readonly outDir: string;
  /** When set, tetcd runs under `node --cpu-prof` and writes its profiles here. */
  readonly profileDir?: string;
  readonly selfTest: boolean;
  readonly help: boolean;
}

export const USAGE = `usage: node dist/bench/run.js [options]
  --quick              small sizes, one repetition (about 2 minutes)
  --only a,b           run only these workloads (name or prefix, e.g. put,range-serializable-64)
  --servers etcd,tetcd which servers to run (default both)
  --reps N             repetitions per workload and server (default 3, quick 1)
  --workers N          load-generating processes (default 2)
  --keys N             keys for the memory/snapshot/defrag/restart workload (default 1000000, quick 50000)
  --data-root DIR      where data dirs go (default the OS temp dir)
  --out DIR            where results are written (default docs/bench)
  --profile DIR        run tetcd under node --cpu-prof, profiles written to DIR
  --self-test          check the statistics code and exit
  --list               print the workloads and exit`;

export function parseOptions(argv: readonly string[], defaultOutDir: string): BenchOptions & { readonly list: boolean } {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (['quick', 'self-test', 'help', 'list'].includes(arg.slice(2))) flags.set(arg.slice(2), true);
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
    }
  }
  const known = ['quick', 'only', 'servers', 'reps', 'workers', 'keys', 'data-root', 'out', 'profile', 'self-test', 'help', 'list'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const str = (k: string) => (typeof flags.get(k) === 'string' ? (flags.get(k) as string) : undefined);
  const int = (k: string, dflt: number) => {
    const v = str(k);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${k} must be a positive integer, got ${v}`);
    return n;
  };
  const quick = flags.get('quick') === true;
  const servers = (str('servers') ?? SERVER_KINDS.join(',')).split(',').filter(Boolean);
  for (const s of servers) if (!(SERVER_KINDS as readonly string[]).includes(s)) throw new Error(`unknown server ${s} (etcd, tetcd)`);
  return {
    quick,
    only: (str('only') ?? '').split(',').filter(Boolean),
    servers: servers as ServerKind[],
    reps: int('reps', quick ? 1 : 3),
    workers: int('workers', 2),
    datasetKeys: int('keys', quick ? 50_000 : 1_000_000),
    dataRoot: str('data-root') ?? tmpdir(),
    outDir: str('out') ?? defaultOutDir,
    profileDir: str('profile'),
    selfTest: flags.get('self-test') === true,
    help: flags.get('help') === true,
    list: flags.get('list') === true,
  };
}
