// etcdutl's `snapshot restore --bump-revision N --mark-compacted` (etcd 3.5.x/3.6), offline on
// a restored backend. A snapshot is older than what the old cluster served: clients holding
// newer revisions (Kubernetes resourceVersions, watch positions) would see revisions handed out
// a second time for other data. The bump makes every revision the new cluster serves higher
// than any the old one could have, and marking the bumped revision compacted makes watchers
// and reads from before it fail with ErrCompacted instead of silently missing events.
//
// etcdutl's definition, matched here: latest = the highest revision in the `key` bucket (puts and
// tombstones alike, {0,0} when empty); the new revision is latest.main + N; scheduledCompactRev
// is set to it, and etcd compacts there on its first start. How tetcd gets the same state differs:
// etcdutl writes an empty-valued entry at {latest.main+N, 0} in the `key` bucket to carry the
// revision, which tetcd's persisted key index cannot hold (it would index an empty key). Instead
// the compaction is done here, at latest.main (the same thing: nothing lies between latest.main
// and latest.main+N), and both scheduledCompactRev and finishedCompactRev are set to the bumped
// revision; on open a store's revision is max(highest key revision, finishedCompactRev), as in
// etcd's mvcc restore, so it starts at latest.main+N with everything before it compacted — the
// state etcd reaches after its first start.
import type { Backend } from '../backend/index.js';
import { KVStore } from '../mvcc/kvstore.js';
import { FINISHED_COMPACT_KEY, SCHEDULED_COMPACT_KEY } from '../mvcc/meta.js';
import { bytesToRev, revToBytes, type Revision } from '../mvcc/revision.js';
import type { ZapLog } from './log.js';

/** etcdutl's message when only one of the two flags is given (it names the flag --revision-bump). */
export const BUMP_FLAGS_MESSAGE = '--mark-compacted required if --revision-bump > 0';

export class RevisionBumpError extends Error {}

/** Throws etcdutl's usage error unless both or neither of --bump-revision > 0 and --mark-compacted are given. */
export function checkBumpFlags(bump: number | bigint, markCompacted: boolean): void {
  const bumping = BigInt(bump) > 0n;
  if (bumping !== markCompacted) throw new RevisionBumpError(BUMP_FLAGS_MESSAGE);
  // revisions are JS numbers in tetcd (project rule: below 2^53)
  if (BigInt(bump) > BigInt(Number.MAX_SAFE_INTEGER)) throw new RevisionBumpError(`--bump-revision ${bump} is above tetcd's revision limit ${Number.MAX_SAFE_INTEGER}`);
}

/** etcdutl's unsafeGetLatestRevision: the highest {main, sub} in the `key` bucket. */
export function latestRevision(backend: Backend): Revision {
  const last = backend.readTx().last('key');
  // keys sort as main, sub, then the tombstone mark: the last one holds the highest revision
  return last ? bytesToRev(last.key) : { main: 0, sub: 0 };
}

/** A compact revision recorded in the meta bucket, 0 when there is none. */
function metaRevision(backend: Backend, key: Buffer): number {
  const v = backend.readTx().get('meta', key);
  return v ? bytesToRev(v).main : 0;
}

/**
 * Raises the store's revision by `amount` and marks the result compacted (see the file comment).
 * Returns the new revision: latest + amount, or the snapshot's compact revision when that is
 * higher (the compact revision never goes backwards). The backend stays open; tetcd's key index is built on the way.
 */
export async function bumpRevision(backend: Backend, amount: number, log: ZapLog): Promise<number> {
  checkBumpFlags(amount, true);
  const latest = latestRevision(backend);
  const bumped = latest.main + amount;
  if (!Number.isSafeInteger(bumped)) throw new RevisionBumpError(`bumped revision ${latest.main} + ${amount} is above tetcd's revision limit ${Number.MAX_SAFE_INTEGER}`);
  log('snapshot/v3_snapshot.go:396', 'bumping latest revision', { 'latest-revision': latest.main, 'bump-amount': amount, 'new-latest-revision': bumped });

  // compaction needs the key index: opening the store builds it (as the first start would)
  // and finishes any compaction the snapshot had scheduled
  const kv = KVStore.open(backend, { compactionPauseMs: 0 });
  try {
    if (latest.main > 0 && latest.main > kv.compactRev()) await kv.compact(latest.main);
  } finally {
    await kv.close();
  }
  // latest is the highest revision still in the key bucket; the snapshot may be compacted above
  // it (its newest revisions were tombstones, compacted away). The compact revision must never
  // go backwards, so the bump marks whichever is higher, and the store starts there.
  const compacted = Math.max(metaRevision(backend, FINISHED_COMPACT_KEY), metaRevision(backend, SCHEDULED_COMPACT_KEY));
  const marked = Math.max(bumped, compacted);
  log('snapshot/v3_snapshot.go:413', 'marking revision compacted', { revision: marked });
  const mark = revToBytes({ main: marked, sub: 0 });
  backend.write((tx) => {
    tx.put('meta', SCHEDULED_COMPACT_KEY, mark);
    tx.put('meta', FINISHED_COMPACT_KEY, mark);
  });
  return marked;
}
