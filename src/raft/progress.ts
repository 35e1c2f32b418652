import { Inflights } from './inflights.js';

export enum ProgressState {
  /** One MsgApp per heartbeat interval until we learn where the follower's log matches. */
  Probe = 'StateProbe',
  /** Optimistic pipelining of MsgApps, bounded by Inflights. */
  Replicate = 'StateReplicate',
  /** A snapshot is on its way; nothing else is sent until it is reported. */
  Snapshot = 'StateSnapshot',
}

/** The leader's view of one follower's log (etcd's tracker.Progress). */
export class Progress {
  match = 0;
  next: number;
  state = ProgressState.Probe;
  /** The index of the snapshot being sent, in Snapshot state. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round (or newly added). */
  recentActive = false;
  /** In Probe state: one MsgApp was sent and we wait for its answer. */
  probeSent = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number, public isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, the follower is known to have at least the snapshot index.
    const from = this.state === ProgressState.Snapshot ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.resetState(ProgressState.Probe);
    this.next = from + 1;
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** An append was acknowledged up to n; false if it was stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * The follower rejected the append at `rejected`, hinting its log may match
   * at `matchHint`. Returns false for a stale (out-of-order) rejection.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(1, Math.min(rejected, matchHint + 1));
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }
}
