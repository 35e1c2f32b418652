// make-mirror [options] <destination> (make_mirror_command.go, clientv3/mirror): copies the
// source's keys (under --prefix) as of one revision to the destination cluster, then follows
// the source's watch from the next revision, replaying each revision's events as one txn.
// Prints the number of keys mirrored so far every 30 seconds, as etcdctl.
import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { Event_EventType } from '../../proto/mvcc/mvccpb/kv.js';
import { RangeRequest, type RequestOp } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { errorText, V3Client } from '../../client/v3.js';
import { CtlError, ExitCode, type CommandSpec, type RunContext } from '../cli/command.js';
import { WatchLostError, watchResponses } from '../concurrency/index.js';
import { clientFor, must } from '../globals.js';
import { prefixRangeEnd } from '../keys.js';

const REPORT_INTERVAL_MS = 30_000;
/** clientv3/mirror's batchLimit: keys per range request of the initial copy. */
const BATCH_LIMIT = 1000n;
/** Pause before resuming a lost source watch (clientv3 resumes watches on its own). */
const WATCH_RETRY_MS = 500;
const ERR_COMPACTED = 'etcdserver: mvcc: required revision has been compacted';

const MIRROR_FLAGS = [
  { name: 'prefix', kind: 'string', usage: 'Key-value prefix to mirror' },
  { name: 'dest-prefix', kind: 'string', usage: 'destination prefix to mirror a prefix to a different prefix in the destination cluster' },
  { name: 'no-dest-prefix', kind: 'bool', usage: 'mirror key-values to the root of the destination cluster' },
  { name: 'dest-cert', kind: 'string', usage: 'Identify secure client using this TLS certificate file for the destination cluster' },
  { name: 'dest-key', kind: 'string', usage: 'Identify secure client using this TLS key file' },
  { name: 'dest-cacert', kind: 'string', usage: 'Verify certificates of TLS enabled secure servers using this CA bundle' },
  { name: 'dest-insecure-transport', kind: 'bool', def: true, usage: 'Disable transport security for client connections' },
] as const;

function readPem(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CtlError((err as Error).message, ExitCode.badArgs);
  }
}

/** The destination's credentials from the --dest-* flags (etcdctl's secureCfg for it). */
function destCredentials(ctx: RunContext, endpoint: string): ChannelCredentials | undefined {
  const f = ctx.flags;
  const cert = f.str('dest-cert');
  const key = f.str('dest-key');
  const cacert = f.str('dest-cacert');
  if (cert === '' && key === '' && cacert === '' && f.bool('dest-insecure-transport') && !endpoint.startsWith('https://')) return undefined;
  if ((cert === '') !== (key === '')) throw new CtlError(`KeyFile and CertFile must both be present[key: ${key}, cert: ${cert}]`, ExitCode.badArgs);
  return credentials.createSsl(cacert ? readPem(cacert) : null, key ? readPem(key) : null, cert ? readPem(cert) : null);
}

async function destClient(ctx: RunContext, endpoint: string): Promise<V3Client> {
  const c = new V3Client({
    endpoints: [endpoint],
    dialTimeoutMs: ctx.flags.ms('dial-timeout'),
    commandTimeoutMs: ctx.flags.ms('command-timeout'),
    keepaliveTimeMs: ctx.flags.ms('keepalive-time'),
    keepaliveTimeoutMs: ctx.flags.ms('keepalive-timeout'),
    credentials: destCredentials(ctx, endpoint),
    warn: (line) => ctx.io.stderr(line),
  });
  try {
    await c.dial();
  } catch (err) {
    c.close();
    throw new CtlError(errorText(err), ExitCode.badConnection);
  }
  return c;
}

/** strings.Replace(key, from, to, 1) on bytes: the first occurrence anywhere (an empty `from` prepends). */
export function replaceFirst(key: Buffer, from: Buffer, to: Buffer): Buffer {
  const i = key.indexOf(from);
  return i < 0 ? key : Buffer.concat([key.subarray(0, i), to, key.subarray(i + from.length)]);
}

interface Mirror {
  readonly src: V3Client;
  readonly dst: V3Client;
  readonly prefix: Buffer;
  readonly destPrefix: Buffer;
  total: number;
}

/** The range covering the mirrored keys: the prefix's, or every key when there is none. */
function sourceRange(prefix: Buffer): { key: Buffer; rangeEnd: Buffer } {
  return prefix.length === 0 ? { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) } : { key: prefix, rangeEnd: prefixRangeEnd(prefix) };
}

