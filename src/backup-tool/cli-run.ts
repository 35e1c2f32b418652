// `tetcd-backup run`: take one backup set.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { readPodManifest } from './endpoints.js';
import { encryptKeys } from './keys.js';
import { runBackup, type ConfigSource, type RunOptions } from './run.js';
import { DEFAULT_SSH_PORT, DEFAULT_SSH_READY_TIMEOUT_MS, DEFAULT_SSH_TRANSFER_TIMEOUT_MS, parseRemoteSpec, SSH_KEY_PASSPHRASE_ENV, type SshAuth } from './ssh-config.js';
import { collect, pairs, targetOf, targetOption, UsageError, type CliIo } from './cli-common.js';

/** Below 2^10 a passphrase falls to brute force too easily; above 2^20 age-encryption refuses to decrypt. */
const MIN_SCRYPT_LOG_N = 10;
const MAX_SCRYPT_LOG_N = 20;
/** One day: far above any config dir's transfer, and well inside setTimeout's 2^31-1 ms. */
const MAX_SSH_TRANSFER_TIMEOUT_S = 86_400;

/** Adds the options of one backup run (shared by `run` and `schedule`). */
export function addRunOptions(c: Command): Command {
  return c
    .addOption(targetOption())
    .option('--endpoints <list>', 'comma-separated client endpoints; the first healthy one is used')
    .option('--pod-manifest <file>', 'find the endpoints in this etcd static pod manifest')
    .option('--cert <file>', 'client certificate').option('--key <file>', 'client key').option('--cacert <file>', 'CA bundle')
    .option('--config-dir <dir>', 'config dir of the member being backed up', '/etc/etcd')
    .option('--member <name=dir>', 'config dir of a member (repeatable); replaces --config-dir. dir is a local path, or read over SSH: [user@]host[:port]:/abs/dir or ssh://[user@]host[:port]/abs/dir', collect, [])
    .option('--ssh-user <user>', 'SSH user for member hosts without user@ (default: the current user)')
    .option('--ssh-key <file>', `SSH private key (default: ~/.ssh/id_ed25519, then ~/.ssh/id_rsa; passphrase in ${SSH_KEY_PASSPHRASE_ENV})`)
    .option('--ssh-port <port>', 'SSH port for member hosts without :port', String(DEFAULT_SSH_PORT))
    .option('--ssh-known-hosts <file>', 'known_hosts file member host keys are checked against (default: ~/.ssh/known_hosts)')
    .option('--ssh-insecure-skip-host-key-check', 'accept any member host key (INSECURE: allows man-in-the-middle)')
    .option('--ssh-timeout <seconds>', 'bound on connecting and authenticating to a member host', String(DEFAULT_SSH_READY_TIMEOUT_MS / 1000))
    .option('--ssh-transfer-timeout <seconds>', 'bound on copying one member config dir once connected (a stalled SFTP server fails the run)', String(DEFAULT_SSH_TRANSFER_TIMEOUT_MS / 1000))
    .option('--no-config', 'leave config dirs out')
    .option('--no-v2', 'leave the v2 store out')
    .addOption(new Option('--compression <kind>', 'compression').choices(['gzip', 'none']).default('gzip'))
    .option('--recipients-file <file>', 'encrypt to the age recipients in this file')
    .option('--passphrase-file <file>', 'encrypt with the passphrase in this file (or TETCD_BACKUP_PASSPHRASE)')
    .option('--no-encrypt', 'store unencrypted (explicit)')
    .option('--scrypt-work-factor <logN>', "passphrase mode: scrypt's log2 work factor (age's default 18; lower is faster and weaker)");
}

