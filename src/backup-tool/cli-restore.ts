// `tetcd-backup restore`: the operations guide's restore procedure.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { BUMP_FLAGS_MESSAGE } from '../backup/revision-bump.js';
import { decryptKeys } from './keys.js';
import { addMembers, restoreSet } from './restore.js';
import { collect, pairs, resolveSet, targetOf, targetOption, UsageError, type CliIo } from './cli-common.js';

/** --bump-revision's value: a non-negative integer within tetcd's revision range. */
function bumpAmount(v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--bump-revision wants a non-negative integer up to ${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** --member-join-timeout's value: seconds, a positive number. */
function joinTimeoutMs(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0) throw new UsageError(`--member-join-timeout wants a positive number of seconds, got ${JSON.stringify(v)}`);
  return Math.round(Number(v) * 1000);
}

/** The tetcd the restore starts: the one built beside this tool. */
function defaultTetcdCommand(): string[] {
  return [process.execPath, join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'tetcd.js')];
}

export function registerRestore(p: Command, io: CliIo): void {
  p.command('restore')
    .description('restore a set: config dirs back, snapshot as a new single-member cluster, then print how to add the other members (or, with --start --add-members, add them)')
    .addOption(targetOption())
    .option('--set <name>', 'set name or "latest"', 'latest')
    .option('--identity-file <file>', 'age identities').option('--passphrase-file <file>', 'passphrase file (or TETCD_BACKUP_PASSPHRASE)')
    .requiredOption('--name <name>', 'the member the snapshot becomes')
    .requiredOption('--data-dir <dir>', 'data dir to create')
    .option('--initial-advertise-peer-urls <url>', "the member's peer URL (default: from the backup)")
    .option('--advertise-client-urls <url>', "the member's client URL (default: from the backup)")
    .option('--initial-cluster-token <token>', 'token of the new cluster', 'etcd-cluster')
    .option('--config-target <name=dir>', "restore member name's config dir into dir (repeatable)", collect, [])
    .option('--start', 'start tetcd on the restored data dir')
    .option('--add-members', 'after --start, add the other members of the backup one by one, printing each one\'s start command and waiting for it to start')
    .option('--member-join-timeout <seconds>', 'with --add-members: how long each added member has to be started on its host', '900')
    .option('--tetcd-bin <file>', 'the tetcd to start (node script or executable)')
    .option('--bump-revision <n>', 'raise the latest revision by n after restore (as etcdutl; needs --mark-compacted)', '0')
    .option('--mark-compacted', 'record the bumped revision as compacted, so watchers of the old cluster get "compacted" (needs --bump-revision)')
    .option('--no-v2', "leave the set's v2 store out")
    .action(async (o) => {
      const revisionBump = bumpAmount(String(o.bumpRevision));
      const markCompacted = !!o.markCompacted;
      if ((revisionBump > 0) !== markCompacted) throw new UsageError(BUMP_FLAGS_MESSAGE);
      if (o.addMembers && !o.start) throw new UsageError('--add-members needs --start (the members are added through the started member)');
      const joinMs = joinTimeoutMs(String(o.memberJoinTimeout));
      const t = targetOf(o, io.env);
      const set = await resolveSet(t, o.set);
      const tetcdCommand = o.tetcdBin ? (String(o.tetcdBin).endsWith('.js') ? [process.execPath, o.tetcdBin] : [o.tetcdBin]) : defaultTetcdCommand();
      const configDirs = new Map(pairs(o.configTarget, '--config-target'));
      const r = await restoreSet({
        target: t, set, keys: decryptKeys({ identityFile: o.identityFile, passphraseFile: o.passphraseFile }, io.env), name: o.name, dataDir: o.dataDir,
        peerUrl: o.initialAdvertisePeerUrls, clientUrl: o.advertiseClientUrls, initialClusterToken: o.initialClusterToken,
        configDirs, start: !!o.start, tetcdCommand,
        revisionBump, markCompacted, skipV2: o.v2 === false,
      });
      io.stdout(`restored ${set} (revision ${r.manifest.snapshot.revision}) into ${r.restored.dataDir} as member ${o.name}\n`);
      if (r.restored.bumpedRevision !== undefined) io.stdout(`revision bumped by ${revisionBump} to ${r.restored.bumpedRevision}, marked compacted\n`);
      io.stdout(r.v2.restored ? `restored v2 store (${r.v2.nodes} nodes, ${r.v2.withTtl} with a TTL)\n` : `v2 store not restored: ${r.v2.reason}\n`);
      for (const m of r.configsRestored) io.stdout(`restored config dir of ${m}\n`);
      if (!o.addMembers) {
        io.stdout(r.commands.join('\n') + '\n');
        return;
      }
      io.stdout(`${r.commands[0]}\n`);
      const inSet = new Set(r.manifest.files.filter((f) => f.kind === 'config').map((f) => f.member));
      await addMembers({
        endpoint: r.clientUrl, members: r.manifest.members.filter((m) => m.name !== o.name),
        joinTimeoutMs: joinMs, enableV2: r.v2.restored, output: io.stdout, pid: r.pid, logPath: r.logPath,
        configNote: (name) =>
          configDirs.has(name) ? `restored into ${configDirs.get(name)} on this host: put it in place on ${name}'s host before starting`
          : inSet.has(name) ? `in set ${set}, not restored here (restore it with --config-target ${name}=DIR)` : 'the set holds none',
      });
    });
}
