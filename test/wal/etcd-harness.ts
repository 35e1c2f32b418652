// Runs the real etcd 3.4 binary for the WAL's compatibility tests: one member on 127.0.0.1 with
// free ports, bounded waits, always stopped.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const ETCD_BIN = '/usr/bin/etcd';
const ETCDCTL_BIN = '/usr/bin/etcdctl';
const CTL_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 200;

/** Why real etcd cannot run here, or undefined when it can. */
export function missingEtcd(): string | undefined {
  const missing = [ETCD_BIN, ETCDCTL_BIN].filter((bin) => !existsSync(bin));
  return missing.length > 0 ? `real etcd binaries missing: ${missing.join(', ')}` : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function etcdctl(endpoint: string, args: string[]): Promise<string> {
  const env = { ...cleanEnv(), ETCDCTL_API: '3' };
  return new Promise((resolve, reject) => {
    execFile(ETCDCTL_BIN, ['--endpoints', endpoint, ...args], { env, timeout: CTL_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err) reject(new Error(`etcdctl ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export interface EtcdPorts {
  client: number;
  peer: number;
}

export interface EtcdProcess {
  clientUrl: string;
  stop(): Promise<void>;
}

/** Starts member "default" on `dataDir` and waits until it serves a linearizable read. */
export async function startEtcd(dataDir: string, ports: EtcdPorts, extraArgs: string[] = []): Promise<EtcdProcess> {
  const clientUrl = `http://127.0.0.1:${ports.client}`;
  const peerUrl = `http://127.0.0.1:${ports.peer}`;
  const child = spawn(
    ETCD_BIN,
    [
      '--name', 'default',
      '--data-dir', dataDir,
      '--listen-client-urls', clientUrl,
      '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `default=${peerUrl}`,
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: cleanEnv() },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8192);
  });
  const proc: EtcdProcess = { clientUrl, stop: () => stopChild(child) };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}:\n${log}`);
    try {
      await etcdctl(clientUrl, ['--command-timeout=1s', 'get', 'probe']);
      return proc;
    } catch {
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  await proc.stop();
  throw new Error(`etcd not ready within ${START_TIMEOUT_MS} ms:\n${log}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** The environment without ETCD_* / ETCDCTL_* settings that could change the member under test. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD')));
}
