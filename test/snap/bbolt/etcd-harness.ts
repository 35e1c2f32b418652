/**
 * Runs the real etcd 3.4 and etcdctl binaries for compatibility tests:
 * one member on 127.0.0.1 with free ports, bounded waits, always stopped.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const ETCD_BIN = '/usr/bin/etcd';
export const ETCDCTL_BIN = '/usr/bin/etcdctl';

/** Why the real-etcd tests cannot run here, or undefined when they can. */
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

const CTL_TIMEOUT_MS = 15_000;

/** Runs etcdctl (API v3) and returns stdout; rejects with stderr on failure. */
export function etcdctl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      ETCDCTL_BIN,
      args,
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: CTL_TIMEOUT_MS, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`etcdctl ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

export interface EtcdMember {
  clientUrl: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_MS = 200;

/**
 * Starts a single-member etcd on `dataDir` named `default` and waits until
 * it serves reads. A restored data dir must be started with the peer port
 * that was given to `snapshot restore`.
 */
export async function startEtcd(dataDir: string, peerPort?: number): Promise<EtcdMember> {
  const clientPort = await freePort();
  const peer = peerPort ?? (await freePort());
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
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
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8192);
  });
  const member: EtcdMember = { clientUrl, stop: () => stopChild(child) };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}:\n${log}`);
    try {
      await etcdctl(['--endpoints', clientUrl, '--command-timeout=1s', 'get', 'health-probe']);
      return member;
    } catch {
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  await member.stop();
  throw new Error(`etcd did not become ready within ${START_TIMEOUT_MS} ms:\n${log}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
