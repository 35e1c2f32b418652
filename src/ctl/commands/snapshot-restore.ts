// `snapshot restore`: etcdctl 3.4's flags, defaults, errors and stderr lines; the data dir
// itself is written by backup/ (restoreSnapshot). Nothing goes to stdout, as with etcdctl.
// --bump-revision and --mark-compacted are etcdutl's (3.5.x/3.6), with its flag check and message.
import { restoreSnapshot, zapLogTo } from '../../backup/index.js';
import { checkBumpFlags } from '../../backup/revision-bump.js';
import { CtlError, ExitCode, type CommandSpec, type RunContext } from '../cli/command.js';

const DEFAULT_NAME = 'default';
const DEFAULT_PEER_URL = 'http://localhost:2380';

async function restore(ctx: RunContext): Promise<void> {
  if (ctx.args.length !== 1) throw new CtlError('snapshot restore requires exactly one argument', ExitCode.badArgs);
  const f = ctx.flags;
  const bump = f.big('bump-revision');
  const markCompacted = f.bool('mark-compacted');
  try {
    checkBumpFlags(bump, markCompacted);
  } catch (err) {
    throw new CtlError((err as Error).message, ExitCode.badArgs);
  }
  try {
    await restoreSnapshot(
      {
        snapshotPath: ctx.args[0]!,
        name: f.str('name'),
        dataDir: f.str('data-dir'),
        walDir: f.str('wal-dir'),
        peerUrls: f.str('initial-advertise-peer-urls'),
        initialCluster: f.str('initial-cluster'),
        initialClusterToken: f.str('initial-cluster-token'),
        skipHashCheck: f.bool('skip-hash-check'),
        revisionBump: Number(bump),
        markCompacted,
      },
      zapLogTo((line) => ctx.io.stderr(line)),
    );
  } catch (err) {
    throw new CtlError((err as Error).message, ExitCode.error);
  }
}

export const snapshotRestoreCommand: CommandSpec = {
  name: 'restore',
  use: 'restore <filename> [options]',
  short: 'Restores an etcd member snapshot to an etcd directory',
  flags: [
    { name: 'data-dir', kind: 'string', usage: 'Path to the data directory', def: '' },
    { name: 'wal-dir', kind: 'string', usage: 'Path to the WAL directory (use --data-dir if none given)', def: '' },
    { name: 'initial-cluster', kind: 'string', usage: 'Initial cluster configuration for restore bootstrap', def: `${DEFAULT_NAME}=${DEFAULT_PEER_URL}` },
    { name: 'initial-cluster-token', kind: 'string', usage: 'Initial cluster token for the etcd cluster during restore bootstrap', def: 'etcd-cluster' },
    { name: 'initial-advertise-peer-urls', kind: 'string', usage: "List of this member's peer URLs to advertise to the rest of the cluster", def: DEFAULT_PEER_URL },
    { name: 'name', kind: 'string', usage: 'Human-readable name for this member', def: DEFAULT_NAME },
    { name: 'skip-hash-check', kind: 'bool', usage: 'Ignore snapshot integrity hash value (required if copied from data directory)', def: false },
    { name: 'bump-revision', kind: 'uint', usage: 'How much to increase the latest revision after restore', def: 0 },
    {
      name: 'mark-compacted',
      kind: 'bool',
      usage: 'Mark the latest revision after restore as the point of scheduled compaction (required if --bump-revision > 0, disallowed otherwise)',
      def: false,
    },
  ],
  run: restore,
};
