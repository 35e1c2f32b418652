// The tetcd-backup command line. Exit codes suit cron and systemd timers: 0 success,
// 1 the operation failed, 2 bad usage, 3 verify found problems in a set.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { TETCD_VERSION } from '../config/version.js';
import { readPodManifest } from './endpoints.js';
import { decryptKeys, encryptKeys } from './keys.js';
import { prune } from './prune.js';
import { restoreSet } from './restore.js';
import { runBackup, type ConfigSource } from './run.js';
import { LocalTarget, type Target } from './target.js';
import { verifySet } from './verify.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_VERIFY_PROBLEMS = 3;

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  env: NodeJS.ProcessEnv;
}

class UsageError extends Error {}

/** Below 2^10 a passphrase falls to brute force too easily; above 2^20 age-encryption refuses to decrypt. */
const MIN_SCRYPT_LOG_N = 10;
const MAX_SCRYPT_LOG_N = 20;

const collect = (v: string, prev: string[]) => [...prev, v];

function pairs(list: string[], flag: string): [string, string][] {
  return list.map((s) => {
    const i = s.indexOf('=');
    if (i <= 0 || i === s.length - 1) throw new UsageError(`${flag} wants name=value, got ${JSON.stringify(s)}`);
    return [s.slice(0, i), s.slice(i + 1)];
  });
}

function targetOf(o: { target?: string }): Target {
  if (!o.target) throw new UsageError('--target is required');
  return new LocalTarget(o.target);
}

async function resolveSet(target: Target, set: string): Promise<string> {
  if (set !== 'latest') return set;
  const complete = (await target.list()).filter((s) => s.complete);
  if (complete.length === 0) throw new Error(`no complete backup set in ${target.description}`);
  return complete[complete.length - 1]!.name;
}

/** The tetcd the restore starts: the one built beside this tool. */
function defaultTetcdCommand(): string[] {
  return [process.execPath, join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'tetcd.js')];
}

