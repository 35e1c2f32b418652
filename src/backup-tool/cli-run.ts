// `tetcd-backup run`: take one backup set.
import type { Command } from 'commander';
import { Option } from 'commander';
import { readPodManifest } from './endpoints.js';
import { encryptKeys } from './keys.js';
import { runBackup, type ConfigSource, type RunOptions } from './run.js';
import { collect, pairs, targetOf, targetOption, UsageError, type CliIo } from './cli-common.js';

/** Below 2^10 a passphrase falls to brute force too easily; above 2^20 age-encryption refuses to decrypt. */
const MIN_SCRYPT_LOG_N = 10;
const MAX_SCRYPT_LOG_N = 20;

/** Adds the options of one backup run (shared by `run` and `schedule`). */
export function addRunOptions(c: Command): Command {
  return c
    .addOption(targetOption())
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
    .option('--scrypt-work-factor <logN>', "passphrase mode: scrypt's log2 work factor (age's default 18; lower is faster and weaker)");
}

/** Turns parsed run options into runBackup's options; throws UsageError on bad usage. */
export function runOptionsFrom(o: any, io: CliIo): RunOptions {
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
  return {
    target: t, endpoints, tls: { cert: o.cert, key: o.key, cacert: o.cacert }, encoding: { compression: o.compression, keys },
    configs, skipConfig: !o.config, skipV2: !o.v2, log: (l) => io.stderr(l + '\n'),
  };
}

export function registerRun(p: Command, io: CliIo): void {
  addRunOptions(p.command('run').description('take one backup set')).action(async (o) => {
    const m = await runBackup(runOptionsFrom(o, io));
    io.stdout(`${m.name}\n`);
  });
}
