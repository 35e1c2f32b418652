// The raft loop of one member: drives the pure raft state machine, persists what it asks to
// persist (WAL fsync) BEFORE sending messages or applying committed entries, then advances.
// Batching falls out of the loop: proposals made while a WAL fsync is in flight accumulate in
// raft's unstable log and are persisted together by the next iteration, one fsync for all.
import { EventEmitter } from 'node:events';
import { RawNode, encodeEntry, type MemoryStorage, type Entry, type HardState, type Ready, type Message, type Snapshot } from '../raft/index.js';
import type { WAL } from '../wal/index.js';
import type { Logger } from './logger.js';

export interface RaftNodeOptions {
  id: bigint;
  storage: MemoryStorage;
  wal: WAL;
  /** Index of the last entry already applied to the state machine (raft snapshot index on restart). */
  applied: number;
  heartbeatMs: number;
  electionMs: number;
  logger: Logger;
  /** Applies committed entries; awaited between persist and advance. */
  apply(entries: Entry[]): Promise<void>;
  /** Makes a snapshot from the leader durable and installs it as the state machine. */
  installSnapshot(snap: Snapshot): Promise<void>;
  /** Sends messages to peers (none in a single-member cluster). */
  send(messages: Message[]): void;
  /** Delivers confirmed ReadIndex states. */
  readStates(states: Array<{ index: number; requestCtx: Buffer }>): void;
  onLeaderChange(lead: bigint, term: number): void;
  /** Fatal persistence error: the member must stop rather than run on with an unknown state. */
  onFatal(err: Error): void;
}

export class RaftNode extends EventEmitter {
  readonly node: RawNode;
  private readonly opts: RaftNodeOptions;
  private ticker: NodeJS.Timeout | undefined;
  private running = false;
  private scheduled = false;
  private stopped = false;
  private lead = 0n;
  private term = 0;
  private idle: Array<() => void> = [];

  constructor(opts: RaftNodeOptions) {
    super();
    this.opts = opts;
    const electionTick = Math.max(1, Math.round(opts.electionMs / opts.heartbeatMs));
    this.node = new RawNode({
      id: opts.id,
      electionTick,
      heartbeatTick: 1,
      storage: opts.storage,
      applied: opts.applied,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 512,
      checkQuorum: true,
      preVote: true,
      readOnlyOption: 'safe',
    });
  }

  start(): void {
    this.ticker = setInterval(() => {
      this.node.tick();
      this.kick();
    }, this.opts.heartbeatMs);
    this.kick();
  }

  get leader(): bigint {
    return this.lead;
  }

  get currentTerm(): number {
    return this.term;
  }

  /** Schedules a pass of the loop; many calls in one tick of the event loop make one pass. */
  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  /** Resolves once the loop has nothing left to do (used by tests and shutdown). */
  whenIdle(): Promise<void> {
    if (this.stopped || (!this.running && !this.node.hasReady())) return Promise.resolve();
    this.kick();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      while (!this.stopped && this.node.hasReady()) {
        const rd = this.node.ready();
        await this.handle(rd);
        this.node.advance(rd);
      }
    } catch (err) {
      this.stopped = true;
      this.opts.onFatal(err as Error);
    } finally {
      this.running = false;
      const idle = this.idle;
      this.idle = [];
      for (const f of idle) f();
    }
  }

  private async handle(rd: Ready): Promise<void> {
    if (rd.softState && rd.softState.lead !== this.lead) {
      this.lead = rd.softState.lead;
    }
    const hs: HardState | undefined = rd.hardState;
    if (hs) this.term = hs.term;
    if (rd.softState) this.opts.onLeaderChange(this.lead, this.term);
    // Persist first: an entry is acknowledged (applied and answered) only once it is on disk.
    if (rd.snapshot) await this.opts.installSnapshot(rd.snapshot);
    let saving: Promise<void> | undefined;
    if (rd.entries.length > 0 || hs) {
      const walEntries = rd.entries.map((e) => ({ index: e.index, term: e.term, encoded: encodeEntry(e) }));
      const saved = this.opts.wal.save(hs, walEntries, rd.mustSync);
      if (rd.mustSync || rd.entries.length > 0) {
        await saved;
      } else {
        // Only the commit index moved (the second Ready of every write): it need not be
        // durable first (it is re-learned after a crash, and the entries it covers were synced
        // by an earlier Ready), so the record is written while the entries are applied, as
        // etcd does. The WAL keeps its writes in order; the loop waits for it before advancing.
        saving = saved;
        saved.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      }
    }
    if (rd.entries.length > 0) this.opts.storage.append(rd.entries);
    if (rd.messages.length > 0) this.opts.send(rd.messages);
    try {
      if (rd.committedEntries.length > 0) await this.opts.apply(rd.committedEntries);
      if (rd.readStates.length > 0) this.opts.readStates(rd.readStates);
    } finally {
      await saving;
    }
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    await this.whenIdle();
    this.stopped = true;
  }
}