function program(io: CliIo, setCode: (c: number) => void): Command {
  const p = new Command('tetcd-backup').version(TETCD_VERSION).description('Back up and restore etcd/tetcd clusters: config dirs, v3 snapshot, v2 store; compressed, age-encrypted, verified');
  p.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const target = new Option('--target <dir>', 'local directory holding backup sets');

  p.command('run')
    .description('take one backup set')
    .addOption(target)
    .option('--endpoints <list>', 'comma-separated client endpoints; the first healthy one is used')
    .option('--pod-manifest <file>', 'find the endpoints in this etcd static pod manifest')
    .option('--cert <file>', 'client certificate').option('--key <file>', 'client key').option('--cacert <file>', 'CA bundle')
    .option('--config-dir <dir>', 'config dir of the member being backed up', '/etc/etcd')
    .option('--member <name=dir>', 'config dir of a member (repeatable); replaces --config-dir', collect, [])
    .option('--no-config', 'leave config dirs out')
    .option('--no-v2', 'leave the v2 store out')
    .addOption(new Option('--compression <kind>', 'compression').choices(['gzip', 'none']).default('gzip'))
    .option('--recipients-file <file>', 'encrypt to the age recipients in this file')
    .option('--passphrase-file <file>', 'encrypt with the passphrase in this file (or TETCD_BACKUP_PASSPHRASE)')
    .option('--no-encrypt', 'store unencrypted (explicit)')
    .option('--scrypt-work-factor <logN>', "passphrase mode: scrypt's log2 work factor (age's default 18; lower is faster and weaker)")
    .action(async (o) => {
      const t = targetOf(o);
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
      const members: ConfigSource[] = pairs(o.member, '--member').map(([member, dir]) => ({ member, dir }));
      const configs = !o.config ? [] : members.length > 0 ? members : [{ member: '', dir: o.configDir as string }];
      const m = await runBackup({
        target: t, endpoints, tls: { cert: o.cert, key: o.key, cacert: o.cacert }, encoding: { compression: o.compression, keys },
        configs, skipConfig: !o.config, skipV2: !o.v2, log: (l) => io.stderr(l + '\n'),
      });
      io.stdout(`${m.name}\n`);
    });

  p.command('list')
    .description('list backup sets')
    .addOption(target)
    .option('--json', 'print JSON')
    .action(async (o) => {
      const sets = await targetOf(o).list();
      if (o.json) io.stdout(JSON.stringify(sets) + '\n');
      else for (const s of sets) io.stdout(`${s.name}\t${s.complete ? 'complete' : 'INCOMPLETE'}\n`);
    });

  p.command('verify')
    .description('check every file of a set, decrypting; optionally restore it into a scratch member')
    .addOption(target)
    .option('--set <name>', 'set name or "latest"', 'latest')
    .option('--identity-file <file>', 'age identities (AGE-SECRET-KEY-...)')
    .option('--passphrase-file <file>', 'passphrase file (or TETCD_BACKUP_PASSPHRASE)')
    .option('--restore-test', 'restore into a scratch member on loopback and compare with the manifest')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const t = targetOf(o);
      const set = await resolveSet(t, o.set);
      const r = await verifySet(t, set, decryptKeys({ identityFile: o.identityFile, passphraseFile: o.passphraseFile }, io.env), !!o.restoreTest);
      if (o.json) io.stdout(JSON.stringify({ set: r.set, ok: r.ok, problems: r.problems, restored: r.restored }) + '\n');
      else {
        for (const pr of r.problems) io.stdout(`BROKEN ${pr.file}: ${pr.problem}\n`);
        io.stdout(r.ok ? `${set}: OK${r.restored ? ` (restore test: revision ${r.restored.revision}, ${r.restored.liveKeys} keys, hashKV ${r.restored.hashKV})` : ''}\n` : `${set}: ${r.problems.length} problem(s)\n`);
      }
      if (!r.ok) setCode(EXIT_VERIFY_PROBLEMS);
    });

  p.command('prune')
    .description('apply retention to complete sets')
    .addOption(target)
    .option('--keep-last <n>', 'keep the newest N sets', '0')
    .option('--keep-daily <n>', 'keep the newest set of each of the last N days', '0')
    .option('--keep-weekly <n>', 'keep the newest set of each of the last N ISO weeks', '0')
    .option('--dry-run', 'only print what would be removed')
    .action(async (o) => {
      const n = (v: string, f: string) => {
        if (!/^\d+$/.test(v)) throw new UsageError(`${f} wants a count, got ${v}`);
        return Number(v);
      };
      const gone = await prune(targetOf(o), { keepLast: n(o.keepLast, '--keep-last'), keepDaily: n(o.keepDaily, '--keep-daily'), keepWeekly: n(o.keepWeekly, '--keep-weekly') }, !!o.dryRun);
      for (const s of gone) io.stdout(`${o.dryRun ? 'would remove' : 'removed'} ${s}\n`);
    });

  p.command('restore')
    .description('restore a set: config dirs back, snapshot as a new single-member cluster, then print how to add the other members')
    .addOption(target)
    .option('--set <name>', 'set name or "latest"', 'latest')
    .option('--identity-file <file>', 'age identities').option('--passphrase-file <file>', 'passphrase file (or TETCD_BACKUP_PASSPHRASE)')
    .requiredOption('--name <name>', 'the member the snapshot becomes')
    .requiredOption('--data-dir <dir>', 'data dir to create')
    .option('--initial-advertise-peer-urls <url>', "the member's peer URL (default: from the backup)")
    .option('--advertise-client-urls <url>', "the member's client URL (default: from the backup)")
    .option('--initial-cluster-token <token>', 'token of the new cluster', 'etcd-cluster')
    .option('--config-target <name=dir>', "restore member name's config dir into dir (repeatable)", collect, [])
    .option('--start', 'start tetcd on the restored data dir')
    .option('--tetcd-bin <file>', 'the tetcd to start (node script or executable)')
    .action(async (o) => {
      const t = targetOf(o);
      const set = await resolveSet(t, o.set);
      const tetcdCommand = o.tetcdBin ? (String(o.tetcdBin).endsWith('.js') ? [process.execPath, o.tetcdBin] : [o.tetcdBin]) : defaultTetcdCommand();
      const r = await restoreSet({
        target: t, set, keys: decryptKeys({ identityFile: o.identityFile, passphraseFile: o.passphraseFile }, io.env), name: o.name, dataDir: o.dataDir,
        peerUrl: o.initialAdvertisePeerUrls, clientUrl: o.advertiseClientUrls, initialClusterToken: o.initialClusterToken,
        configDirs: new Map(pairs(o.configTarget, '--config-target')), start: !!o.start, tetcdCommand,
      });
      io.stdout(`restored ${set} (revision ${r.manifest.snapshot.revision}) into ${r.restored.dataDir} as member ${o.name}\n`);
      for (const m of r.configsRestored) io.stdout(`restored config dir of ${m}\n`);
      io.stdout(r.commands.join('\n') + '\n');
    });
  return p;
}

/** Runs one tetcd-backup invocation; resolves to the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let code = EXIT_OK;
  try {
    await program(io, (c) => (code = c)).parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    io.stderr(`Error: ${(err as Error).message}\n`);
    return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
}
