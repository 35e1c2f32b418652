// member add/remove/update/list/promote (member_command.go).
import type { V3Client } from '../../client/v3.js';
import { CtlError, ExitCode, type CommandSpec, type RunContext } from '../cli/command.js';
import { clientFor, commandDeadline, must, printerFor } from '../globals.js';
import { SimplePrinter } from '../printer/index.js';
import { goQuote } from '../printer/go-format.js';
import { parseHexUint } from './maintenance.js';

async function withClient<T>(ctx: RunContext, fn: (c: V3Client) => Promise<T>): Promise<T> {
  const c = await clientFor(ctx);
  try {
    return await must(fn(c));
  } finally {
    c.close();
  }
}

function memberId(ctx: RunContext): bigint {
  if (ctx.args.length !== 1) throw new CtlError('member ID is not provided', ExitCode.badArgs);
  try {
    return parseHexUint(ctx.args[0]!);
  } catch (err) {
    throw new CtlError(`bad member ID arg (${(err as Error).message}), expecting ID in Hex`, ExitCode.badArgs);
  }
}

export const memberCommand: CommandSpec = {
  name: 'member',
  use: 'member <subcommand>',
  short: 'Membership related commands',
  subcommands: [
    {
      name: 'add',
      use: 'add <memberName> [options]',
      short: 'Adds a member into the cluster',
      flags: [
        { name: 'peer-urls', kind: 'string', usage: 'comma separated peer URLs for the new member.' },
        { name: 'learner', kind: 'bool', usage: 'indicates if the new member is raft learner' },
      ],
      async run(ctx) {
        if (ctx.args.length < 1) throw new CtlError('member name not provided', ExitCode.badArgs);
        if (ctx.args.length > 1) {
          const hints = ctx.args.filter((s) => s.toLowerCase().startsWith('http')).map((s) => `, did you mean --peer-urls=${s}`);
          throw new CtlError(`too many arguments${hints.join('')}`, ExitCode.badArgs);
        }
        const name = ctx.args[0]!;
        const peerUrls = ctx.flags.str('peer-urls');
        if (peerUrls.length === 0) throw new CtlError('member peer urls not provided', ExitCode.badArgs);
        const resp = await withClient(ctx, (c) =>
          c.unary('cluster', 'memberAdd', { peerURLs: peerUrls.split(','), isLearner: ctx.flags.bool('learner') }, { deadline: commandDeadline(ctx) }),
        );
        const p = printerFor(ctx);
        p.memberAdd(resp);
        if (p instanceof SimplePrinter) {
          const newId = resp.member?.ID;
          const conf = resp.members.flatMap((m) => m.peerURLs.map((u) => `${m.ID === newId ? name : m.name}=${u}`));
          ctx.io.stdout(
            `\nETCD_NAME=${goQuote(name)}\nETCD_INITIAL_CLUSTER=${goQuote(conf.join(','))}\nETCD_INITIAL_ADVERTISE_PEER_URLS=${goQuote(peerUrls)}\nETCD_INITIAL_CLUSTER_STATE="existing"\n`,
          );
        }
      },
    },
    {
      name: 'remove',
      use: 'remove <memberID>',
      short: 'Removes a member from the cluster',
      async run(ctx) {
        const id = memberId(ctx);
        const resp = await withClient(ctx, (c) => c.unary('cluster', 'memberRemove', { ID: id }, { deadline: commandDeadline(ctx) }));
        printerFor(ctx).memberRemove(id, resp);
      },
    },
    {
      name: 'update',
      use: 'update <memberID> [options]',
      short: 'Updates a member in the cluster',
      flags: [{ name: 'peer-urls', kind: 'string', usage: 'comma separated peer URLs for the updated member.' }],
      async run(ctx) {
        const id = memberId(ctx);
        const peerUrls = ctx.flags.str('peer-urls');
        if (peerUrls.length === 0) throw new CtlError('member peer urls not provided', ExitCode.badArgs);
        const resp = await withClient(ctx, (c) => c.unary('cluster', 'memberUpdate', { ID: id, peerURLs: peerUrls.split(',') }, { deadline: commandDeadline(ctx) }));
        printerFor(ctx).memberUpdate(id, resp);
      },
    },
    {
      name: 'list',
      use: 'list',
      short: 'Lists all members in the cluster',
      long: `
When --write-out is set to simple, this command prints out comma-separated member lists for each endpoint.
The items in the lists are ID, Status, Name, Peer Addrs, Client Addrs, Is Learner.
`,
      async run(ctx) {
        const resp = await withClient(ctx, (c) => c.unary('cluster', 'memberList', {}, { deadline: commandDeadline(ctx) }));
        printerFor(ctx).memberList(resp);
      },
    },
    {
      name: 'promote',
      use: 'promote <memberID>',
      short: 'Promotes a non-voting member in the cluster',
      long: `
Promotes a non-voting learner member to a voting one in the cluster.
`,
      async run(ctx) {
        const id = memberId(ctx);
        const resp = await withClient(ctx, (c) => c.unary('cluster', 'memberPromote', { ID: id }, { deadline: commandDeadline(ctx) }));
        printerFor(ctx).memberPromote(id, resp);
      },
    },
  ],
};
