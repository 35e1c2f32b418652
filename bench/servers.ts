// Start the two servers under test with identical etcd flags, on fresh data dirs, and restart
// them in place (for the recovery workload). Process handling is the test harness's.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ETCD_BIN } from '../test/helpers/etcd.js';
import { freePorts } from '../test/helpers/ports.js';
import { memberFlags } from '../test/helpers/member.js';
import { removeDir, startServer, type ServerProcess } from '../test/helpers/procs.js';
import { TETCD_BIN } from '../test/helpers/tetcd.js';

export const SERVER_KINDS = ['etcd', 'tetcd'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** Both servers snapshot the raft log at etcd's default, given explicitly so they match. */
const SNAPSHOT_COUNT = 100_000;
/** A restart with a million keys rebuilds the key index from disk: allow it time. */
const READY_TIMEOUT_MS = 180_000;
/** A graceful stop may flush a large backend first. */
const STOP_TIMEOUT_MS = 60_000;

export interface ServerLaunch {
  readonly kind: ServerKind;
  /** A directory of its own; the member's data dir is created inside it. */
  readonly workDir: string;
  /** Extra node flags for tetcd (e.g. --cpu-prof); ignored for etcd. */
  readonly tetcdNodeArgs?: readonly string[];
  /** Server flags given to both kinds alike (e.g. --enable-v2). */
  readonly extraFlags?: readonly string[];
}

export interface BenchServer {
  readonly kind: ServerKind;
  /** host:port for gRPC clients. */
  readonly endpoint: string;
  /** http://host:port, for the v2 API. */
  readonly clientUrl: string;
  readonly dataDir: string;
  /** The live process id (changes on restart). */
  pid(): number;
  /** SIGTERM and wait for the exit (SIGKILL after a minute); the data dir stays. */
  stop(): Promise<void>;
  /** Spawn again on the same data dir and ports; resolves when it serves clients. */
  start(): Promise<void>;
  /** Stop the process and delete its work dir. */
  dispose(): Promise<void>;
}

/** Why a server kind cannot run here, or undefined. */
export function missingBinary(kind: ServerKind): string | undefined {
  const bin = kind === 'etcd' ? ETCD_BIN : TETCD_BIN;
  return existsSync(bin) ? undefined : `${bin} not found${kind === 'tetcd' ? ' (run npx tsc -p tsconfig.json)' : ''}`;
}

export async function startBenchServer(launch: ServerLaunch): Promise<BenchServer> {
  await mkdir(launch.workDir, { recursive: true });
  const dataDir = join(launch.workDir, 'data');
  const [clientPort, peerPort] = await freePorts(2);
  const flags = [...memberFlags(dataDir, clientPort!, peerPort!), `--snapshot-count=${SNAPSHOT_COUNT}`, ...(launch.extraFlags ?? [])];
  const [command, args] =
    launch.kind === 'etcd'
      ? [ETCD_BIN, ['--logger=zap', ...flags]]
      : [process.execPath, [...(launch.tetcdNodeArgs ?? []), TETCD_BIN, ...flags]];
  const spawnIt = () =>
    startServer({ command, args, healthUrl: `http://127.0.0.1:${clientPort}/health`, readyTimeoutMs: READY_TIMEOUT_MS });

  let proc: ServerProcess;
  try {
    proc = await spawnIt();
  } catch (err) {
    await removeDir(launch.workDir);
    throw err;
  }
  return {
    kind: launch.kind,
    endpoint: `127.0.0.1:${clientPort}`,
    clientUrl: `http://127.0.0.1:${clientPort}`,
    dataDir,
    pid: () => proc.pid,
    async stop() {
      await proc.stop(STOP_TIMEOUT_MS);
    },
    async start() {
      proc = await spawnIt();
    },
    async dispose() {
      await proc.stop();
      await removeDir(launch.workDir);
    },
  };
}
