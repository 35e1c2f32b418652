// Shared pieces of the backup/restore tests: tetcdctl run in-process, a tetcd member started
// in-process on loopback, and reads through the real etcdctl in JSON.
import { PassThrough } from 'node:stream';
import { runCtl } from '../../src/ctl/main.js';
import { startServer, type RunningServer } from '../../src/embed.js';
import { etcdctl } from '../helpers/index.js';

export interface CtlRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function tetcdctl(args: string[]): Promise<CtlRun> {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end();
  const code = await runCtl(args, { ETCDCTL_API: '3' }, {
    stdout: (c) => (stdout += typeof c === 'string' ? c : Buffer.from(c).toString()),
    stderr: (c) => (stderr += c),
    stdin,
  });
  return { code, stdout, stderr };
}

/** A member started in-process from `dataDir` (restart when it holds a WAL). */
export function startMember(dataDir: string, name: string, peerUrl: string, extra: Record<string, unknown> = {}): Promise<RunningServer> {
  return startServer({
    name,
    dataDir,
    listenClientUrls: [new URL('http://127.0.0.1:0')],
    listenPeerUrls: [new URL('http://127.0.0.1:0')],
    initialAdvertisePeerUrls: [new URL(peerUrl)],
    initialCluster: new Map([[name, [new URL(peerUrl)]]]),
    logger: 'silent',
    ...extra,
  });
}

export function endpointOf(srv: RunningServer): string {
  return srv.clientUrls[0]!.host;
}

/** `etcdctl <args> -w json` through the real etcdctl, parsed. */
export async function ctlJson(endpoint: string, args: string[]): Promise<any> {
  const r = await etcdctl(endpoint, [...args, '-w', 'json']);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  // uint64 IDs exceed 2^53: keep every long number as its decimal string
  return JSON.parse(r.stdout.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}

/** The keys and their revisions/versions/leases/values, comparable across clusters. */
export function kvsOf(get: any): Array<Record<string, unknown>> {
  return (get.kvs ?? []).map((kv: any) => ({
    key: Buffer.from(kv.key, 'base64').toString(),
    value: Buffer.from(kv.value ?? '', 'base64').toString(),
    create_revision: kv.create_revision,
    mod_revision: kv.mod_revision,
    version: kv.version,
    lease: String(kv.lease ?? 0),
  }));
}
