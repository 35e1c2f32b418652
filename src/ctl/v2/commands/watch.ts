// watch and exec-watch (ctlv2/command/watch_command.go, exec_watch_command.go): long polls with
// ?wait=true from --after-index, directory events skipped, and for exec-watch a child process per
// event with ETCD_WATCH_{ACTION,MODIFIED_INDEX,KEY,VALUE} in its environment.
import { spawn } from 'node:child_process';
import type { V2Response } from '../../../client/v2.js';
import { V2Exit, type V2Command, type V2Context } from '../cli/app.js';
import { Exit, handleError, mustNewClient } from '../globals.js';
import { printResponseKey } from '../format.js';

const AFTER_INDEX = { names: ['after-index'], kind: 'int', value: 0, usage: 'watch after the given index' } as const;

/** SIGINT ends a watch with exit 0, as etcdctl's signal handler does. */
function onInterrupt(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const handler = () => ac.abort();
  process.once('SIGINT', handler);
  return { signal: ac.signal, dispose: () => process.removeListener('SIGINT', handler) };
}

async function nextOrExit(ctx: V2Context, next: (s: AbortSignal) => Promise<V2Response>, signal: AbortSignal, exitCode: () => number = () => Exit.success): Promise<V2Response> {
  try {
    return await next(signal);
  } catch (err) {
    if (signal.aborted) throw new V2Exit(exitCode());
    handleError(ctx, Exit.serverError, err);
  }
}

const watch: V2Command = {
  name: 'watch',
  usage: 'watch a key for changes',
  argsUsage: '<key>',
  flags: [
    { names: ['forever', 'f'], kind: 'bool', usage: 'forever watch a key until CTRL+C' },
    AFTER_INDEX,
    { names: ['recursive', 'r'], kind: 'bool', usage: 'returns all values for key and child keys' },
  ],
  async action(ctx) {
    const client = await mustNewClient(ctx);
    if (ctx.args.length === 0) handleError(ctx, Exit.badArgs, new Error('key required'));
    const recursive = ctx.flags.bool('recursive');
    const w = client.watcher(ctx.args[0]!, { afterIndex: ctx.flags.int('after-index'), recursive });
    const intr = onInterrupt();
    const signal = intr.signal;
    try {
      for (;;) {
        const resp = await nextOrExit(ctx, (s) => w.next(s), signal);
        if (resp.node.dir) continue;
        if (recursive) ctx.io.stdout(`[${resp.action}] ${resp.node.key}\n`);
        printResponseKey(ctx, resp);
        if (!ctx.flags.bool('forever')) return;
      }
    } finally {
      intr.dispose();
    }
  },
};

/** environResponse: the event as ETCD_WATCH_* variables on top of our environment. */
function watchEnv(env: NodeJS.ProcessEnv, r: V2Response): NodeJS.ProcessEnv {
  return {
    ...env,
    ETCD_WATCH_ACTION: r.action,
    ETCD_WATCH_MODIFIED_INDEX: String(r.node.modifiedIndex),
    ETCD_WATCH_KEY: r.node.key,
    ETCD_WATCH_VALUE: r.node.value,
  };
}

const execWatch: V2Command = {
  name: 'exec-watch',
  usage: 'watch a key for changes and exec an executable',
  argsUsage: '<key> <command> [args...]',
  flags: [AFTER_INDEX, { names: ['recursive', 'r'], kind: 'bool', usage: 'watch all values for key and child keys' }],
  async action(ctx) {
    const client = await mustNewClient(ctx);
    const args = ctx.args;
    if (args.length < 2) handleError(ctx, Exit.badArgs, new Error('key and command to exec required'));
    // With `--` still among the arguments the key comes first; when flag parsing consumed the
    // `--` (urfave moved the command's flags first), the key is the last argument (etcdctl).
    const sep = args.findIndex((a, i) => a === '--' && i !== 0);
    const key = sep >= 0 ? args[0]! : args[args.length - 1]!;
    const cmd = sep >= 0 ? args.slice(2) : args.slice(0, -1);
    const w = client.watcher(key, { afterIndex: ctx.flags.int('after-index'), recursive: ctx.flags.bool('recursive') });
    const intr = onInterrupt();
    // A command that cannot start ends exec-watch with exit 1 (etcdctl exits from its goroutine).
    const failed = new AbortController();
    const signal = AbortSignal.any([intr.signal, failed.signal]);
    try {
      for (;;) {
        const resp = await nextOrExit(ctx, (s) => w.next(s), signal, () => (failed.signal.aborted ? 1 : 0));
        if (resp.node.dir) {
          ctx.io.stderr(`Ignored dir ${resp.node.key} change\n`);
          continue;
        }
        const child = spawn(cmd[0]!, cmd.slice(1), { env: watchEnv(ctx.env, resp), stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.on('data', (c: Buffer) => ctx.io.stdout(c));
        child.stderr.on('data', (c: Buffer) => ctx.io.stderr(c.toString()));
        child.on('error', (e: NodeJS.ErrnoException) => {
          ctx.io.stderr(`exec: ${JSON.stringify(cmd[0])}: ${e.code === 'ENOENT' ? 'executable file not found in $PATH' : e.message}`);
          failed.abort();
        });
      }
    } finally {
      intr.dispose();
    }
  },
};

export const WATCH_COMMANDS = { watch, execWatch };
