// lease grant/revoke/timetolive/list/keep-alive (lease_command.go).
import type { LeaseKeepAliveResponse } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { errorText, type V3Client } from '../../client/v3.js';
import { CtlError, ExitCode, type CommandSpec, type RunContext } from '../cli/command.js';
import { clientFor, commandDeadline, must, printerFor } from '../globals.js';
import { SimplePrinter } from '../printer/index.js';
import { hex16 } from '../printer/go-format.js';
import { parseLeaseHex } from './kv.js';

function leaseFromArgs(arg: string): bigint {
  try {
    return parseLeaseHex(arg);
  } catch (err) {
    throw new CtlError(`bad lease ID arg (${(err as Error).message}), expecting ID in Hex`, ExitCode.badArgs);
  }
}

async function withClient<T>(ctx: RunContext, fn: (c: V3Client) => Promise<T>): Promise<T> {
  const c = await clientFor(ctx);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** One keep-alive round trip on a fresh stream (clientv3 KeepAliveOnce). */
async function keepAliveOnce(c: V3Client, id: bigint): Promise<LeaseKeepAliveResponse> {
  const stream = c.duplex('lease', 'leaseKeepAlive');
  try {
    return await new Promise<LeaseKeepAliveResponse>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
      stream.write({ ID: id });
    });
  } finally {
    stream.cancel();
  }
}

/** Keeps the lease alive every TTL/3 until it is gone or the process is interrupted. */
async function keepAliveLoop(c: V3Client, id: bigint, onResp: (r: LeaseKeepAliveResponse) => void): Promise<void> {
  const stream = c.duplex('lease', 'leaseKeepAlive');
  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    stream.on('data', (r: LeaseKeepAliveResponse) => {
      if (r.TTL <= 0n) {
        clearTimeout(timer);
        stream.cancel();
        resolve();
        return;
      }
      onResp(r);
      timer = setTimeout(() => stream.write({ ID: id }), Math.max(Number(r.TTL) / 3, 0.5) * 1000);
    });
    stream.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    stream.write({ ID: id });
  });
}

export const leaseCommand: CommandSpec = {
  name: 'lease',
  use: 'lease <subcommand>',
  short: 'Lease related commands',
  subcommands: [
    {
      name: 'grant',
      use: 'grant <ttl>',
      short: 'Creates leases',
      async run(ctx) {
        if (ctx.args.length !== 1) throw new CtlError('lease grant command needs TTL argument', ExitCode.badArgs);
        const m = /^[+-]?\d+$/.exec(ctx.args[0]!);
        if (!m) throw new CtlError(`bad TTL (strconv.ParseInt: parsing ${JSON.stringify(ctx.args[0])}: invalid syntax)`, ExitCode.badArgs);
        const ttl = BigInt(ctx.args[0]!);
        const resp = await withClient(ctx, async (c) => {
          try {
            return await c.unary('lease', 'leaseGrant', { TTL: ttl, ID: 0n }, { deadline: commandDeadline(ctx) });
          } catch (err) {
            throw new CtlError(`failed to grant lease (${errorText(err)})`);
          }
        });
        printerFor(ctx).grant(resp);
      },
    },
    {
      name: 'revoke',
      use: 'revoke <leaseID>',
      short: 'Revokes leases',
      async run(ctx) {
        if (ctx.args.length !== 1) throw new CtlError('lease revoke command needs 1 argument', ExitCode.badArgs);
        const id = leaseFromArgs(ctx.args[0]!);
        const resp = await withClient(ctx, async (c) => {
          try {
            return await c.unary('lease', 'leaseRevoke', { ID: id }, { deadline: commandDeadline(ctx) });
          } catch (err) {
            throw new CtlError(`failed to revoke lease (${errorText(err)})`);
          }
        });
        printerFor(ctx).revoke(id, resp);
      },
    },
    {
      name: 'timetolive',
      use: 'timetolive <leaseID> [options]',
      short: 'Get lease information',
      flags: [{ name: 'keys', kind: 'bool', usage: 'Get keys attached to this lease' }],
      async run(ctx) {
        if (ctx.args.length !== 1) throw new CtlError('lease timetolive command needs lease ID as argument', ExitCode.badArgs);
        const id = leaseFromArgs(ctx.args[0]!);
        const keys = ctx.flags.bool('keys');
        const resp = await withClient(ctx, (c) => must(c.unary('lease', 'leaseTimeToLive', { ID: id, keys }, { deadline: commandDeadline(ctx) }), ExitCode.badConnection));
        printerFor(ctx).timeToLive(resp, keys);
      },
    },
    {
      name: 'list',
      use: 'list',
      short: 'List all active leases',
      async run(ctx) {
        const resp = await withClient(ctx, (c) => must(c.unary('lease', 'leaseLeases', {}, { deadline: commandDeadline(ctx) }), ExitCode.badConnection));
        printerFor(ctx).leases(resp);
      },
    },
    {
      name: 'keep-alive',
      use: 'keep-alive [options] <leaseID>',
      short: 'Keeps leases alive (renew)',
      flags: [{ name: 'once', kind: 'bool', usage: 'Resets the keep-alive time to its original value and exits immediately' }],
      async run(ctx) {
        if (ctx.args.length !== 1) throw new CtlError('lease keep-alive command needs lease ID as argument', ExitCode.badArgs);
        const id = leaseFromArgs(ctx.args[0]!);
        const c = await clientFor(ctx);
        const p = printerFor(ctx);
        try {
          if (ctx.flags.bool('once')) {
            const resp = await must(keepAliveOnce(c, id), ExitCode.badConnection);
            if (resp.TTL <= 0n) throw new CtlError('etcdserver: requested lease not found', ExitCode.badConnection);
            p.keepAlive(resp);
            return;
          }
          await must(keepAliveLoop(c, id, (r) => p.keepAlive(r)), ExitCode.badConnection);
          if (p instanceof SimplePrinter) ctx.io.stdout(`lease ${hex16(id)} expired or revoked.\n`);
        } finally {
          c.close();
        }
      },
    },
  ],
};
