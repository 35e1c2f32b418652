// txn: compares, success and failure operations read from stdin in etcdctl's grammar
// (txn_command.go), e.g.
//   mod("key1") > "0"
//   <blank>
//   put key1 "overwrote-key1"
//   <blank>
//   put key1 "created-key1"
//   <blank>
import { Compare, Compare_CompareResult, Compare_CompareTarget, RequestOp, TxnRequest } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { CtlError, ExitCode, helpFlag, type CommandSpec } from '../cli/command.js';
import { FlagError, FlagValues, parseFlags, type FlagSpec } from '../cli/flags.js';
import { clientFor, commandDeadline, must, printerFor } from '../globals.js';
import { LineReader } from '../stdin.js';
import { DEL_FLAGS, GET_FLAGS, PUT_FLAGS, delRequest, getRequest, putRequest } from './kv.js';

const RESULTS: Record<string, Compare_CompareResult> = {
  '=': Compare_CompareResult.EQUAL,
  '!=': Compare_CompareResult.NOT_EQUAL,
  '<': Compare_CompareResult.LESS,
  '>': Compare_CompareResult.GREATER,
};

/** Go's %q scanning of one double- or back-quoted string at the start of s; returns [value, rest]. */
function scanQuoted(s: string): [string, string] | undefined {
  const t = s.trimStart();
  if (t.startsWith('`')) {
    const end = t.indexOf('`', 1);
    return end < 0 ? undefined : [t.slice(1, end), t.slice(end + 1)];
  }
  const m = /^"(?:[^"\\]|\\.)*"/.exec(t);
  if (!m) return undefined;
  try {
    return [JSON.parse(m[0].replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) as string, t.slice(m[0].length)];
  } catch {
    return undefined;
  }
}

export function parseCompare(line: string): Compare {
  const paren = line.indexOf('(');
  if (paren < 0) throw new CtlError(`malformed comparison: ${line}`, ExitCode.invalidInput);
  const target = line.slice(0, paren);
  const key = scanQuoted(line.slice(paren + 1));
  const rest = key && /^\)\s*(\S+)\s*(.*)$/s.exec(key[1]);
  const val = rest && scanQuoted(rest[2]!);
  if (!key || !rest || !val) throw new CtlError(`malformed comparison: ${line}; got ${target}(${JSON.stringify(key?.[0] ?? '')}) ${rest?.[1] ?? ''} ${JSON.stringify(val?.[0] ?? '')}`, ExitCode.invalidInput);
  const op = rest[1]!;
  const result = RESULTS[op];
  if (result === undefined) throw new CtlError(`Unknown result op: ${op}`, ExitCode.invalidInput);
  const base = { result, key: Buffer.from(key[0]), range_end: Buffer.alloc(0) };
  const int = (): bigint => {
    if (!/^[+-]?\d+$/.test(val[0])) throw new CtlError(`invalid txn compare request: ${line}`, ExitCode.invalidInput);
    return BigInt(val[0]);
  };
  switch (target) {
    case 'ver':
    case 'version':
      return Compare.fromPartial({ ...base, target: Compare_CompareTarget.VERSION, target_union: { $case: 'version', value: int() } });
    case 'c':
    case 'create':
      return Compare.fromPartial({ ...base, target: Compare_CompareTarget.CREATE, target_union: { $case: 'create_revision', value: int() } });
    case 'm':
    case 'mod':
      return Compare.fromPartial({ ...base, target: Compare_CompareTarget.MOD, target_union: { $case: 'mod_revision', value: int() } });
    case 'val':
    case 'value':
      return Compare.fromPartial({ ...base, target: Compare_CompareTarget.VALUE, target_union: { $case: 'value', value: Buffer.from(val[0]) } });
    case 'lease':
      return Compare.fromPartial({ ...base, target: Compare_CompareTarget.LEASE, target_union: { $case: 'lease', value: int() } });
    default:
      throw new CtlError(`malformed comparison: ${line} (unknown target ${target})`, ExitCode.invalidInput);
  }
}

