// The v2 key commands: get, ls, set, mk, mkdir, setdir, rm, rmdir, update, updatedir
// (ctlv2/command/*_command.go), with etcdctl's arguments, flags, output and exit codes.
import type { V2Client, V2Node, V2Response } from '../../../client/v2.js';
import type { V2Command, V2Context } from '../cli/app.js';
import type { V2Flag } from '../cli/flags.js';
import { argOrStdin, die, Exit, handleError, mustNewClient, totalTimeout } from '../globals.js';
import { outputOf, printResponseKey } from '../format.js';

const TTL: V2Flag = { names: ['ttl'], kind: 'int', value: 0, usage: 'key time-to-live in seconds' };
const QUORUM: V2Flag = { names: ['quorum', 'q'], kind: 'bool', usage: 'require quorum for get request' };
const SORT: V2Flag = { names: ['sort'], kind: 'bool', usage: 'returns result in sorted order' };

function keyArg(ctx: V2Context): string {
  if (ctx.args.length === 0) handleError(ctx, Exit.badArgs, new Error('key required'));
  return ctx.args[0]!;
}

async function valueArg(ctx: V2Context): Promise<string> {
  const v = await argOrStdin(ctx, 1);
  if (v === undefined) handleError(ctx, Exit.badArgs, new Error('value required'));
  return v;
}

/** Runs one keys request under --total-timeout; a failure is `Error:  ...`, exit 4. */
async function keysCall(ctx: V2Context, call: (c: V2Client, signal: AbortSignal) => Promise<V2Response>): Promise<V2Response> {
  const client = await mustNewClient(ctx);
  try {
    return await call(client, totalTimeout(ctx));
  } catch (err) {
    handleError(ctx, Exit.serverError, err);
  }
}

const get: V2Command = {
  name: 'get',
  usage: 'retrieve the value of a key',
  argsUsage: '<key>',
  flags: [SORT, QUORUM],
  async action(ctx) {
    const client = await mustNewClient(ctx);
    const key = keyArg(ctx);
    let resp: V2Response;
    try {
      resp = await client.get(key, { sorted: ctx.flags.bool('sort'), quorum: ctx.flags.bool('quorum') }, totalTimeout(ctx));
    } catch (err) {
      handleError(ctx, Exit.serverError, err);
    }
    if (resp.node.dir) die(ctx, `${resp.node.key}: is a directory`);
    printResponseKey(ctx, resp);
  },
};

function printLsNode(ctx: V2Context, n: V2Node): void {
  ctx.io.stdout(n.dir && ctx.flags.bool('p') ? `${n.key}/\n` : `${n.key}\n`);
  for (const c of n.nodes ?? []) printLsNode(ctx, c);
}

const ls: V2Command = {
  name: 'ls',
  usage: 'retrieve a directory',
  argsUsage: '[key]',
  flags: [
    SORT,
    { names: ['recursive', 'r'], kind: 'bool', usage: 'returns all key names recursively for the given path' },
    { names: ['p'], kind: 'bool', usage: 'append slash (/) to directories' },
    QUORUM,
  ],
  async action(ctx) {
    const key = ctx.args[0] ?? '/';
    const opts = { sorted: ctx.flags.bool('sort'), recursive: ctx.flags.bool('recursive'), quorum: ctx.flags.bool('quorum') };
    const resp = await keysCall(ctx, (c, s) => c.get(key, opts, s));
    if (outputOf(ctx) !== 'simple') return printResponseKey(ctx, resp);
    if (!resp.node.dir) ctx.io.stdout(`${resp.node.key}\n`);
    for (const n of resp.node.nodes ?? []) printLsNode(ctx, n);
  },
};

const set: V2Command = {
  name: 'set',
  usage: 'set the value of a key',
  argsUsage: '<key> <value>',
  description:
    "Set sets the value of a key.\n\n   When <value> begins with '-', <value> is interpreted as a flag.\n   Insert '--' for workaround:\n\n   $ set -- <key> <value>",
  flags: [
    TTL,
    { names: ['swap-with-value'], kind: 'string', usage: 'previous value' },
    { names: ['swap-with-index'], kind: 'int', value: 0, usage: 'previous index' },
  ],
  async action(ctx) {
    const client = await mustNewClient(ctx);
    const key = keyArg(ctx);
    const value = await valueArg(ctx);
    const opts = { ttlSeconds: ctx.flags.int('ttl'), prevValue: ctx.flags.string('swap-with-value'), prevIndex: ctx.flags.int('swap-with-index') };
    try {
      printResponseKey(ctx, await client.set(key, value, opts, totalTimeout(ctx)));
    } catch (err) {
      handleError(ctx, Exit.serverError, err);
    }
  },
};

