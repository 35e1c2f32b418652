// Shared pieces of the tetcd-backup tests: the CLI run in-process, keys, member config dirs,
// a static pod manifest, and reading a whole keyspace for before/after comparisons.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { V3Client } from '../../src/client/v3.js';
import { main } from '../../src/backup-tool/index.js';
import { freePorts, startServer, TETCD_BIN } from '../helpers/index.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  return { code, stdout, stderr };
}

/** An X25519 identity and recipient made by Debian's age-keygen (so `age -d` shares our keys). */
export function ageKeys(dir: string): { identityFile: string; recipientsFile: string } {
  const identityFile = join(dir, 'identity.txt');
  const recipientsFile = join(dir, 'recipients.txt');
  execFileSync('age-keygen', ['-o', identityFile], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', identityFile]).toString();
  execFileSync('sh', ['-c', `printf '%s' "$1" > "$2"`, 'sh', recipient, recipientsFile]);
  return { identityFile, recipientsFile };
}

/** /etc/etcd of member `name`: etcd.conf and its own certificate and key (0600). */
export async function memberConfigDir(root: string, name: string): Promise<string> {
  const dir = join(root, `etc-${name}`);
  await mkdir(join(dir, 'ssl'), { recursive: true });
  await writeFile(join(dir, 'etcd.conf'), `ETCD_NAME=${name}\nETCD_DATA_DIR=/var/lib/etcd\n`);
  await writeFile(join(dir, 'ssl', `${name}.crt`), `-----BEGIN CERTIFICATE-----\n${name}-cert\n-----END CERTIFICATE-----\n`);
  await writeFile(join(dir, 'ssl', `${name}.key`), `-----BEGIN PRIVATE KEY-----\n${name}-key\n-----END PRIVATE KEY-----\n`);
  await chmod(join(dir, 'ssl', `${name}.key`), 0o600);
  return dir;
}

/** A static pod manifest like /etc/origin/node/pods/etcd.yaml, naming `clientUrl`. */
export async function podManifest(dir: string, clientUrl: string): Promise<string> {
  const path = join(dir, 'etcd.yaml');
  await writeFile(
    path,
    `apiVersion: v1
kind: Pod
metadata:
  name: master-etcd
  namespace: kube-system
spec:
  hostNetwork: true
  containers:
  - name: etcd
    image: quay.io/coreos/etcd:v3.4.23
    workingDir: /var/lib/etcd
    command: ["/bin/sh", "-c"]
    args:
    - |
      #!/bin/sh
      set -o allexport
      exec etcd --listen-client-urls=${clientUrl} --advertise-client-urls=${clientUrl}
    volumeMounts:
    - mountPath: /etc/etcd/
      name: master-config
`,
  );
  return path;
}

const ALL = Buffer.from([0]);

export async function putKeys(endpoint: string, count: number): Promise<void> {
  const c = new V3Client({ endpoints: [endpoint] });
  try {
    for (let i = 0; i < count; i++) {
      await c.unary('kv', 'put', { key: Buffer.from(`/app/k${i}`), value: Buffer.from(`v${i}`), lease: 0n, prev_kv: false, ignore_value: false, ignore_lease: false });
    }
    await c.unary('kv', 'deleteRange', { key: Buffer.from('/app/k0'), range_end: Buffer.alloc(0), prev_kv: false });
  } finally {
    c.close();
  }
}

/** Every live key with value and revisions, as one comparable string per key. */
export async function dumpKeys(endpoint: string): Promise<string[]> {
  const c = new V3Client({ endpoints: [endpoint] });
  try {
    const r = await c.unary('kv', 'range', {
      key: ALL, range_end: ALL, limit: 0n, revision: 0n, sort_order: 0, sort_target: 0, serializable: false,
      keys_only: false, count_only: false, min_mod_revision: 0n, max_mod_revision: 0n, min_create_revision: 0n, max_create_revision: 0n,
    });
    return r.kvs.map((kv) => `${kv.key.toString()}=${kv.value.toString()}@${kv.create_revision}/${kv.mod_revision}/${kv.version}`);
  } finally {
    c.close();
  }
}

/** Starts plain-http tetcd on a restored data dir (loopback, free ports), dumps its keys, stops it. */
export async function keysOfRestored(dataDir: string, name: string): Promise<string[]> {
  const [client, peer] = await freePorts(2);
  const clientUrl = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const proc = await startServer({
    command: process.execPath,
    args: [TETCD_BIN, `--name=${name}`, `--data-dir=${dataDir}`, `--listen-client-urls=${clientUrl}`, `--advertise-client-urls=${clientUrl}`, `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=${name}=${peerUrl}`],
    healthUrl: `${clientUrl}/health`,
  });
  try {
    return await dumpKeys(`127.0.0.1:${client}`);
  } finally {
    await proc.stop();
  }
}
