/**
 * A simulated network of RawNodes for deterministic tests: messages are
 * queued in memory and delivered in order; links can be cut (partitions,
 * isolation, one-way drops) or made lossy with a seeded random source. Each
 * node's Ready is handled as a real server would: persist snapshot, entries
 * and hard state into its MemoryStorage, then send, then apply, then advance.
 *
 * The network also checks Raft's safety properties on the fly: at most one
 * leader per term, and an index once applied anywhere is applied with the
 * same entry everywhere.
 */
import {
  decodeConfChange,
  EntryType,
  ErrProposalDropped,
  ErrStepPeerNotFound,
  MemoryStorage,
  MessageType,
  RawNode,
  StateType,
  type Entry,
  type Message,
  type RaftConfig,
  type ReadState,
} from '../../src/raft/index.js';

/** A small seeded PRNG (mulberry32), so "random" tests replay exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TestNode {
  id: bigint;
  node: RawNode;
  storage: MemoryStorage;
  /** Entries applied, in order (including the bootstrap conf changes). */
  applied: Entry[];
  readStates: ReadState[];
}

export type NodeOptions = Partial<Omit<RaftConfig, 'id' | 'storage'>>;

const MAX_ROUNDS = 10_000;

export class Network {
  readonly nodes = new Map<bigint, TestNode>();
  private queue: Message[] = [];
  private cut = new Set<string>();
  private dropRate = 0;
  /** When set, only messages it accepts are delivered. */
  filter: ((m: Message) => boolean) | undefined;
  /** How many messages of each type were delivered. */
  readonly delivered = new Map<MessageType, number>();
  private readonly rand: () => number;
  /** term → the leader seen in it. */
  readonly leaders = new Map<number, bigint>();
  /** index → the entry applied at it (by whichever node applied it first). */
  readonly committed = new Map<number, Entry>();

  constructor(
    ids: bigint[],
    readonly options: NodeOptions = {},
    seed = 1,
  ) {
    this.rand = seededRandom(seed);
    for (const id of ids) {
      const n = this.createNode(id);
      n.node.bootstrap(ids.map((p) => ({ id: p })));
    }
    this.stabilize();
  }

  /** A node with an empty log that joins through the leader (after a conf change adds it). */
  addNode(id: bigint): TestNode {
    return this.createNode(id);
  }

  /**
   * Crash and restart: a new RawNode over the same (persisted) storage. The
   * state machine is rebuilt by re-applying the committed log.
   */
  restart(id: bigint): TestNode {
    const old = this.get(id);
    const n = this.createNode(id, old.storage);
    this.stabilize();
    return n;
  }

  private createNode(id: bigint, storage = new MemoryStorage()): TestNode {
    const node = new RawNode({
      id,
      electionTick: 10,
      heartbeatTick: 1,
      storage,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 256,
      checkQuorum: false,
      preVote: false,
      readOnlyOption: 'safe',
      rand: seededRandom(Number(id) * 7919),
      ...this.options,
    });
    const n: TestNode = { id, node, storage, applied: [], readStates: [] };
    this.nodes.set(id, n);
    return n;
  }

  get(id: bigint): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  // --- faults -------------------------------------------------------------

  /** Drops every message from `from` to `to` (one direction). */
  drop(from: bigint, to: bigint): void {
    this.cut.add(`${from}->${to}`);
  }

  /** Cuts every link between the two groups, both ways. */
  partition(a: bigint[], b: bigint[]): void {
    for (const x of a) {
      for (const y of b) {
        this.drop(x, y);
        this.drop(y, x);
      }
    }
  }

  /** Cuts a node off from every other node. */
  isolate(id: bigint): void {
    this.partition(
      [id],
      [...this.nodes.keys()].filter((x) => x !== id),
    );
  }

  /** Drops each message with this probability (seeded). */
  setDropRate(p: number): void {
    this.dropRate = p;
  }

  heal(): void {
    this.cut.clear();
    this.dropRate = 0;
    this.filter = undefined;
  }

  /** Removes a node entirely (messages to it are lost). */
  remove(id: bigint): void {
    this.nodes.delete(id);
  }

  // --- driving --------------------------------------------------------------

