// The v3 commands of tetcdctl that the server core needs: version, put, get, del. Output matches
// etcdctl 3.4's simple printer; errors go to stderr as `Error: <message>` with etcdctl's exit codes.
import type { Command } from 'commander';
import { V3Client } from '../client/v3.js';
import { RangeRequest_SortOrder, RangeRequest_SortTarget } from '../proto/etcdserver/etcdserverpb/rpc.js';
import type { KeyValue } from '../proto/mvcc/mvccpb/kv.js';
import { TETCD_VERSION } from '../config/version.js';
import { prefixRangeEnd } from './keys.js';

/** etcdctl's exit codes (etcdctl/ctlv3/command/error.go). */
export const ExitCode = { success: 0, error: 1, badArgs: 128 } as const;

export class CtlError extends Error {
  constructor(message: string, readonly exitCode: number = ExitCode.error) {
    super(message);
  }
}

export interface GlobalOptions {
  endpoints: string;
  dialTimeout: string;
  commandTimeout: string;
}

type Out = (line: string) => void;

function client(g: GlobalOptions): V3Client {
  return new V3Client({
    endpoints: g.endpoints.split(',').map((s) => s.trim()).filter(Boolean),
    dialTimeoutMs: parseDuration(g.dialTimeout),
    commandTimeoutMs: parseDuration(g.commandTimeout),
  });
}

/** Go duration strings as etcdctl's flags take them: 5s, 500ms, 1m30s. */
export function parseDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0;
  let rest = s.trim();
  if (rest === '0') return 0;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new CtlError(`invalid duration "${s}"`, ExitCode.badArgs);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

function printKV(out: Out, kv: KeyValue, valueOnly: boolean, keysOnly = false): void {
  if (!valueOnly) out(kv.key.toString());
  if (!keysOnly) out(kv.value.toString());
}

async function withClient<T>(g: GlobalOptions, fn: (c: V3Client) => Promise<T>): Promise<T> {
  const c = client(g);
  try {
    return await fn(c);
  } catch (err) {
    const e = err as { details?: string; message: string };
    throw new CtlError(e.details ?? e.message);
  } finally {
    c.close();
  }
}

