// The differential runner: every sequence runs against real etcd (the reference) and then
// against tetcd; their normalised transcripts must be equal. One etcd and one tetcd per test
// file, started on first use and stopped when the file ends.
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import { isDeepStrictEqual, inspect } from 'node:util';
import { RangeRequest, StatusRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { etcdSkipReason, startEtcd } from './etcd.js';
import { etcdctl, startCtl, type BackgroundCtl, type CtlOptions, type CtlResult } from './etcdctl.js';
import { connect, outcome, plain, unary, type Clients } from './grpc.js';
import type { Member, MemberOptions } from './member.js';
import { Normaliser, type Identity, type NormalisedCtl, type NormaliseOptions } from './normalise.js';
import { sleep, tail } from './procs.js';
import { b, prefixEnd } from './requests.js';
import { startTetcd, tetcdSkipReason } from './tetcd.js';

export type TargetKind = 'etcd' | 'tetcd';

const WAIT_POLL_MS = 50;

/** A running server of one kind, with its identity and gRPC clients. */
export interface Target {
  readonly kind: TargetKind;
  readonly member: Member;
  readonly identity: Identity;
  readonly clients: Clients;
}

/** One recorded step of a sequence, already normalised. */
export type Step =
  | ({ readonly cmd: string } & NormalisedCtl)
  | { readonly call: string; readonly result: unknown }
  | { readonly note: string; readonly value: unknown };

export interface CtlStepOptions extends CtlOptions, NormaliseOptions {
  /**
   * Rewrites stdout before normalisation, for simple-format fields that legitimately differ
   * but cannot be recognised by name (raft term and index columns of `endpoint status`).
   */
  readonly transform?: (stdout: string) => string;
}

/** One sequence running on one target: run steps through it so they are recorded. */
export class Session {
  readonly transcript: Step[] = [];

  constructor(
    readonly target: Target,
    readonly norm: Normaliser,
    private readonly t: TestContext,
  ) {}

  get kind(): TargetKind {
    return this.target.kind;
  }
  get endpoint(): string {
    return this.target.member.endpoint;
  }
  get clients(): Clients {
    return this.target.clients;
  }
  /** The absolute revision `delta` after the sequence's start revision. */
  rev(delta: number): number {
    return this.norm.baseRevision + delta;
  }

  /** Run real etcdctl against this target, record the normalised result, and return the raw one. */
  async ctl(args: readonly string[], opts: CtlStepOptions = {}): Promise<CtlResult> {
    const res = await etcdctl(this.endpoint, args, opts);
    assert.equal(res.timedOut, false, `etcdctl ${args.join(' ')} timed out on ${this.kind}`);
    const shown = opts.transform ? { ...res, stdout: opts.transform(res.stdout) } : res;
    this.transcript.push({ cmd: this.norm.args(args), ...this.norm.ctl(shown, opts) });
    return res;
  }

  /** Start etcdctl in the background (watch, elect, lock); it is stopped when the test ends. */
  background(args: readonly string[], opts: CtlOptions = {}): BackgroundCtl {
    const bg = startCtl(this.endpoint, args, opts);
    this.t.after(async () => void (await bg.stop()));
    return bg;
  }

  /** Record a finished background etcdctl (stopped by us, so its exit code is not compared). */
  recordBackground(args: readonly string[], res: CtlResult, opts: NormaliseOptions = {}): void {
    const n = this.norm.ctl(res, opts);
    this.transcript.push({ cmd: `${this.norm.args(args)} &`, stdout: n.stdout, stderr: n.stderr, code: null });
  }

  /** Await a gRPC call, record its normalised response or error status, and return the outcome. */
  async grpc<T>(label: string, call: Promise<T>, opts: NormaliseOptions = {}): Promise<T | undefined> {
    const o = await outcome(call);
    if ('ok' in o) {
      this.transcript.push({ call: label, result: this.norm.value(plain(o.ok), opts) });
      return o.ok;
    }
    this.transcript.push({ call: label, result: { error: o.error } });
    return undefined;
  }

  /**
   * Wait (bounded, not recorded) until the prefix holds exactly `count` keys, to order a step
   * after something a background etcdctl does (a second locker's key, a candidate's key).
   */
  async waitForKeyCount(prefix: string, count: number, timeoutMs = 8_000): Promise<void> {
    const { kv } = this.clients;
    const req = RangeRequest.fromPartial({ key: b(prefix), range_end: prefixEnd(prefix), count_only: true });
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    while (Date.now() < deadline) {
      seen = Number((await unary(kv, kv.range, req)).count);
      if (seen === count) return;
      await sleep(WAIT_POLL_MS);
    }
    assert.fail(`${this.kind}: ${prefix} holds ${seen} keys, not ${count}, after ${timeoutMs} ms`);
  }

  /** Record any other observation (already plain data) under a label. */
  record(note: string, value: unknown, opts: NormaliseOptions = {}): void {
    this.transcript.push({ note, value: this.norm.value(plain(value), opts) });
  }
}

export type SequenceBody = (s: Session) => Promise<void>;

export interface SuiteOptions extends MemberOptions {}

export interface Suite {
  /** Register a sequence: run on real etcd, then on tetcd, and compare the transcripts. */
  sequence(name: string, body: SequenceBody): void;
}

/**
 * DIFFTEST_SELF_CHECK=1 puts a second real etcd in tetcd's place: every sequence must then
 * pass, which proves the normalisation removes exactly what differs between two servers.
 */
const SELF_CHECK = process.env.DIFFTEST_SELF_CHECK !== undefined;
const STARTERS: Record<TargetKind, (o: MemberOptions) => Promise<Member>> = {
  etcd: startEtcd,
  tetcd: SELF_CHECK ? startEtcd : startTetcd,
};
const SKIP_REASONS: Record<TargetKind, () => string | undefined> = {
  etcd: etcdSkipReason,
  tetcd: SELF_CHECK ? etcdSkipReason : tetcdSkipReason,
};

/** Create the suite for one test file (call once, at top level). */
export function diffSuite(opts: SuiteOptions = {}): Suite {
  const targets = new Map<TargetKind, Promise<Target>>();
  after(async () => {
    for (const p of targets.values()) {
      const target = await p.catch(() => undefined);
      if (target === undefined) continue;
      target.clients.close();
      await target.member.stop();
    }
  });
  const targetOf = (kind: TargetKind): Promise<Target> => {
    let p = targets.get(kind);
    if (p === undefined) {
      p = startTarget(kind, opts);
      targets.set(kind, p);
    }
    return p;
  };

  return {
    sequence(name, body) {
      test(name, async (t) => {
        let reference: Step[] | undefined;
        await t.test('etcd', async (tt) => {
          const reason = SKIP_REASONS.etcd();
          if (reason !== undefined) return void tt.skip(reason);
          const session = await newSession(await targetOf('etcd'), tt);
          await body(session);
          reference = session.transcript;
          dump(tt, session);
        });
        await t.test('tetcd', async (tt) => {
          const reason = SKIP_REASONS.tetcd() ?? (reference === undefined ? 'no real etcd transcript to compare with' : undefined);
          if (reason !== undefined) return void tt.skip(reason);
          const target = await targetOf('tetcd');
          const session = await newSession(target, tt);
          try {
            await body(session);
          } catch (err) {
            // Show where tetcd's transcript left etcd's before the sequence's own failure.
            compareTranscripts(session.transcript, reference!, target, true);
            throw err;
          }
          dump(tt, session);
          compareTranscripts(session.transcript, reference!, target, false);
        });
      });
    },
  };
}

/** With DIFFTEST_DUMP=1, print each transcript (to write and debug sequences). */
function dump(t: TestContext, session: Session): void {
  if (process.env.DIFFTEST_DUMP === undefined) return;
  const text = inspect(session.transcript, { depth: 10, breakLength: 140, maxStringLength: 400 });
  process.stderr.write(`--- ${t.fullName} transcript:\n${text}\n`);
}

async function newSession(target: Target, t: TestContext): Promise<Session> {
  return new Session(target, new Normaliser(target.identity, await currentRevision(target)), t);
}

async function startTarget(kind: TargetKind, opts: MemberOptions): Promise<Target> {
  const member = await STARTERS[kind](opts);
  const clients = connect(member.endpoint);
  try {
    const status = await unary(clients.maintenance, clients.maintenance.status, StatusRequest.fromPartial({}));
    const header = status.header;
    if (header === undefined) throw new Error(`${kind}: Status response without a header`);
    return {
      kind,
      member,
      clients,
      identity: {
        clusterId: header.cluster_id,
        memberId: header.member_id,
        clientPort: member.clientPort,
        peerPort: member.peerPort,
      },
    };
  } catch (err) {
    clients.close();
    await member.stop();
    throw new Error(`${kind} started but did not answer Status: ${(err as Error).message}\n${tail(member.proc.stderr())}`);
  }
}

/** The store's current revision, from the header of a range over an unused key. */
export async function currentRevision(target: Target): Promise<number> {
  const { kv } = target.clients;
  const res = await unary(kv, kv.range, RangeRequest.fromPartial({ key: Buffer.from('\0difftest-probe') }));
  return Number(res.header?.revision ?? 0n);
}

/** Equal transcripts, or an error naming the first step where tetcd differs from etcd. */
function compareTranscripts(got: readonly Step[], want: readonly Step[], target: Target, partial: boolean): void {
  const n = partial ? got.length : Math.max(got.length, want.length);
  for (let i = 0; i < n; i++) {
    if (isDeepStrictEqual(got[i], want[i])) continue;
    const serverLog = tail(target.member.proc.stderr(), 2000);
    assert.fail(
      `tetcd differs from etcd at step ${i + 1}${partial ? ' (before the sequence failed)' : ''}\n` +
        `etcd:  ${inspect(want[i], { depth: 8, breakLength: 120 })}\n` +
        `tetcd: ${inspect(got[i], { depth: 8, breakLength: 120 })}\n` +
        `tetcd stderr (tail):\n${serverLog}`,
    );
  }
}
