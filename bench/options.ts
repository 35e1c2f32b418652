// Command-line options of `npm run bench` and the sizes of the full and quick modes.
import { tmpdir } from 'node:os';
import { GENERATOR_KINDS, type GeneratorKind } from './generator.js';
import { SERVER_KINDS, type ServerKind } from './servers.js';

/**
 * bbolt bytes per dataset key (32 B key, 256 B value, one revision): 412.8 MB for 1,000,000 keys
 * in etcd's db in the 2026-11-26 run, the same file tetcd streams in bbolt format.
 */
const DB_BYTES_PER_KEY = 413;

/** Keys for a db of about `gb` GB (10^9 bytes). */
export function keysForDbGb(gb: number): number {
  return Math.round((gb * 1e9) / DB_BYTES_PER_KEY / 1000) * 1000;
}

export interface BenchOptions {
  readonly quick: boolean;
  /** Workload names to run (a name or a prefix like "put"); empty = all. */
  readonly only: readonly string[];
  readonly servers: readonly ServerKind[];
  /** Repetitions of every workload per server (the heavy dataset workload runs once). */
  readonly reps: number;
  /** The load generator asked for; undefined = Go when it can be built here, else Node. */
  readonly generator?: GeneratorKind;
  /** Load-generating worker processes (Node generator). */
  readonly workers: number;
  /** Keys loaded for the memory / snapshot / defrag / restart workload. */
  readonly datasetKeys: number;
  /** Set when the dataset size was given as a db size (--db-gb) rather than a key count. */
  readonly datasetDbGb?: number;
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
  --generator go|node  load generator (default go when Go and etcd's Go source are installed, else node)
  --workers N          load-generating processes of the node generator (default 2)
  --keys N             keys for the memory/snapshot/defrag/restart workload (default 1000000, quick 50000)
  --db-gb X            instead of --keys: enough keys for a db of about X GB (1 GB ≈ ${keysForDbGb(1)} keys)
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
  const known = ['quick', 'only', 'servers', 'reps', 'generator', 'workers', 'keys', 'db-gb', 'data-root', 'out', 'profile', 'self-test', 'help', 'list'];
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
  const generator = str('generator');
  if (generator !== undefined && !(GENERATOR_KINDS as readonly string[]).includes(generator)) throw new Error(`unknown generator ${generator} (go, node)`);
  const dbGb = str('db-gb') === undefined ? undefined : Number(str('db-gb'));
  if (dbGb !== undefined && !(dbGb > 0)) throw new Error(`--db-gb must be a positive number, got ${str('db-gb')}`);
  if (dbGb !== undefined && str('keys') !== undefined) throw new Error('give --keys or --db-gb, not both');
  return {
    quick,
    generator: generator as GeneratorKind | undefined,
    only: (str('only') ?? '').split(',').filter(Boolean),
    servers: servers as ServerKind[],
    reps: int('reps', quick ? 1 : 3),
    workers: int('workers', 2),
    datasetKeys: dbGb === undefined ? int('keys', quick ? 50_000 : 1_000_000) : keysForDbGb(dbGb),
    datasetDbGb: dbGb,
    dataRoot: str('data-root') ?? tmpdir(),
    outDir: str('out') ?? defaultOutDir,
    profileDir: str('profile'),
    selfTest: flags.get('self-test') === true,
    help: flags.get('help') === true,
    list: flags.get('list') === true,
  };
}