const mk: V2Command = {
  name: 'mk',
  usage: 'make a new key with a given value',
  argsUsage: '<key> <value>',
  flags: [{ names: ['in-order'], kind: 'bool', usage: 'create in-order key under directory <key>' }, TTL],
  async action(ctx) {
    const client = await mustNewClient(ctx);
    const key = keyArg(ctx);
    const value = await valueArg(ctx);
    const ttl = ctx.flags.int('ttl');
    try {
      const resp = ctx.flags.bool('in-order')
        ? await client.createInOrder(key, value, ttl, totalTimeout(ctx))
        : await client.set(key, value, { ttlSeconds: ttl, prevExist: 'false' }, totalTimeout(ctx));
      printResponseKey(ctx, resp);
    } catch (err) {
      handleError(ctx, Exit.serverError, err);
    }
  },
};

/** mkdir/setdir/updatedir: a dir set that prints nothing in the simple format. */
function dirCommand(name: string, usage: string, argsUsage: string, prevExist: 'true' | 'false' | undefined): V2Command {
  return {
    name,
    usage,
    argsUsage,
    flags: [TTL],
    async action(ctx) {
      const client = await mustNewClient(ctx);
      const key = keyArg(ctx);
      let resp: V2Response;
      try {
        resp = await client.set(key, '', { ttlSeconds: ctx.flags.int('ttl'), dir: true, prevExist }, totalTimeout(ctx));
      } catch (err) {
        handleError(ctx, Exit.serverError, err);
      }
      if (outputOf(ctx) !== 'simple') printResponseKey(ctx, resp);
    },
  };
}

function printDelete(ctx: V2Context, resp: V2Response): void {
  if (!resp.node.dir || outputOf(ctx) !== 'simple') printResponseKey(ctx, resp);
}

const rm: V2Command = {
  name: 'rm',
  usage: 'remove a key or a directory',
  argsUsage: '<key>',
  flags: [
    { names: ['dir'], kind: 'bool', usage: 'removes the key if it is an empty directory or a key-value pair' },
    { names: ['recursive', 'r'], kind: 'bool', usage: 'removes the key and all child keys(if it is a directory)' },
    { names: ['with-value'], kind: 'string', usage: 'previous value' },
    { names: ['with-index'], kind: 'int', value: 0, usage: 'previous index' },
  ],
  async action(ctx) {
    const client = await mustNewClient(ctx);
    const key = keyArg(ctx);
    const opts = {
      prevIndex: ctx.flags.int('with-index'),
      prevValue: ctx.flags.string('with-value'),
      dir: ctx.flags.bool('dir'),
      recursive: ctx.flags.bool('recursive'),
    };
    let resp: V2Response;
    try {
      resp = await client.delete(key, opts, totalTimeout(ctx));
    } catch (err) {
      handleError(ctx, Exit.serverError, err);
    }
    printDelete(ctx, resp);
  },
};

const rmdir: V2Command = {
  name: 'rmdir',
  usage: 'removes the key if it is an empty directory or a key-value pair',
  argsUsage: '<key>',
  async action(ctx) {
    const client = await mustNewClient(ctx);
    const key = keyArg(ctx);
    let resp: V2Response;
    try {
      resp = await client.delete(key, { dir: true }, totalTimeout(ctx));
    } catch (err) {
      handleError(ctx, Exit.serverError, err);
    }
    printDelete(ctx, resp);
  },
};

const update: V2Command = {
  name: 'update',
  usage: 'update an existing key with a given value',
  argsUsage: '<key> <value>',
  flags: [TTL],
  async action(ctx) {
    const client = await mustNewClient(ctx);
    const key = keyArg(ctx);
    const value = await valueArg(ctx);
    try {
      printResponseKey(ctx, await client.set(key, value, { ttlSeconds: ctx.flags.int('ttl'), prevExist: 'true' }, totalTimeout(ctx)));
    } catch (err) {
      handleError(ctx, Exit.serverError, err);
    }
  },
};

export const KEY_COMMANDS = {
  get,
  ls,
  set,
  mk,
  rm,
  rmdir,
  update,
  mkdir: dirCommand('mkdir', 'make a new directory', '<key>', 'false'),
  setdir: dirCommand('setdir', 'create a new directory or update an existing directory TTL', '<key>', undefined),
  updatedir: dirCommand('updatedir', 'update an existing directory', '<key> <value>', 'true'),
};
