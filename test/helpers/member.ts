// A single-member server under test (real etcd or tetcd), started with etcd's own flags on
// random loopback ports and a fresh data dir. The two kinds differ only in the program run.
import { freePorts } from './ports.js';
import { makeTempDir, removeDir, startServer, type ServerProcess } from './procs.js';

/** The same member name on both servers, so member lists compare without normalising names. */
export const MEMBER_NAME = 'difftest';

export interface MemberOptions {
  /** Extra etcd flags given identically to both servers, e.g. ['--max-request-bytes=4096']. */
  readonly extraFlags?: readonly string[];
  readonly readyTimeoutMs?: number;
}

export interface Member {
  /** host:port as etcdctl's --endpoints takes it. */
  readonly endpoint: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  readonly proc: ServerProcess;
  /** Stop the process (SIGTERM, then SIGKILL after a bound) and remove its data dir. */
  stop(): Promise<void>;
}

/** etcd's flags for one member on 127.0.0.1. */
export function memberFlags(dataDir: string, clientPort: number, peerPort: number): string[] {
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  return [
    `--name=${MEMBER_NAME}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${MEMBER_NAME}=${peerUrl}`,
  ];
}

/** Start `program ...prefixArgs memberFlags... extraFlags` and wait until it serves clients. */
export async function startMember(
  label: string,
  command: string,
  prefixArgs: readonly string[],
  opts: MemberOptions = {},
): Promise<Member> {
  const dataDir = await makeTempDir(label);
  const [clientPort, peerPort] = await freePorts(2);
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  try {
    const proc = await startServer({
      command,
      args: [...prefixArgs, ...memberFlags(`${dataDir}/data`, clientPort!, peerPort!), ...(opts.extraFlags ?? [])],
      healthUrl: `${clientUrl}/health`,
      readyTimeoutMs: opts.readyTimeoutMs,
    });
    return {
      endpoint: `127.0.0.1:${clientPort}`,
      clientUrl,
      peerUrl: `http://127.0.0.1:${peerPort}`,
      clientPort: clientPort!,
      peerPort: peerPort!,
      dataDir,
      proc,
      async stop() {
        await proc.stop();
        await removeDir(dataDir);
      },
    };
  } catch (err) {
    await removeDir(dataDir);
    throw err;
  }
}
