import { Progress } from './progress.js';
import type { ConfState } from './types.js';

export enum VoteResult {
  Pending = 'VotePending',
  Lost = 'VoteLost',
  Won = 'VoteWon',
}

/**
 * The configuration (voters and learners), the leader's progress for every
 * member, and the votes of the current election (etcd's tracker.ProgressTracker,
 * restricted to non-joint configurations: changes are made one at a time).
 */
export class ProgressTracker {
  voters = new Set<bigint>();
  learners = new Set<bigint>();
  progress = new Map<bigint, Progress>();
  private votes = new Map<bigint, boolean>();

  constructor(readonly maxInflight: number) {}

  /** Visits members in ID order, so behaviour is deterministic. */
  visit(fn: (id: bigint, pr: Progress) => void): void {
    for (const id of sortIds([...this.progress.keys()])) fn(id, this.progress.get(id)!);
  }

  isSingleton(): boolean {
    return this.voters.size === 1;
  }

  voterIds(): bigint[] {
    return sortIds([...this.voters]);
  }

  confState(): ConfState {
    return { voters: sortIds([...this.voters]), learners: sortIds([...this.learners]) };
  }

  /** The largest index replicated on a majority of voters (0 with no voters). */
  committed(): number {
    const n = this.voters.size;
    if (n === 0) return 0;
    const matches = [...this.voters].map((id) => this.progress.get(id)?.match ?? 0).sort((a, b) => a - b);
    return matches[n - Math.floor(n / 2) - 1]!;
  }

  /** Whether a majority of voters were heard from recently (check-quorum). */
  quorumActive(): boolean {
    const votes = new Map<bigint, boolean>();
    for (const [id, pr] of this.progress) {
      if (!pr.isLearner) votes.set(id, pr.recentActive);
    }
    return this.voteResult(votes) === VoteResult.Won;
  }

  resetVotes(): void {
    this.votes = new Map();
  }

  /** Records a vote; a voter's first answer in an election is the one that counts. */
  recordVote(id: bigint, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: this.voteResult(this.votes) };
  }

  /** The outcome of an election among the voters given yes/no answers (missing = not yet heard). */
  voteResult(votes: Map<bigint, boolean>): VoteResult {
    const n = this.voters.size;
    if (n === 0) return VoteResult.Won; // as etcd: an empty config wins every vote
    let yes = 0;
    let missing = 0;
    for (const id of this.voters) {
      const v = votes.get(id);
      if (v === undefined) missing++;
      else if (v) yes++;
    }
    const q = Math.floor(n / 2) + 1;
    if (yes >= q) return VoteResult.Won;
    if (yes + missing >= q) return VoteResult.Pending;
    return VoteResult.Lost;
  }
}

export function sortIds(ids: bigint[]): bigint[] {
  return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
