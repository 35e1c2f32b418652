// get, put, del (get_command.go, put_command.go, del_command.go). The request builders are
// shared with txn, which parses its operations with these same commands' flags.
import { DeleteRangeRequest, PutRequest, RangeRequest, RangeRequest_SortOrder, RangeRequest_SortTarget } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { CtlError, ExitCode, type CommandSpec, type RunContext } from '../cli/command.js';
import type { FlagValues } from '../cli/flags.js';
import { clientFor, commandDeadline, must, printerFor } from '../globals.js';
import { prefixRangeEnd } from '../keys.js';
import { SimplePrinter } from '../printer/index.js';
import { readAllStdin } from '../stdin.js';

const NUL = Buffer.from([0]);

export const GET_FLAGS = [
  { name: 'consistency', kind: 'string', def: 'l', usage: 'Linearizable(l) or Serializable(s)' },
  { name: 'order', kind: 'string', usage: 'Order of results; ASCEND or DESCEND (ASCEND by default)' },
  { name: 'sort-by', kind: 'string', usage: 'Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION' },
  { name: 'limit', kind: 'int', usage: 'Maximum number of results' },
  { name: 'prefix', kind: 'bool', usage: 'Get keys with matching prefix' },
  { name: 'from-key', kind: 'bool', usage: 'Get keys that are greater than or equal to the given key using byte compare' },
  { name: 'rev', kind: 'int', usage: 'Specify the kv revision' },
  { name: 'keys-only', kind: 'bool', usage: 'Get only the keys' },
  { name: 'print-value-only', kind: 'bool', usage: 'Only write values when using the "simple" output format' },
] as const;

export const PUT_FLAGS = [
  { name: 'lease', kind: 'string', def: '0', usage: 'lease ID (in hexadecimal) to attach to the key' },
  { name: 'prev-kv', kind: 'bool', usage: 'return the previous key-value pair before modification' },
  { name: 'ignore-value', kind: 'bool', usage: 'updates the key using its current value' },
  { name: 'ignore-lease', kind: 'bool', usage: 'updates the key using its current lease' },
] as const;

export const DEL_FLAGS = [
  { name: 'prefix', kind: 'bool', usage: 'delete keys with matching prefix' },
  { name: 'prev-kv', kind: 'bool', usage: 'return deleted key-value pairs' },
  { name: 'from-key', kind: 'bool', usage: 'delete keys that are greater than or equal to the given key using byte compare' },
] as const;

const SORT_TARGETS: Record<string, RangeRequest_SortTarget> = {
  '': RangeRequest_SortTarget.KEY,
  KEY: RangeRequest_SortTarget.KEY,
  CREATE: RangeRequest_SortTarget.CREATE,
  MODIFY: RangeRequest_SortTarget.MOD,
  VALUE: RangeRequest_SortTarget.VALUE,
  VERSION: RangeRequest_SortTarget.VERSION,
};

/** Key and range end for `key [end]` with --prefix / --from-key, as clientv3's options set them. */
function keyRange(args: string[], prefix: boolean, fromKey: boolean): { key: Buffer; range_end: Buffer } {
  let key: Buffer = Buffer.from(args[0]!);
  let end: Buffer = args.length > 1 ? Buffer.from(args[1]!) : Buffer.alloc(0);
  if (args.length > 1 && (prefix || fromKey)) throw new CtlError('too many arguments, only accept one argument when `--prefix` or `--from-key` is set', ExitCode.badArgs);
  if (prefix) {
    if (key.length === 0) {
      key = NUL;
      end = NUL;
    } else {
      end = prefixRangeEnd(key);
    }
  }
  if (fromKey) {
    if (key.length === 0) key = NUL;
    end = NUL;
  }
  return { key, range_end: end };
}

export function getRequest(args: string[], f: FlagValues): RangeRequest {
  if (args.length === 0) throw new CtlError('get command needs one argument as key and an optional argument as range_end', ExitCode.badArgs);
  if (f.bool('prefix') && f.bool('from-key')) throw new CtlError('`--prefix` and `--from-key` cannot be set at the same time, choose one', ExitCode.badArgs);
  const consistency = f.str('consistency');
  if (consistency !== 's' && consistency !== 'l') throw new CtlError(`unknown consistency flag ${JSON.stringify(consistency)}`, ExitCode.badFeature);
  const range = keyRange(args, f.bool('prefix'), f.bool('from-key'));
  const order = f.str('order').toUpperCase();
  const sortOrder = order === 'ASCEND' ? RangeRequest_SortOrder.ASCEND : order === 'DESCEND' ? RangeRequest_SortOrder.DESCEND : order === '' ? RangeRequest_SortOrder.NONE : undefined;
  if (sortOrder === undefined) throw new CtlError(`bad sort order ${f.str('order')}`, ExitCode.badFeature);
  const sortTarget = SORT_TARGETS[f.str('sort-by').toUpperCase()];
  if (sortTarget === undefined) throw new CtlError(`bad sort target ${f.str('sort-by')}`, ExitCode.badFeature);
  const rev = f.big('rev');
  return RangeRequest.fromPartial({
    ...range,
    limit: f.big('limit'),
    revision: rev > 0n ? rev : 0n,
    // clientv3.WithSort: ascending by key is the server's natural order, sent as NONE.
    sort_order: sortTarget === RangeRequest_SortTarget.KEY && sortOrder === RangeRequest_SortOrder.ASCEND ? RangeRequest_SortOrder.NONE : sortOrder,
    sort_target: sortTarget,
    serializable: consistency === 's',
    keys_only: f.bool('keys-only'),
  });
}

