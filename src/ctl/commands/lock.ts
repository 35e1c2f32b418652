// lock <lockname> [exec-command arg1 arg2 ...] (lock_command.go): takes a named lock through a
// session-backed Mutex, then either prints the lock key and holds it until SIGINT/SIGTERM, or
// runs the command with ETCD_LOCK_KEY/ETCD_LOCK_REV and releases the lock when it exits.
import { spawn } from 'node:child_process';
import { RangeRequest } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { V3Client } from '../../client/v3.js';
import { CtlError, ExitCode, type CommandSpec, type RunContext } from '../cli/command.js';
import { Mutex, Session } from '../concurrency/index.js';
import { clientFor, must, printerFor } from '../globals.js';
import { goQuote } from '../printer/go-format.js';

/** etcdctl's default --ttl of the lock session, in seconds. */
const DEFAULT_LOCK_TTL = 10;

/** Aborts when the process gets SIGINT or SIGTERM (etcdctl's signal.Notify), until disposed. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const handler = () => ac.abort();
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ac.signal,
    dispose: () => {
      process.removeListener('SIGINT', handler);
      process.removeListener('SIGTERM', handler);
    },
  };
}

/** Resolves when the signal aborts (immediately if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

/** Runs the command with the lock's environment, output passed through; Go's exec error text on failure. */
function runLocked(ctx: RunContext, args: string[], lockEnv: Record<string, string>): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(args[0]!, args.slice(1), { env: { ...ctx.env, ...lockEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => ctx.io.stdout(c));
    child.stderr.on('data', (c: Buffer) => ctx.io.stderr(c.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => resolve(`exec: ${goQuote(args[0]!)}: ${e.code === 'ENOENT' ? 'executable file not found in $PATH' : e.message}`));
    child.on('close', (code, sig) => resolve(sig ? `signal: ${sig === 'SIGINT' ? 'interrupt' : sig === 'SIGTERM' ? 'terminated' : sig === 'SIGKILL' ? 'killed' : sig}` : code ? `exit status ${code}` : undefined));
  });
}

async function lockUntilSignal(ctx: RunContext, c: V3Client, name: string, cmdArgs: string[]): Promise<void> {
  const session = await Session.create(c, { ttl: ctx.flags.int('ttl') });
  const mutex = new Mutex(session, name);
  const interrupt = interruptSignal();
  try {
    await mutex.lock(interrupt.signal);
    if (cmdArgs.length > 0) {
      const failure = await runLocked(ctx, cmdArgs, { ETCD_LOCK_KEY: mutex.key, ETCD_LOCK_REV: String(mutex.header?.revision ?? 0n) });
      await mutex.unlock();
      if (failure !== undefined) throw new CtlError(failure);
      return;
    }
    const resp = await c.unary('kv', 'range', RangeRequest.fromPartial({ key: Buffer.from(mutex.key) }));
    if (resp.kvs.length === 0) throw new CtlError('lock lost on init');
    printerFor(ctx).get(resp);
    const how = await Promise.race([aborted(interrupt.signal).then(() => 'signal' as const), session.done.then(() => 'expired' as const)]);
    if (how === 'expired') throw new CtlError('session expired');
    await mutex.unlock();
  } finally {
    interrupt.dispose();
    // etcdctl leaves its lease to expire; stopping the keep-alives has the same effect.
    session.orphan();
  }
}

export const lockCommand: CommandSpec = {
  name: 'lock',
  use: 'lock <lockname> [exec-command arg1 arg2 ...]',
  short: 'Acquires a named lock',
  flags: [{ name: 'ttl', kind: 'int', def: DEFAULT_LOCK_TTL, usage: 'timeout for session' }],
  async run(ctx) {
    if (ctx.args.length === 0) throw new CtlError('lock takes a lock name argument and an optional command to execute', ExitCode.badArgs);
    const c = await clientFor(ctx);
    try {
      await must(lockUntilSignal(ctx, c, ctx.args[0]!, ctx.args.slice(1)));
    } finally {
      c.close();
    }
  },
};
