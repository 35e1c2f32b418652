// compaction, defrag, alarm, endpoint, move-leader (compaction_command.go, defrag_command.go,
// alarm_command.go, ep_command.go, move_leader_command.go).
import { RangeRequest, AlarmRequest, AlarmRequest_AlarmAction, AlarmType, type AlarmResponse } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { V3Client } from '../../client/v3.js';
import { errorText } from '../../client/v3.js';
import { CtlError, ExitCode, type CommandSpec, type RunContext } from '../cli/command.js';
import { formatGoDuration } from '../cli/duration.js';
import { parseGoInt } from '../cli/flags.js';
import { applyEnv, clientFor, commandDeadline, endpointClient, endpointsOf, must, printerFor } from '../globals.js';
import type { EndpointHashKV, EndpointHealth, EndpointStatus } from '../printer/index.js';

const CLUSTER_FLAG = { name: 'cluster', kind: 'bool', usage: 'use all endpoints from the cluster member list' } as const;
const INT64_MAX = (1n << 63n) - 1n;

async function withClient<T>(ctx: RunContext, fn: (c: V3Client) => Promise<T>): Promise<T> {
  const c = await clientFor(ctx);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** The endpoints a per-endpoint command visits: --endpoints, or every member's client URLs with --cluster. */
async function endpointsFromCluster(ctx: RunContext): Promise<string[]> {
  if (!ctx.flags.bool('cluster')) return endpointsOf(ctx);
  const c = await endpointClient(ctx, endpointsOf(ctx), false);
  try {
    const members = await c.unary('cluster', 'memberList', {}, { deadline: commandDeadline(ctx) });
    return members.members.flatMap((m) => m.clientURLs);
  } catch (err) {
    throw new CtlError(`failed to fetch endpoints from etcd cluster member list: ${errorText(err)}`);
  } finally {
    c.close();
  }
}

/** Calls fn on one endpoint with a client of its own (clientv3's per-endpoint maintenance calls). */
async function onEndpoint<T>(ctx: RunContext, ep: string, fn: (c: V3Client) => Promise<T>): Promise<T> {
  const c = await endpointClient(ctx, [ep]);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

export const compactionCommand: CommandSpec = {
  name: 'compaction',
  use: 'compaction [options] <revision>',
  short: 'Compacts the event history in etcd',
  flags: [{ name: 'physical', kind: 'bool', usage: "'true' to wait for compaction to physically remove all old revisions" }],
  async run(ctx) {
    if (ctx.args.length !== 1) throw new CtlError('compaction command needs 1 argument', ExitCode.badArgs);
    let rev: bigint;
    try {
      rev = parseGoInt(ctx.args[0]!, 'ParseInt', -INT64_MAX - 1n, INT64_MAX);
    } catch (err) {
      throw new CtlError((err as Error).message);
    }
    await withClient(ctx, (c) => must(c.unary('kv', 'compact', { revision: rev, physical: ctx.flags.bool('physical') }, { deadline: commandDeadline(ctx) })));
    ctx.io.stdout(`compacted revision ${rev}\n`);
  },
};

export const defragCommand: CommandSpec = {
  name: 'defrag',
  use: 'defrag',
  short: 'Defragments the storage of the etcd members with given endpoints',
  flags: [{ name: 'data-dir', kind: 'string', usage: 'Optional. If present, defragments a data directory not in use by etcd.' }],
  persistentFlags: [CLUSTER_FLAG],
  async run(ctx) {
    if (ctx.flags.str('data-dir') !== '') {
      throw new CtlError(`Failed to defragment etcd data[${ctx.flags.str('data-dir')}] (offline defragmentation is not supported by tetcdctl)`);
    }
    const c = await clientFor(ctx);
    c.close();
    let failures = 0;
    for (const ep of await endpointsFromCluster(ctx)) {
      try {
        await onEndpoint(ctx, ep, (e) => e.unary('maintenance', 'defragment', {}, { deadline: commandDeadline(ctx), endpoint: 0 }));
        ctx.io.stdout(`Finished defragmenting etcd member[${ep}]\n`);
      } catch (err) {
        ctx.io.stderr(`Failed to defragment etcd member[${ep}] (${errorText(err)})\n`);
        failures++;
      }
    }
    if (failures !== 0) throw new CtlError('', ExitCode.error, true);
  },
};

const alarmGet = (): AlarmRequest => ({ action: AlarmRequest_AlarmAction.GET, memberID: 0n, alarm: AlarmType.NONE });

export const alarmCommand: CommandSpec = {
  name: 'alarm',
  use: 'alarm <subcommand>',
  short: 'Alarm related commands',
  subcommands: [
    {
      name: 'disarm',
      use: 'disarm',
      short: 'Disarms all alarms',
      async run(ctx) {
        if (ctx.args.length !== 0) throw new CtlError('alarm disarm command accepts no arguments', ExitCode.badArgs);
        const resp = await withClient(ctx, async (c) => {
          const deadline = commandDeadline(ctx);
          // clientv3.AlarmDisarm: deactivate every raised alarm, one request each.
          const list = await must(c.unary('maintenance', 'alarm', alarmGet(), { deadline }));
          let last: AlarmResponse = { header: list.header, alarms: [] };
          for (const a of list.alarms) {
            last = await must(c.unary('maintenance', 'alarm', { action: AlarmRequest_AlarmAction.DEACTIVATE, memberID: a.memberID, alarm: a.alarm }, { deadline }));
          }
          return { header: last.header, alarms: list.alarms };
        });
        printerFor(ctx).alarm(resp);
      },
    },
    {
      name: 'list',
      use: 'list',
      short: 'Lists all alarms',
      async run(ctx) {
        if (ctx.args.length !== 0) throw new CtlError('alarm list command accepts no arguments', ExitCode.badArgs);
        const resp = await withClient(ctx, (c) => must(c.unary('maintenance', 'alarm', alarmGet(), { deadline: commandDeadline(ctx) })));
        printerFor(ctx).alarm(resp);
      },
    },
  ],
};

async function health(ctx: RunContext): Promise<void> {
  applyEnv(ctx);
  printerFor(ctx);
  const eps = await endpointsFromCluster(ctx);
  const list = await Promise.all(
    eps.map(async (ep): Promise<EndpointHealth> => {
      const start = performance.now();
      try {
        await onEndpoint(ctx, ep, (c) => c.unary('kv', 'range', RangeRequest.fromPartial({ key: Buffer.from('health') }), { deadline: commandDeadline(ctx), endpoint: 0 }));
        return { ep, health: true, took: formatGoDuration(performance.now() - start), error: '' };
      } catch (err) {
        const text = errorText(err);
        const took = formatGoDuration(performance.now() - start);
        // A member that refuses the read for lack of permission still answers: it is healthy.
        if (text === 'etcdserver: permission denied') return { ep, health: true, took, error: '' };
        return { ep, health: false, took, error: text };
      }
    }),
  );
  printerFor(ctx).endpointHealth(list);
  if (list.some((h) => h.error !== '')) throw new CtlError('unhealthy cluster');
}

async function status(ctx: RunContext): Promise<void> {
  const c = await clientFor(ctx);
  c.close();
  const list: EndpointStatus[] = [];
  let failed = false;
  for (const ep of await endpointsFromCluster(ctx)) {
    try {
      list.push({ ep, resp: await onEndpoint(ctx, ep, (e) => e.unary('maintenance', 'status', {}, { deadline: commandDeadline(ctx), endpoint: 0 })) });
    } catch (err) {
      failed = true;
      ctx.io.stderr(`Failed to get the status of endpoint ${ep} (${errorText(err)})\n`);
    }
  }
  printerFor(ctx).endpointStatus(list);
  if (failed) throw new CtlError('', ExitCode.error, true);
}

async function hashKV(ctx: RunContext): Promise<void> {
  const c = await clientFor(ctx);
  c.close();
  const list: EndpointHashKV[] = [];
  let lastErr: string | undefined;
  for (const ep of await endpointsFromCluster(ctx)) {
    try {
      list.push({ ep, resp: await onEndpoint(ctx, ep, (e) => e.unary('maintenance', 'hashKv', { revision: ctx.flags.big('rev') }, { deadline: commandDeadline(ctx), endpoint: 0 })) });
    } catch (err) {
      lastErr = errorText(err);
      ctx.io.stderr(`Failed to get the hash of endpoint ${ep} (${lastErr})\n`);
    }
  }
  printerFor(ctx).endpointHashKV(list);
  if (lastErr !== undefined) throw new CtlError(lastErr);
}

export const endpointCommand: CommandSpec = {
  name: 'endpoint',
  use: 'endpoint <subcommand>',
  short: 'Endpoint related commands',
  persistentFlags: [CLUSTER_FLAG],
  subcommands: [
    { name: 'health', use: 'health', short: 'Checks the healthiness of endpoints specified in `--endpoints` flag', run: health },
    { name: 'status', use: 'status', short: 'Prints out the status of endpoints specified in `--endpoints` flag', long: `
When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.
The items in the lists are endpoint, ID, version, db size, is leader, is learner, raft term, raft index, raft applied index, errors.
`, run: status },
    {
      name: 'hashkv',
      use: 'hashkv',
      short: 'Prints the KV history hash for each endpoint in --endpoints',
      flags: [{ name: 'rev', kind: 'int', usage: 'maximum revision to hash (default: all revisions)' }],
      run: hashKV,
    },
  ],
};

export const moveLeaderCommand: CommandSpec = {
  name: 'move-leader',
  use: 'move-leader <transferee-member-id>',
  short: 'Transfers leadership to another etcd cluster member.',
  async run(ctx) {
    if (ctx.args.length !== 1) throw new CtlError('move-leader command needs 1 argument', ExitCode.badArgs);
    let target: bigint;
    try {
      target = parseHexUint(ctx.args[0]!);
    } catch (err) {
      throw new CtlError((err as Error).message, ExitCode.badArgs);
    }
    const c = await clientFor(ctx);
    c.close();
    const eps = endpointsOf(ctx);
    let leaderId = 0n;
    let leaderEp: string | undefined;
    for (const ep of eps) {
      const resp = await must(onEndpoint(ctx, ep, (e) => e.unary('maintenance', 'status', {}, { deadline: commandDeadline(ctx), endpoint: 0 })));
      if (resp.header?.member_id === resp.leader) {
        leaderId = resp.leader;
        leaderEp = ep;
        break;
      }
    }
    if (leaderEp === undefined) throw new CtlError(`no leader endpoint given at [${eps.join(' ')}]`, ExitCode.badArgs);
    const resp = await must(onEndpoint(ctx, leaderEp, (e) => e.unary('maintenance', 'moveLeader', { targetID: target }, { deadline: commandDeadline(ctx), endpoint: 0 })));
    printerFor(ctx).moveLeader(leaderId, target, resp);
  },
};

/** strconv.ParseUint(s, 16, 64), for member IDs. */
export function parseHexUint(s: string): bigint {
  if (!/^[0-9a-fA-F]+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const v = BigInt('0x' + s);
  if (v >= 1n << 64n) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return v;
}