export function registerV3Commands(program: Command, globals: () => GlobalOptions, out: Out): void {
  program
    .command('version')
    .description('Prints the version of etcdctl')
    .action(() => {
      out(`etcdctl version: ${TETCD_VERSION}`);
      out('API version: 3.4');
    });

  program
    .command('put')
    .description('Puts the given key into the store')
    .argument('<key>')
    .argument('[value]')
    .option('--lease <id>', 'lease ID (in hexadecimal) to attach to the key', '0')
    .option('--prev-kv', 'return the previous key-value pair before modification', false)
    .option('--ignore-value', 'updates the key using its current value', false)
    .option('--ignore-lease', 'updates the key using its current lease', false)
    .action(async (key: string, value: string | undefined, o: { lease: string; prevKv: boolean; ignoreValue: boolean; ignoreLease: boolean }) => {
      if (value === undefined && !o.ignoreValue) throw new CtlError('put command needs 2 arguments.', ExitCode.badArgs);
      if (value !== undefined && o.ignoreValue) throw new CtlError('put command needs 1 argument and --ignore-value flag.', ExitCode.badArgs);
      const lease = BigInt('0x' + (o.lease || '0'));
      const resp = await withClient(globals(), (c) =>
        c.put({ key: Buffer.from(key), value: Buffer.from(value ?? ''), lease, prev_kv: o.prevKv, ignore_value: o.ignoreValue, ignore_lease: o.ignoreLease }),
      );
      out('OK');
      if (resp.prev_kv) printKV(out, resp.prev_kv, false);
    });

  program
    .command('get')
    .description('Gets the key or a range of keys')
    .argument('<key>')
    .argument('[range_end]')
    .option('--prefix', 'Get keys with matching prefix', false)
    .option('--from-key', 'Get keys that are greater than or equal to the given key using byte compare', false)
    .option('--limit <n>', 'Maximum number of results', '0')
    .option('--rev <n>', 'Specify the kv revision', '0')
    .option('--order <order>', 'Order of results; ASCEND or DESCEND (ASCEND by default)', '')
    .option('--sort-by <target>', 'Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION', '')
    .option('--keys-only', 'Get only the keys', false)
    .option('--count-only', 'Get only the count', false)
    .option('--print-value-only', 'Only write values when using the "simple" output format', false)
    .option('--consistency <c>', 'Linearizable(l) or Serializable(s)', 'l')
    .action(async (key: string, rangeEnd: string | undefined, o: Record<string, string | boolean>) => {
      if (o.prefix && o.fromKey) throw new CtlError('`--prefix` and `--from-key` cannot be set at the same time, choose one.', ExitCode.badArgs);
      let end: Buffer = rangeEnd === undefined ? Buffer.alloc(0) : Buffer.from(rangeEnd);
      let k: Buffer = Buffer.from(key);
      if (o.prefix) {
        if (rangeEnd !== undefined) throw new CtlError('too many arguments, only accept one argument when `--prefix` is set.', ExitCode.badArgs);
        end = prefixRangeEnd(k);
        if (k.length === 0) k = Buffer.from([0]);
      }
      if (o.fromKey) {
        if (rangeEnd !== undefined) throw new CtlError('too many arguments, only accept one argument when `--from-key` is set.', ExitCode.badArgs);
        end = Buffer.from([0]);
        if (k.length === 0) k = Buffer.from([0]);
      }
      const consistency = String(o.consistency);
      if (consistency !== 'l' && consistency !== 's') throw new CtlError(`unknown consistency flag "${consistency}"`, ExitCode.badArgs);
      const order = String(o.order).toUpperCase();
      const sortOrder = order === '' ? RangeRequest_SortOrder.NONE : order === 'ASCEND' ? RangeRequest_SortOrder.ASCEND : order === 'DESCEND' ? RangeRequest_SortOrder.DESCEND : undefined;
      if (sortOrder === undefined) throw new CtlError(`bad sort order ${o.order}`, ExitCode.badArgs);
      const by = String(o.sortBy).toUpperCase();
      const targets: Record<string, RangeRequest_SortTarget> = { '': RangeRequest_SortTarget.KEY, KEY: RangeRequest_SortTarget.KEY, CREATE: RangeRequest_SortTarget.CREATE, MODIFY: RangeRequest_SortTarget.MOD, VALUE: RangeRequest_SortTarget.VALUE, VERSION: RangeRequest_SortTarget.VERSION };
      const sortTarget = targets[by];
      if (sortTarget === undefined) throw new CtlError(`bad sort target ${o.sortBy}`, ExitCode.badArgs);
      const resp = await withClient(globals(), (c) =>
        c.range({
          key: k,
          range_end: end,
          limit: BigInt(String(o.limit)),
          revision: BigInt(String(o.rev)),
          // etcdctl asks for ascending order when only a sort target is given.
          sort_order: sortOrder === RangeRequest_SortOrder.NONE && by !== '' ? RangeRequest_SortOrder.ASCEND : sortOrder,
          sort_target: sortTarget,
          keys_only: Boolean(o.keysOnly),
          count_only: Boolean(o.countOnly),
          serializable: consistency === 's',
        }),
      );
      if (o.countOnly) {
        out(String(resp.count));
        return;
      }
      for (const kv of resp.kvs) printKV(out, kv, Boolean(o.printValueOnly), Boolean(o.keysOnly));
    });

  program
    .command('del')
    .description('Removes the specified key or range of keys [key, range_end)')
    .argument('<key>')
    .argument('[range_end]')
    .option('--prefix', 'delete keys with matching prefix', false)
    .option('--prev-kv', 'return deleted key-value pairs', false)
    .option('--from-key', 'delete keys that are greater than or equal to the given key using byte compare', false)
    .action(async (key: string, rangeEnd: string | undefined, o: { prefix: boolean; prevKv: boolean; fromKey: boolean }) => {
      if (o.prefix && o.fromKey) throw new CtlError('`--prefix` and `--from-key` cannot be set at the same time, choose one.', ExitCode.badArgs);
      let k: Buffer = Buffer.from(key);
      let end: Buffer = rangeEnd === undefined ? Buffer.alloc(0) : Buffer.from(rangeEnd);
      if (o.prefix) {
        end = prefixRangeEnd(k);
        if (k.length === 0) k = Buffer.from([0]);
      }
      if (o.fromKey) {
        end = Buffer.from([0]);
        if (k.length === 0) k = Buffer.from([0]);
      }
      const resp = await withClient(globals(), (c) => c.deleteRange({ key: k, range_end: end, prev_kv: o.prevKv }));
      out(String(resp.deleted));
      for (const kv of resp.prev_kvs) printKV(out, kv, false);
    });
}