/** etcdctl's argify: double-quoted (Go-unquoted), single-quoted, or bare words. */
export function argify(s: string): string[] {
  const re = /"(?:[^"\\]|\\.)*"|'[^']*'|[^'"\s]\S*[^'"\s]?/g;
  return (s.match(re) ?? []).map((a) => {
    if (a.startsWith("'")) return a.slice(1, -1);
    if (a.startsWith('"')) {
      const q = scanQuoted(a);
      if (!q) throw new CtlError(`invalid syntax`, ExitCode.invalidInput);
      return q[0];
    }
    return a;
  });
}

const OPS: Record<string, { flags: readonly FlagSpec[]; build: (args: string[], f: FlagValues) => RequestOp }> = {
  put: {
    flags: PUT_FLAGS,
    build: (args, f) => {
      if (args.length < 2 && !f.bool('ignore-value')) throw new CtlError('put command needs 1 argument and input from stdin or 2 arguments', ExitCode.badArgs);
      return RequestOp.fromPartial({ request: { $case: 'request_put', value: putRequest(args, args[1], f) } });
    },
  },
  get: { flags: GET_FLAGS, build: (args, f) => RequestOp.fromPartial({ request: { $case: 'request_range', value: getRequest(args, f) } }) },
  del: { flags: DEL_FLAGS, build: (args, f) => RequestOp.fromPartial({ request: { $case: 'request_delete_range', value: delRequest(args, f) } }) },
};

export function parseRequestOp(line: string): RequestOp {
  const args = argify(line);
  if (args.length < 2) throw new CtlError(`invalid txn compare request: ${line}`, ExitCode.invalidInput);
  const name = args[0]!;
  const op = OPS[name] ?? Object.entries(OPS).find(([n]) => n.startsWith(name))?.[1];
  if (!op) throw new CtlError(`invalid txn request: ${line}`, ExitCode.invalidInput);
  const specs = [...op.flags, helpFlag(name)];
  const values = new FlagValues(specs);
  try {
    const parsed = parseFlags(args.slice(1), specs, values);
    return op.build(parsed.args, values);
  } catch (err) {
    if (err instanceof FlagError) throw new CtlError(`invalid txn request: ${line}`, ExitCode.invalidInput);
    throw err;
  }
}

async function readBlock<T>(r: LineReader, parse: (line: string) => T): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const line = await r.next();
    if (line === undefined || !line.endsWith('\n')) throw new CtlError('EOF', ExitCode.invalidInput);
    const t = line.trim();
    if (t === '') return out;
    out.push(parse(t));
  }
}

export const txnCommand: CommandSpec = {
  name: 'txn',
  use: 'txn [options]',
  short: 'Txn processes all the requests in one transaction',
  flags: [{ name: 'interactive', short: 'i', kind: 'bool', usage: 'Input transaction in interactive mode' }],
  async run(ctx) {
    if (ctx.args.length !== 0) throw new CtlError('txn command does not accept argument', ExitCode.badArgs);
    const interactive = ctx.flags.bool('interactive');
    const prompt = (s: string) => interactive && ctx.io.stdout(s + '\n');
    const c = await clientFor(ctx);
    try {
      const r = new LineReader(ctx.io.stdin);
      prompt('compares:');
      const compare = await readBlock(r, parseCompare);
      prompt('success requests (get, put, del):');
      const success = await readBlock(r, parseRequestOp);
      prompt('failure requests (get, put, del):');
      const failure = await readBlock(r, parseRequestOp);
      const resp = await must(c.unary('kv', 'txn', TxnRequest.fromPartial({ compare, success, failure }), { deadline: commandDeadline(ctx) }));
      printerFor(ctx).txn(resp);
    } finally {
      c.close();
    }
  },
};
