// watch: key/range/prefix watches printed as events arrive, `-- command` run per event with
// ETCD_WATCH_* in its environment, and -i to read `watch ...`/`progress` lines (watch_command.go).
import { spawn } from 'node:child_process';
import { Event_EventType } from '../../proto/mvcc/mvccpb/kv.js';
import { WatchRequest, type WatchResponse } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { V3Client } from '../../client/v3.js';
import { CtlError, ExitCode, helpFlag, type CommandSpec, type RunContext } from '../cli/command.js';
import { FlagValues, parseFlags, type FlagSpec } from '../cli/flags.js';
import { clientFor, printerFor } from '../globals.js';
import { prefixRangeEnd } from '../keys.js';
import { goQuote } from '../printer/go-format.js';
import type { Printer } from '../printer/index.js';
import { LineReader } from '../stdin.js';
import { argify } from './txn.js';

const WATCH_FLAGS: readonly FlagSpec[] = [
  { name: 'interactive', short: 'i', kind: 'bool', usage: 'Interactive mode' },
  { name: 'prefix', kind: 'bool', usage: 'Watch on a prefix if prefix is set' },
  { name: 'rev', kind: 'int', usage: 'Revision to start watching' },
  { name: 'prev-kv', kind: 'bool', usage: 'get the previous key-value pair before the event happens' },
];

const ERR_NUM = 'bad number of arguments';
const ERR_ENV = 'bad number of arguments (found conflicting environment key)';
const ERR_SEP = 'bad number of arguments (found separator --, but no commands)';

interface WatchSpec {
  key: string;
  rangeEnd?: string;
  prefix: boolean;
  rev: bigint;
  prevKv: boolean;
}

function watchSpec(args: string[], f: FlagValues): WatchSpec {
  if (args.length < 1) throw new Error(ERR_NUM);
  if (args.length === 2 && f.bool('prefix')) throw new Error('`range_end` and `--prefix` are mutually exclusive');
  return { key: args[0]!, rangeEnd: args.length === 2 ? args[1] : undefined, prefix: f.bool('prefix'), rev: f.big('rev'), prevKv: f.bool('prev-kv') };
}

function createRequest(w: WatchSpec): WatchRequest {
  let key: Buffer = Buffer.from(w.key);
  let end: Buffer = w.rangeEnd !== undefined ? Buffer.from(w.rangeEnd) : Buffer.alloc(0);
  if (w.prefix) {
    if (key.length === 0) {
      key = Buffer.from([0]);
      end = Buffer.from([0]);
    } else end = prefixRangeEnd(key);
  }
  return WatchRequest.fromPartial({
    request_union: { $case: 'create_request', value: { key, range_end: end, start_revision: w.rev, prev_kv: w.prevKv } },
  });
}

/** Why the server cancelled a watch, as clientv3's WatchResponse.Err. */
function cancelError(r: WatchResponse): string {
  if (r.compact_revision !== 0n) return 'etcdserver: mvcc: required revision has been compacted';
  if (r.cancel_reason !== '') return r.cancel_reason;
  return 'etcdserver: mvcc: required revision is a future revision';
}

async function runExec(ctx: RunContext, execArgs: string[], r: WatchResponse): Promise<void> {
  for (const ev of r.events) {
    const env = {
      ...ctx.env,
      ETCD_WATCH_REVISION: String(r.header?.revision ?? 0n),
      ETCD_WATCH_EVENT_TYPE: goQuote(ev.type === Event_EventType.DELETE ? 'DELETE' : 'PUT'),
      ETCD_WATCH_KEY: goQuote(ev.kv?.key ?? Buffer.alloc(0)),
      ETCD_WATCH_VALUE: goQuote(ev.kv?.value ?? Buffer.alloc(0)),
    };
    const code = await new Promise<number | string>((resolve) => {
      const child = spawn(execArgs[0]!, execArgs.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (c: Buffer) => ctx.io.stdout(c));
      child.stderr.on('data', (c: Buffer) => ctx.io.stderr(c.toString()));
      child.on('error', (e: NodeJS.ErrnoException) => resolve(`exec: ${goQuote(execArgs[0]!)}: ${e.code === 'ENOENT' ? 'executable file not found in $PATH' : e.message}`));
      child.on('close', (c, sig) => resolve(sig ? `signal: ${sig}` : (c ?? 0)));
    });
    if (code !== 0) {
      const why = typeof code === 'number' ? `exit status ${code}` : code;
      ctx.io.stderr(`command [${execArgs.join(' ')}] error (${why})\n`);
      throw new CtlError('', ExitCode.error, true);
    }
  }
}