/** Parses a lease ID in hex as strconv.ParseInt(s, 16, 64). */
export function parseLeaseHex(s: string): bigint {
  const m = /^([+-]?)([0-9a-fA-F]+)$/.exec(s);
  const err = (why: string) => new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: ${why}`);
  if (!m) throw err('invalid syntax');
  const v = BigInt('0x' + m[2]!) * (m[1] === '-' ? -1n : 1n);
  if (v > (1n << 63n) - 1n || v < -(1n << 63n)) throw err('value out of range');
  return v;
}

export function putRequest(args: string[], value: string | undefined, f: FlagValues): PutRequest {
  let lease: bigint;
  try {
    lease = parseLeaseHex(f.str('lease'));
  } catch (err) {
    throw new CtlError(`bad lease ID (${(err as Error).message}), expecting ID in Hex`, ExitCode.badArgs);
  }
  return PutRequest.fromPartial({
    key: Buffer.from(args[0]!),
    value: Buffer.from(value ?? ''),
    lease,
    prev_kv: f.bool('prev-kv'),
    ignore_value: f.bool('ignore-value'),
    ignore_lease: f.bool('ignore-lease'),
  });
}

/** put's arguments: key and value, the value from stdin when absent. */
export async function putArgs(args: string[], f: FlagValues, stdin: () => Promise<string>): Promise<string | undefined> {
  const needs = 'put command needs 1 argument and input from stdin or 2 arguments';
  if (args.length === 0) throw new CtlError(needs, ExitCode.badArgs);
  if (f.bool('ignore-value') && args.length > 1) throw new CtlError("put command needs only 1 argument when 'ignore-value' is set", ExitCode.badArgs);
  if (f.bool('ignore-value')) return undefined;
  if (args.length > 1) return args[1];
  const text = await stdin();
  if (text === '') throw new CtlError(needs, ExitCode.badArgs);
  return text;
}

export function delRequest(args: string[], f: FlagValues): DeleteRangeRequest {
  if (args.length === 0 || args.length > 2) throw new CtlError('del command needs one argument as key and an optional argument as range_end', ExitCode.badArgs);
  if (f.bool('prefix') && f.bool('from-key')) throw new CtlError('`--prefix` and `--from-key` cannot be set at the same time, choose one', ExitCode.badArgs);
  return DeleteRangeRequest.fromPartial({ ...keyRange(args, f.bool('prefix'), f.bool('from-key')), prev_kv: f.bool('prev-kv') });
}

export const getCommand: CommandSpec = {
  name: 'get',
  use: 'get [options] <key> [range_end]',
  short: 'Gets the key or a range of keys',
  flags: GET_FLAGS,
  async run(ctx: RunContext) {
    const req = getRequest(ctx.args, ctx.flags);
    const c = await clientFor(ctx);
    try {
      const resp = await must(c.unary('kv', 'range', req, { deadline: commandDeadline(ctx) }));
      const p = printerFor(ctx);
      if (ctx.flags.bool('print-value-only')) {
        if (!(p instanceof SimplePrinter)) throw new CtlError('print-value-only is only for `--write-out=simple`', ExitCode.badArgs);
        p.valueOnly = true;
      }
      p.get(resp);
    } finally {
      c.close();
    }
  },
};

export const putCommand: CommandSpec = {
  name: 'put',
  use: 'put [options] <key> <value> (<value> can also be given from stdin)',
  short: 'Puts the given key into the store',
  long: `
Puts the given key into the store.

When <value> begins with '-', <value> is interpreted as a flag.
Insert '--' for workaround:

$ put <key> -- <value>
$ put -- <key> <value>

If <value> isn't given as a command line argument and '--ignore-value' is not specified,
this command tries to read the value from standard input.

If <lease> isn't given as a command line argument and '--ignore-lease' is not specified,
this command tries to read the value from standard input.

For example,
$ cat file | put <key>
will store the content of the file to <key>.
`,
  flags: PUT_FLAGS,
  async run(ctx) {
    const value = await putArgs(ctx.args, ctx.flags, () => readAllStdin(ctx.io.stdin));
    const req = putRequest(ctx.args, value, ctx.flags);
    const c = await clientFor(ctx);
    try {
      printerFor(ctx).put(await must(c.unary('kv', 'put', req, { deadline: commandDeadline(ctx) })));
    } finally {
      c.close();
    }
  },
};

export const delCommand: CommandSpec = {
  name: 'del',
  use: 'del [options] <key> [range_end]',
  short: 'Removes the specified key or range of keys [key, range_end)',
  flags: DEL_FLAGS,
  async run(ctx) {
    const req = delRequest(ctx.args, ctx.flags);
    const c = await clientFor(ctx);
    try {
      printerFor(ctx).del(await must(c.unary('kv', 'deleteRange', req, { deadline: commandDeadline(ctx) })));
    } finally {
      c.close();
    }
  },
};
