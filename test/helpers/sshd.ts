// A real OpenSSH server (Debian's openssh-server) on 127.0.0.1 for tests of SSH collection:
// its own host key, an authorized client key and config in a temp dir, nothing of the
// machine's own sshd setup touched. Tests run as root, hence PermitRootLogin prohibit-password.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { makeTempDir, raceTimeout, removeDir, sleep, tail, TIMED_OUT } from './procs.js';

export const SSHD_BIN = '/usr/sbin/sshd';
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const READY_POLL_MS = 50;
/** sshd -e prints this once it listens. */
const LISTENING = /Server listening on 127\.0\.0\.1 port \d+/;

/** Why sshd cannot run here, or undefined when it can. */
export function sshdSkipReason(): string | undefined {
  if (!existsSync(SSHD_BIN)) return `${SSHD_BIN} not installed (Debian package openssh-server)`;
  if (!existsSync('/usr/bin/ssh-keygen')) return 'ssh-keygen not installed (Debian package openssh-client)';
  return undefined;
}

export interface Sshd {
  port: number;
  /** Temp dir holding keys and config; removed by stop(). */
  dir: string;
  /** An ed25519 client key whose public half is authorized. */
  clientKey: string;
  /** The server's ed25519 host public key line (`ssh-ed25519 AAAA...`). */
  hostPublicKey: string;
  /** A known_hosts line for this server (`[127.0.0.1]:port ssh-ed25519 ...`). */
  knownHostsLine: string;
  /** A new key pair in the temp dir, not authorized; returns the private key path. */
  newKey(name: string, passphrase?: string): string;
  stderr(): string;
  stop(): Promise<void>;
}

/** Few KDF rounds for passphrase-protected keys: the client decrypts them in JavaScript. */
const TEST_KDF_ROUNDS = '4';

function keygen(path: string, passphrase = ''): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-a', TEST_KDF_ROUNDS, '-N', passphrase, '-C', 'tetcd-test', '-f', path], { stdio: 'ignore' });
}

export interface SshdOptions {
  /** SFTP requests the server answers with "permission denied" (sftp-server -P), e.g. ['open']. */
  sftpDenied?: string[];
}

/** Starts sshd on a free loopback port; resolves once it listens. */
export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const dir = await makeTempDir('sshd');
  try {
    // privilege separation wants this dir to exist, whatever the config says
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const hostKey = join(dir, 'host_ed25519');
    const clientKey = join(dir, 'client_ed25519');
    keygen(hostKey);
    keygen(clientKey);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
    const port = await freePort();
    const cfg = join(dir, 'sshd_config');
    writeFileSync(
      cfg,
      [
        'ListenAddress 127.0.0.1',
        `Port ${port}`,
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'StrictModes no',
        'UsePAM no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        `Subsystem sftp internal-sftp${opts.sftpDenied?.length ? ` -P ${opts.sftpDenied.join(',')}` : ''}`,
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    execFileSync(SSHD_BIN, ['-t', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    return await launch(dir, port, cfg, clientKey, readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' '));
  } catch (err) {
    await removeDir(dir);
    throw err;
  }
}

async function launch(dir: string, port: number, cfg: string, clientKey: string, hostPublicKey: string): Promise<Sshd> {
  const child = spawn(SSHD_BIN, ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (log = (log + s).slice(-256 * 1024)));
  let exited = false;
  const done = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      log += `\nspawn error: ${err.message}`;
      resolve();
    });
  });
  void done.then(() => (exited = true));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      if ((await raceTimeout(done, STOP_TIMEOUT_MS)) === TIMED_OUT) {
        child.kill('SIGKILL');
        await done;
      }
    }
    await removeDir(dir);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!LISTENING.test(log)) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`sshd did not start listening on 127.0.0.1:${port}; stderr:\n${tail(log)}`);
    }
    await sleep(READY_POLL_MS);
  }
  return {
    port,
    dir,
    clientKey,
    hostPublicKey,
    knownHostsLine: `[127.0.0.1]:${port} ${hostPublicKey}`,
    newKey(name, passphrase) {
      const path = join(dir, name);
      keygen(path, passphrase);
      return path;
    },
    stderr: () => log,
    stop,
  };
}