/** SyncBase: the keys as of `rev`, in batches, each put to the destination. */
async function copyBase(m: Mirror, rev: bigint): Promise<void> {
  const { key: start, rangeEnd } = sourceRange(m.prefix);
  let key = start;
  for (;;) {
    const resp = await m.src.unary('kv', 'range', RangeRequest.fromPartial({ key, range_end: rangeEnd, limit: BATCH_LIMIT, revision: rev }));
    for (const kv of resp.kvs) {
      await m.dst.unary('kv', 'put', { key: replaceFirst(kv.key, m.prefix, m.destPrefix), value: kv.value, lease: 0n, prev_kv: false, ignore_value: false, ignore_lease: false });
      m.total++;
    }
    if (!resp.more || resp.kvs.length === 0) return;
    key = Buffer.concat([resp.kvs[resp.kvs.length - 1]!.key, Buffer.from([0])]);
  }
}

/** SyncUpdates: follows the source from `rev + 1`, one destination txn per source revision. */
async function followUpdates(m: Mirror, rev: bigint): Promise<never> {
  const { key, rangeEnd } = sourceRange(m.prefix);
  let next = rev + 1n;
  const commit = async (ops: RequestOp[]) => {
    if (ops.length > 0) await m.dst.unary('kv', 'txn', { compare: [], success: ops, failure: [] });
  };
  for (;;) {
    try {
      for await (const wr of watchResponses(m.src, key, { rangeEnd, startRevision: next })) {
        if (wr.compact_revision !== 0n) throw new CtlError(ERR_COMPACTED);
        if (wr.canceled) throw new CtlError(wr.cancel_reason || ERR_COMPACTED);
        let ops: RequestOp[] = [];
        let lastRev = 0n;
        for (const ev of wr.events) {
          const kv = ev.kv!;
          if (lastRev !== 0n && kv.mod_revision > lastRev) {
            await commit(ops);
            ops = [];
          }
          lastRev = kv.mod_revision;
          const dkey = replaceFirst(kv.key, m.prefix, m.destPrefix);
          ops.push(
            ev.type === Event_EventType.DELETE
              ? { request: { $case: 'request_delete_range', value: { key: dkey, range_end: Buffer.alloc(0), prev_kv: false } } }
              : { request: { $case: 'request_put', value: { key: dkey, value: kv.value, lease: 0n, prev_kv: false, ignore_value: false, ignore_lease: false } } },
          );
          m.total++;
        }
        await commit(ops);
        if (lastRev !== 0n) next = lastRev + 1n;
      }
    } catch (err) {
      if (!(err instanceof WatchLostError)) throw err;
    }
    await new Promise((r) => setTimeout(r, WATCH_RETRY_MS));
  }
}

export const makeMirrorCommand: CommandSpec = {
  name: 'make-mirror',
  use: 'make-mirror [options] <destination>',
  short: 'Makes a mirror at the destination etcd cluster',
  flags: MIRROR_FLAGS,
  async run(ctx) {
    if (ctx.args.length !== 1) throw new CtlError('make-mirror takes one destination argument', ExitCode.badArgs);
    const dst = await destClient(ctx, ctx.args[0]!);
    let src: V3Client | undefined;
    const m = { dst, total: 0 } as Partial<Mirror> & { total: number };
    const timer = setInterval(() => ctx.io.stdout(`${m.total}\n`), REPORT_INTERVAL_MS);
    try {
      src = await clientFor(ctx);
      const prefix = ctx.flags.str('prefix');
      // SyncBase picks the source's current revision with a read of "foo", before the flag check.
      const head = await must(src.unary('kv', 'range', RangeRequest.fromPartial({ key: Buffer.from('foo') })));
      const noDest = ctx.flags.bool('no-dest-prefix');
      const destPrefix = ctx.flags.str('dest-prefix');
      if (noDest && destPrefix.length > 0) throw new CtlError('`--dest-prefix` and `--no-dest-prefix` cannot be set at the same time, choose one', ExitCode.badArgs);
      const mirror: Mirror = Object.assign(m, { src, dst, prefix: Buffer.from(prefix), destPrefix: Buffer.from(noDest || destPrefix.length > 0 ? destPrefix : prefix) });
      const rev = head.header!.revision;
      await must(copyBase(mirror, rev));
      await must(followUpdates(mirror, rev));
    } finally {
      clearInterval(timer);
      src?.close();
      dst.close();
    }
  },
};