/** Turns parsed run options into runBackup's options; throws UsageError on bad usage. */
export function runOptionsFrom(o: any, io: CliIo): RunOptions {
  const t = targetOf(o, io.env);
  const keys = encryptKeys({ recipientsFile: o.recipientsFile, passphraseFile: o.passphraseFile, noEncrypt: !o.encrypt }, io.env);
  if (o.scryptWorkFactor !== undefined) {
    const logN = Number(o.scryptWorkFactor);
    if (!Number.isInteger(logN) || logN < MIN_SCRYPT_LOG_N || logN > MAX_SCRYPT_LOG_N) throw new UsageError(`--scrypt-work-factor wants ${MIN_SCRYPT_LOG_N}..${MAX_SCRYPT_LOG_N}`);
    if (keys.mode !== 'passphrase') throw new UsageError('--scrypt-work-factor applies to passphrase encryption only');
    keys.scryptWorkFactor = logN;
  }
  let endpoints: string[];
  if (o.endpoints) endpoints = String(o.endpoints).split(',').map((e) => e.trim()).filter((e) => e !== '');
  else if (o.podManifest) endpoints = readPodManifest(o.podManifest);
  else throw new UsageError('give --endpoints or --pod-manifest');
  const sshPort = Number(o.sshPort ?? DEFAULT_SSH_PORT);
  if (!Number.isInteger(sshPort) || sshPort < 1 || sshPort > 65535) throw new UsageError('--ssh-port wants 1..65535');
  const sshDefaults = { user: (o.sshUser as string | undefined) ?? userInfo().username, port: sshPort };
  const members = pairs(o.member, '--member').map(([member, value]) => configSource(member, value, sshDefaults));
  const configs = !o.config ? [] : members.length > 0 ? members : [{ member: '', dir: o.configDir as string }];
  const ssh = configs.some((c) => c.remote) ? sshAuthOf(o, io) : undefined;
  return {
    target: t, endpoints, tls: { cert: o.cert, key: o.key, cacert: o.cacert }, encoding: { compression: o.compression, keys },
    configs, skipConfig: !o.config, skipV2: !o.v2, ssh, log: (l) => io.stderr(l + '\n'),
  };
}

function configSource(member: string, value: string, sshDefaults: { user: string; port: number }): ConfigSource {
  let remote;
  try {
    remote = parseRemoteSpec(value, sshDefaults);
  } catch (err) {
    throw new UsageError(`--member ${member}: ${(err as Error).message}`);
  }
  if (!remote) return { member, dir: value };
  const { dir, ...host } = remote;
  return { member, dir, remote: host };
}

/** Key and known_hosts paths are only named here; they are read at each run (keys rotate). */
function sshAuthOf(o: any, io: CliIo): SshAuth {
  const home = io.env.HOME || homedir();
  if (o.sshInsecureSkipHostKeyCheck && o.sshKnownHosts) throw new UsageError('--ssh-known-hosts and --ssh-insecure-skip-host-key-check contradict each other');
  const timeout = Number(o.sshTimeout);
  if (!(timeout > 0 && timeout <= 600)) throw new UsageError('--ssh-timeout wants seconds in (0, 600]');
  const transfer = Number(o.sshTransferTimeout ?? DEFAULT_SSH_TRANSFER_TIMEOUT_MS / 1000);
  if (!(transfer > 0 && transfer <= MAX_SSH_TRANSFER_TIMEOUT_S)) throw new UsageError(`--ssh-transfer-timeout wants seconds in (0, ${MAX_SSH_TRANSFER_TIMEOUT_S}]`);
  return {
    keyFiles: o.sshKey ? [o.sshKey as string] : [join(home, '.ssh', 'id_ed25519'), join(home, '.ssh', 'id_rsa')],
    passphrase: io.env[SSH_KEY_PASSPHRASE_ENV] || undefined,
    knownHostsFile: (o.sshKnownHosts as string | undefined) ?? join(home, '.ssh', 'known_hosts'),
    skipHostKeyCheck: !!o.sshInsecureSkipHostKeyCheck,
    readyTimeoutMs: Math.round(timeout * 1000),
    transferTimeoutMs: Math.round(transfer * 1000),
  };
}

export function registerRun(p: Command, io: CliIo): void {
  addRunOptions(p.command('run').description('take one backup set')).action(async (o) => {
    const m = await runBackup(runOptionsFrom(o, io));
    io.stdout(`${m.name}\n`);
  });
}
