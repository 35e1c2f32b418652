// elect <election-name> [proposal] (elect_command.go): campaigns with the proposal and, once
// elected, prints the leader key and value and leads until SIGINT/SIGTERM; with -l, prints the
// leader and each change to it.
import { RangeRequest } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { V3Client } from '../../client/v3.js';
import { CtlError, ExitCode, type CommandSpec, type RunContext } from '../cli/command.js';
import { Election, Session } from '../concurrency/index.js';
import { clientFor, must, printerFor } from '../globals.js';
import { aborted, interruptSignal } from './lock.js';

async function observe(ctx: RunContext, c: V3Client, name: string): Promise<void> {
  const session = await Session.create(c);
  const interrupt = interruptSignal();
  const p = printerFor(ctx);
  try {
    try {
      for await (const resp of new Election(session, name).observe(interrupt.signal)) p.get(resp);
    } catch (err) {
      if (!interrupt.signal.aborted) throw new CtlError('elect: observer lost');
      throw err;
    }
    if (!interrupt.signal.aborted) throw new CtlError('elect: observer lost');
  } finally {
    interrupt.dispose();
    session.orphan();
  }
}

async function campaign(ctx: RunContext, c: V3Client, name: string, proposal: string): Promise<void> {
  const session = await Session.create(c);
  const election = new Election(session, name);
  const interrupt = interruptSignal();
  try {
    await election.campaign(proposal, interrupt.signal);
    printerFor(ctx).get(await c.unary('kv', 'range', RangeRequest.fromPartial({ key: Buffer.from(election.key) })));
    const how = await Promise.race([aborted(interrupt.signal).then(() => 'signal' as const), session.done.then(() => 'expired' as const)]);
    if (how === 'expired') throw new CtlError('elect: session expired');
    await election.resign();
  } finally {
    interrupt.dispose();
    session.orphan();
  }
}

export const electCommand: CommandSpec = {
  name: 'elect',
  use: 'elect <election-name> [proposal]',
  short: 'Observes and participates in leader election',
  flags: [{ name: 'listen', short: 'l', kind: 'bool', usage: 'observation mode' }],
  async run(ctx) {
    if (ctx.args.length !== 1 && ctx.args.length !== 2) throw new CtlError('elect takes one election name argument and an optional proposal argument', ExitCode.badArgs);
    const listen = ctx.flags.bool('listen');
    const c = await clientFor(ctx);
    try {
      if (ctx.args.length === 1 && !listen) throw new CtlError('no proposal argument but -l not set', ExitCode.badArgs);
      if (ctx.args.length === 2 && listen) throw new CtlError('proposal given but -l is set', ExitCode.badArgs);
      await must(ctx.args.length === 1 ? observe(ctx, c, ctx.args[0]!) : campaign(ctx, c, ctx.args[0]!, ctx.args[1]!));
    } finally {
      c.close();
    }
  },
};
