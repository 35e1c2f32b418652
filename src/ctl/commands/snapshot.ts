// snapshot save (one endpoint, FILE.part, fsync, rename, mode 0600) and snapshot status (hash,
// revision, keys and size of a bbolt file), as etcdctl and clientv3/snapshot do them.
// `snapshot restore` is in snapshot-restore.ts (the data dir is written by backup/).
import { closeSync, fsyncSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { crc32c } from '@node-rs/crc32';
import { openBolt } from '../../snap/bbolt/index.js';
import type { SnapshotResponse } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { errorText } from '../../client/v3.js';
import { CtlError, ExitCode, type CommandSpec, type RunContext } from '../cli/command.js';
import { applyEnv, endpointClient, endpointsOf, printerFor } from '../globals.js';
import { humanizeBytes } from '../printer/go-format.js';
import type { DBStatus } from '../printer/index.js';
import { snapshotRestoreCommand } from './snapshot-restore.js';

/** zap's production encoder line, as clientv3/snapshot logs its progress on stderr. */
function zapInfo(ctx: RunContext, caller: string, msg: string, fields: Record<string, unknown> = {}, isoTs = false): void {
  const ts = isoTs ? new Date().toISOString() : Date.now() / 1000;
  ctx.io.stderr(JSON.stringify({ level: 'info', ts, caller, msg, ...fields }) + '\n');
}

async function save(ctx: RunContext): Promise<void> {
  if (ctx.args.length !== 1) throw new CtlError('snapshot save expects one argument', ExitCode.badArgs);
  applyEnv(ctx);
  printerFor(ctx);
  const eps = endpointsOf(ctx);
  if (eps.length !== 1) throw new CtlError(`snapshot must be requested to one selected node, not multiple [${eps.join(' ')}]`, ExitCode.interrupted);
  const path = ctx.args[0]!;
  const part = `${path}.part`;
  const fd = openSync(part, 'w', 0o600);
  zapInfo(ctx, 'snapshot/v3_snapshot.go:119', 'created temporary db file', { path: part });
  const start = performance.now();
  const c = await endpointClient(ctx, eps);
  try {
    // Without an explicit --command-timeout the download has no deadline (etcdctl's rule).
    const deadline = ctx.flags.isChanged('command-timeout') ? new Date(Date.now() + ctx.flags.ms('command-timeout')) : undefined;
    const stream = c.serverStream('maintenance', 'snapshot', {}, { endpoint: 0, deadline });
    zapInfo(ctx, 'clientv3/maintenance.go:200', 'opened snapshot stream; downloading', {}, true);
    zapInfo(ctx, 'snapshot/v3_snapshot.go:127', 'fetching snapshot', { endpoint: eps[0] });
    let size = 0;
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (r: SnapshotResponse) => {
        writeSync(fd, r.blob);
        size += r.blob.length;
      });
      stream.on('error', reject);
      stream.on('end', resolve);
    });
    zapInfo(ctx, 'clientv3/maintenance.go:208', 'completed snapshot read; closing', {}, true);
    fsyncSync(fd);
    closeSync(fd);
    zapInfo(ctx, 'snapshot/v3_snapshot.go:142', 'fetched snapshot', { endpoint: eps[0], size: humanizeBytes(size), took: (performance.now() - start) / 1000 });
    renameSync(part, path);
    zapInfo(ctx, 'snapshot/v3_snapshot.go:152', 'saved', { path });
  } catch (err) {
    closeSync(fd);
    throw new CtlError(errorText(err), ExitCode.interrupted);
  } finally {
    c.close();
  }
  ctx.io.stdout(`Snapshot saved at ${path}\n`);
}

/** clientv3/snapshot Status: CRC-32C over bucket names, keys and values in bolt order. */
export function dbStatus(path: string): DBStatus {
  statSync(path);
  const db = openBolt(path);
  try {
    let hash = 0;
    let revision = 0n;
    let totalKey = 0;
    for (const bucket of db.buckets()) {
      hash = crc32c(bucket, hash);
      const isKey = bucket.toString() === 'key';
      for (const [k, v] of db.iterate(bucket)) {
        hash = crc32c(k, hash);
        hash = crc32c(v, hash);
        if (isKey) revision = k.readBigInt64BE(0);
        totalKey++;
      }
    }
    return { hash: hash >>> 0, revision, totalKey, totalSize: db.meta.pgid * db.pageSize };
  } finally {
    db.close();
  }
}

export const snapshotCommand: CommandSpec = {
  name: 'snapshot',
  use: 'snapshot <subcommand>',
  short: 'Manages etcd node snapshots',
  subcommands: [
    { name: 'save', use: 'save <filename>', short: 'Stores an etcd node backend snapshot to a given file', run: save },
    {
      name: 'status',
      use: 'status <filename>',
      short: 'Gets backend snapshot status of a given file',
      long: `
When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.
The items in the lists are hash, revision, total keys, total size.
`,
      async run(ctx) {
        if (ctx.args.length !== 1) throw new CtlError('snapshot status requires exactly one argument', ExitCode.badArgs);
        const p = printerFor(ctx);
        let s: DBStatus;
        try {
          s = dbStatus(ctx.args[0]!);
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          throw new CtlError(e.code === 'ENOENT' ? `stat ${ctx.args[0]}: no such file or directory` : e.message);
        }
        p.dbStatus(s);
      },
    },
    snapshotRestoreCommand,
  ],
};