/** One watch stream; resolves when the server cancels it (after printing as etcdctl does). */
function watchStream(ctx: RunContext, c: V3Client, p: Printer, spec: WatchSpec, execArgs: string[]): { done: Promise<void>; progress(): void } {
  const stream = c.duplex('watch', 'watch');
  let queue = Promise.resolve();
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (r: WatchResponse) => {
      queue = queue.then(async () => {
        if (r.created && !r.canceled) return;
        if (r.canceled) ctx.io.stderr(`watch was canceled (${cancelError(r)})\n`);
        const progress = r.events.length === 0 && !r.canceled && !r.created && r.compact_revision === 0n && (r.header?.revision ?? 0n) !== 0n;
        if (progress) ctx.io.stdout(`progress notify: ${r.header!.revision}\n`);
        p.watch(r);
        if (execArgs.length > 0) await runExec(ctx, execArgs, r);
        if (r.canceled) {
          stream.cancel();
          resolve();
        }
      });
      queue.catch(reject);
    });
    stream.on('error', (err: { code?: number }) => (err.code === 1 ? resolve() : reject(err)));
    stream.on('end', () => resolve());
  });
  stream.write(createRequest(spec));
  return { done, progress: () => stream.write(WatchRequest.fromPartial({ request_union: { $case: 'progress_request', value: {} } })) };
}

async function interactive(ctx: RunContext, envKey: string, envRange: string): Promise<void> {
  const c = await clientFor(ctx);
  const p = printerFor(ctx);
  const reader = new LineReader(ctx.io.stdin);
  const streams: ReturnType<typeof watchStream>[] = [];
  for (;;) {
    const raw = await reader.next();
    if (raw === undefined || !raw.endsWith('\n')) throw new CtlError('Error reading watch request line: EOF', ExitCode.invalidInput);
    const l = raw.slice(0, -1);
    const args = argify(l);
    if (args.length < 1) {
      ctx.io.stderr(`Invalid command: ${l} (watch and progress supported)\n`);
      continue;
    }
    if (args[0] === 'progress') {
      for (const s of streams) s.progress();
      continue;
    }
    if (args[0] !== 'watch') {
      ctx.io.stderr(`Invalid command ${l} (only support watch)\n`);
      continue;
    }
    if (args.length < 2 && envKey === '') {
      ctx.io.stderr(`Invalid command ${l} (command type or key is not provided)\n`);
      continue;
    }
    const specs = [...WATCH_FLAGS, helpFlag('watch')];
    const values = new FlagValues(specs);
    let parsed;
    try {
      parsed = parseFlags(args.slice(1), specs, values);
    } catch (err) {
      throw new CtlError((err as Error).message, ExitCode.badArgs);
    }
    const dash = parsed.argsLenAtDash;
    const watchArgs = dash < 0 ? parsed.args : parsed.args.slice(0, dash);
    const execArgs = dash < 0 ? [] : parsed.args.slice(dash);
    if (dash >= 0 && execArgs.length === 0) throw new CtlError(ERR_SEP, ExitCode.badArgs);
    if (dash < 0 && watchArgs.length > 0 && envKey !== '') throw new CtlError(ERR_ENV, ExitCode.badArgs);
    const full = envKey !== '' ? [envKey, ...(envRange ? [envRange] : []), ...watchArgs] : watchArgs;
    let spec: WatchSpec;
    try {
      spec = watchSpec(full, values);
    } catch (err) {
      ctx.io.stderr(`Invalid command ${l} (${(err as Error).message})\n`);
      continue;
    }
    const s = watchStream(ctx, c, p, spec, execArgs);
    streams.push(s);
    s.done.catch(() => undefined);
  }
}

export const watchCommand: CommandSpec = {
  name: 'watch',
  use: 'watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]',
  short: 'Watches events stream on keys or prefixes',
  flags: WATCH_FLAGS,
  async run(ctx) {
    const envKey = ctx.env.ETCDCTL_WATCH_KEY ?? '';
    const envRange = ctx.env.ETCDCTL_WATCH_RANGE_END ?? '';
    if (envKey === '' && envRange !== '') throw new CtlError(`ETCDCTL_WATCH_KEY is empty but got ETCDCTL_WATCH_RANGE_END=${goQuote(envRange)}`, ExitCode.badArgs);
    if (ctx.flags.bool('interactive')) return interactive(ctx, envKey, envRange);
    const dash = ctx.argsLenAtDash;
    const watchArgs = dash < 0 ? ctx.args : ctx.args.slice(0, dash);
    const execArgs = dash < 0 ? [] : ctx.args.slice(dash);
    if (dash >= 0 && execArgs.length === 0) throw new CtlError(ERR_SEP, ExitCode.badArgs);
    if (dash < 0 && watchArgs.length < 1 && envKey === '') throw new CtlError(ERR_NUM, ExitCode.badArgs);
    if (watchArgs.length > 0 && envKey !== '') throw new CtlError(ERR_ENV, ExitCode.badArgs);
    const full = envKey !== '' ? [envKey, ...(envRange ? [envRange] : [])] : watchArgs;
    const c = await clientFor(ctx);
    let spec: WatchSpec;
    try {
      spec = watchSpec(full, ctx.flags);
    } catch (err) {
      c.close();
      throw new CtlError((err as Error).message, ExitCode.badArgs);
    }
    try {
      await watchStream(ctx, c, printerFor(ctx), spec, execArgs).done;
    } finally {
      c.close();
    }
    throw new CtlError('watch is canceled by the server', ExitCode.interrupted);
  },
};
