// member list/add/remove/update and cluster-health (ctlv2/command/member_commands.go,
// cluster_health.go) over /v2/members, with etcdctl's texts and exit codes.
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { V2Command, V2Context } from '../cli/app.js';
import { die, Exit, handleError, mustNewClient, mustNewClientNoSync, totalTimeout } from '../globals.js';
import { V2Exit } from '../cli/app.js';

const list: V2Command = {
  name: 'list',
  usage: 'enumerate existing cluster members',
  argsUsage: ' ',
  async action(ctx) {
    if (ctx.args.length !== 0) die(ctx, 'No arguments accepted');
    const client = await mustNewClient(ctx);
    const signal = totalTimeout(ctx);
    const members = await client.memberList(signal).catch((e: Error) => die(ctx, e.message));
    const leader = await client.memberLeader(signal).catch((e: Error) => die(ctx, `Failed to get leader:  ${e.message}`));
    for (const m of members) {
      if (m.name === '') ctx.io.stdout(`${m.id}[unstarted]: peerURLs=${m.peerURLs.join(',')}\n`);
      else
        ctx.io.stdout(
          `${m.id}: name=${m.name} peerURLs=${m.peerURLs.join(',')} clientURLs=${m.clientURLs.join(',')} isLeader=${m.id === leader.id}\n`,
        );
    }
  },
};

const add: V2Command = {
  name: 'add',
  usage: 'add a new member to the etcd cluster',
  argsUsage: '<name> <peerURL>',
  async action(ctx) {
    if (ctx.args.length !== 2) die(ctx, 'Provide a name and a single member peerURL');
    const client = await mustNewClient(ctx);
    const [newName, url] = ctx.args as [string, string];
    const signal = totalTimeout(ctx);
    const m = await client.memberAdd(url, signal).catch((e: Error) => die(ctx, e.message));
    ctx.io.stdout(`Added member named ${newName} with ID ${m.id} to cluster\n`);
    const members = await client.memberList(signal).catch((e: Error) => die(ctx, e.message));
    const conf = members.flatMap((mb) => mb.peerURLs.map((u) => `${mb.id === m.id ? newName : mb.name}=${u}`));
    ctx.io.stdout(
      `\nETCD_NAME=${JSON.stringify(newName)}\nETCD_INITIAL_CLUSTER=${JSON.stringify(conf.join(','))}\nETCD_INITIAL_CLUSTER_STATE="existing"\n`,
    );
  },
};

const remove: V2Command = {
  name: 'remove',
  usage: 'remove an existing member from the etcd cluster',
  argsUsage: '<memberID>',
  async action(ctx) {
    if (ctx.args.length !== 1) die(ctx, 'Provide a single member ID');
    const id = ctx.args[0]!;
    const client = await mustNewClient(ctx);
    const signal = totalTimeout(ctx);
    const members = await client.memberList(signal).catch((e: Error) => die(ctx, `Error while verifying ID against known members: ${e.message}`));
    let found = false;
    for (const m of members) {
      if (m.id === id) found = true;
      if (m.name === id) {
        ctx.io.stderr(`Found a member named ${m.name}; if this is correct, please use its ID, eg:\n\tetcdctl member remove ${m.id}\n`);
        ctx.io.stderr(
          'For more details, read the documentation at https://github.com/etcd-io/etcd/blob/master/Documentation/runtime-configuration.md#remove-a-member\n\n',
        );
      }
    }
    if (!found) die(ctx, `Couldn't find a member in the cluster with an ID of ${id}.`);
    try {
      await client.memberRemove(id, signal);
    } catch (e) {
      ctx.io.stderr(`Received an error trying to remove member ${id}: ${(e as Error).message}`);
      throw new V2Exit(1);
    }
    ctx.io.stdout(`Removed member ${id} from cluster\n`);
  },
};

const update: V2Command = {
  name: 'update',
  usage: 'update an existing member in the etcd cluster',
  argsUsage: '<memberID> <peerURLs>',
  async action(ctx) {
    if (ctx.args.length !== 2) die(ctx, 'Provide an ID and a list of comma separated peerURL (0xabcd http://example.com,http://example1.com)');
    const client = await mustNewClient(ctx);
    const [id, urls] = ctx.args as [string, string];
    await client.memberUpdate(id, urls.split(','), totalTimeout(ctx)).catch((e: Error) => die(ctx, e.message));
    ctx.io.stdout(`Updated member with ID ${id} in cluster\n`);
  },
};

export const MEMBER_COMMAND: V2Command = {
  name: 'member',
  usage: 'member add, remove and list subcommands',
  subcommands: [list, add, remove, update],
};

/** GET <url>/health; the body's "health" may be the string "true" or a bool (old members). */
function checkHealth(url: string, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const fn = url.startsWith('https:') ? httpsRequest : request;
    const r = fn(`${url}/health`, { signal, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as { health?: unknown };
          resolve(body.health === 'true' || body.health === true);
        } catch (e) {
          reject(e as Error);
        }
      });
    });
    r.on('error', (e: NodeJS.ErrnoException) => {
      const u = new URL(url);
      reject(new Error(e.code === 'ECONNREFUSED' ? `Get ${url}/health: dial tcp ${u.host}: connect: connection refused` : e.message));
    });
    r.end();
  });
}

const HEALTH_INTERVAL_MS = 10_000;

export const CLUSTER_HEALTH_COMMAND: V2Command = {
  name: 'cluster-health',
  usage: 'check the health of the etcd cluster',
  argsUsage: ' ',
  flags: [{ names: ['forever', 'f'], kind: 'bool', usage: 'forever check the health every 10 second until CTRL+C' }],
  async action(ctx) {
    const client = await mustNewClientNoSync(ctx);
    let members;
    try {
      members = await client.memberList(new AbortController().signal);
    } catch (err) {
      ctx.io.stdout('cluster may be unhealthy: failed to list members\n');
      handleError(ctx, Exit.serverError, err);
    }
    for (;;) {
      let healthy = 0;
      for (const m of members) {
        if (m.clientURLs.length === 0) {
          ctx.io.stdout(`member ${m.id} is unreachable: no available published client urls\n`);
          continue;
        }
        let checked = false;
        for (const url of m.clientURLs) {
          let ok: boolean;
          try {
            ok = await checkHealth(url, AbortSignal.timeout(ctx.global.duration('total-timeout') || 30_000));
          } catch (e) {
            ctx.io.stdout(`failed to check the health of member ${m.id} on ${url}: ${(e as Error).message}\n`);
            continue;
          }
          checked = true;
          if (ok) {
            ctx.io.stdout(`member ${m.id} is healthy: got healthy result from ${url}\n`);
            healthy++;
          } else {
            ctx.io.stdout(`member ${m.id} is unhealthy: got unhealthy result from ${url}\n`);
          }
          break;
        }
        if (!checked) ctx.io.stdout(`member ${m.id} is unreachable: [${m.clientURLs.join(' ')}] are all unreachable\n`);
      }
      ctx.io.stdout(healthy === members.length ? 'cluster is healthy\n' : healthy === 0 ? 'cluster is unavailable\n' : 'cluster is degraded\n');
      if (!ctx.flags.bool('forever')) throw new V2Exit(healthy === members.length ? Exit.success : Exit.clusterNotHealthy);
      ctx.io.stdout('\nnext check after 10 second...\n\n');
      await new Promise((r) => setTimeout(r, HEALTH_INTERVAL_MS));
    }
  },
};

export type { V2Context };