  tick(id: bigint, n = 1): void {
    for (let i = 0; i < n; i++) this.get(id).node.tick();
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const t of this.nodes.values()) t.node.tick();
      this.stabilize();
    }
  }

  campaign(id: bigint): void {
    this.get(id).node.campaign();
    this.stabilize();
  }

  propose(id: bigint, data: string): void {
    this.get(id).node.propose(Buffer.from(data));
    this.stabilize();
  }

  /** Injects a message as if it came over the wire, then stabilizes. */
  send(m: Message): void {
    this.queue.push(m);
    this.stabilize();
  }

  /** Handles every Ready and delivers every message until nothing moves. */
  stabilize(): void {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let moved = false;
      for (const n of this.nodes.values()) {
        if (n.node.hasReady()) {
          this.handleReady(n);
          moved = true;
        }
      }
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        moved = true;
        this.deliver(m);
      }
      if (!moved) return;
    }
    throw new Error('network did not stabilize');
  }

  /** Delivers only what is queued now (and handles Readies once), for step-by-step tests. */
  deliverOnce(): void {
    for (const n of this.nodes.values()) if (n.node.hasReady()) this.handleReady(n);
    const batch = this.queue;
    this.queue = [];
    for (const m of batch) this.deliver(m);
  }

  /** Handles pending Readies only: their messages are queued, not yet delivered. */
  readyAll(): void {
    for (const n of this.nodes.values()) if (n.node.hasReady()) this.handleReady(n);
  }

  private deliver(m: Message): void {
    const to = this.nodes.get(m.to);
    if (to === undefined || this.cut.has(`${m.from}->${m.to}`)) return;
    if (this.dropRate > 0 && this.rand() < this.dropRate) return;
    if (this.filter !== undefined && !this.filter(m)) return;
    this.delivered.set(m.type, (this.delivered.get(m.type) ?? 0) + 1);
    try {
      to.node.step(m);
    } catch (err) {
      // A forwarded proposal dropped by its receiver is lost, as on a real network.
      if (err !== ErrStepPeerNotFound && err !== ErrProposalDropped) throw err;
    }
  }

  private handleReady(n: TestNode): void {
    const rd = n.node.ready();
    if (rd.snapshot !== undefined) {
      n.storage.applySnapshot(rd.snapshot);
      // The state machine jumps to the snapshot: record its index as covered.
      n.applied = n.applied.filter((e) => e.index <= rd.snapshot!.metadata.index);
    }
    n.storage.append(rd.entries);
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    this.queue.push(...rd.messages);
    for (const e of rd.committedEntries) this.apply(n, e);
    n.readStates.push(...rd.readStates);
    n.node.advance(rd);
    this.checkLeader(n);
  }

  private apply(n: TestNode, e: Entry): void {
    const seen = this.committed.get(e.index);
    if (seen === undefined) {
      this.committed.set(e.index, e);
    } else if (seen.term !== e.term || !seen.data.equals(e.data)) {
      throw new Error(`safety: node ${n.id} applied ${e.index}@${e.term}, but ${seen.index}@${seen.term} was applied before`);
    }
    n.applied.push(e);
    if (e.type === EntryType.ConfChange) n.node.applyConfChange(decodeConfChange(e.data));
  }

  private checkLeader(n: TestNode): void {
    const st = n.node.status();
    if (st.raftState !== StateType.Leader) return;
    const prev = this.leaders.get(st.term);
    if (prev !== undefined && prev !== n.id) {
      throw new Error(`safety: two leaders in term ${st.term}: ${prev} and ${n.id}`);
    }
    this.leaders.set(st.term, n.id);
  }

  // --- observations -------------------------------------------------------------

  /** The current leader according to the nodes that consider themselves leader in the highest term. */
  leader(): bigint | undefined {
    let best: { id: bigint; term: number } | undefined;
    for (const n of this.nodes.values()) {
      const st = n.node.status();
      if (st.raftState === StateType.Leader && (best === undefined || st.term > best.term)) best = { id: n.id, term: st.term };
    }
    return best?.id;
  }

  /** The application data (normal, non-empty entries) a node has applied, as strings. */
  appliedData(id: bigint): string[] {
    return this.get(id)
      .applied.filter((e) => e.type === EntryType.Normal && e.data.length > 0)
      .map((e) => e.data.toString());
  }

  /** Every entry in a node's persisted log, as index@term. */
  logOf(id: bigint): string[] {
    const s = this.get(id).storage;
    if (s.lastIndex() < s.firstIndex()) return [];
    return s.entries(s.firstIndex(), s.lastIndex() + 1, Number.MAX_SAFE_INTEGER).map((e) => `${e.index}@${e.term}`);
  }

  /** Messages currently queued (for tests that inspect traffic). */
  pending(): Message[] {
    return this.queue;
  }

  /** Count of queued messages of a type. */
  countPending(type: MessageType): number {
    return this.queue.filter((m) => m.type === type).length;
  }
}
