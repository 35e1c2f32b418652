// Auto-compaction (etcd's v3compactor), run by the leader only, through the log like a client's
// Compact.
//
// periodic (--auto-compaction-mode=periodic, retention a duration): the revision is sampled every
//   tenth of min(retention, 1h); once a full retention has passed, the store is compacted to the
//   revision sampled one retention ago, then again every min(retention, 1h).
// revision (--auto-compaction-mode=revision, retention a count): every 5 minutes, compact to
//   current revision − retention, if that moved since the last compaction.
import type { Logger } from './logger.js';

const HOUR_MS = 60 * 60 * 1000;
/** etcd's revision compactor checks every 5 minutes. */
export const REVISION_CHECK_INTERVAL_MS = 5 * 60 * 1000;

export interface CompactorTarget {
  currentRevision(): number;
  isLeader(): boolean;
  /** Compacts through the log; rejects with etcd's error (e.g. already compacted). */
  compact(revision: number): Promise<void>;
}

export interface Compactor {
  stop(): void;
}

export function startCompactor(
  mode: 'periodic' | 'revision',
  retention: number,
  target: CompactorTarget,
  logger: Logger,
  revisionCheckIntervalMs = REVISION_CHECK_INTERVAL_MS,
): Compactor | undefined {
  if (retention <= 0) return undefined;
  return mode === 'periodic' ? periodic(retention, target, logger) : revision(retention, target, logger, revisionCheckIntervalMs);
}

function periodic(periodMs: number, target: CompactorTarget, logger: Logger): Compactor {
  const compactInterval = Math.min(periodMs, HOUR_MS);
  const retryInterval = compactInterval / 10;
  const retentions = Math.floor(periodMs / retryInterval) + 1;
  const revs: number[] = [target.currentRevision()];
  let lastSuccess = Date.now();
  let baseInterval = periodMs;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    if (!target.isLeader()) return; // etcd pauses the compactor on followers
    const sampleAndMaybeCompact = async () => {
      if (Date.now() - lastSuccess >= baseInterval) {
        if (baseInterval === periodMs) baseInterval = compactInterval;
        const rev = revs[0]!;
        logger.info({ revision: rev, 'compact-period': `${periodMs}ms` }, 'starting auto periodic compaction');
        try {
          await target.compact(rev);
          logger.info({ revision: rev, 'compact-period': `${periodMs}ms` }, 'completed auto periodic compaction');
          lastSuccess = Date.now();
        } catch (err) {
          if (/required revision has been compacted/.test((err as Error).message)) lastSuccess = Date.now();
          else logger.warn({ revision: rev, error: (err as Error).message, 'retry-interval': `${retryInterval}ms` }, 'failed auto periodic compaction');
        }
      }
      revs.push(target.currentRevision());
      if (revs.length > retentions) revs.shift(); // revs[0] is the revision one period ago
    };
    busy = true;
    sampleAndMaybeCompact().finally(() => (busy = false));
  }, retryInterval);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function revision(retention: number, target: CompactorTarget, logger: Logger, intervalMs: number): Compactor {
  let last = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || !target.isLeader()) return;
    const rev = target.currentRevision() - retention;
    if (rev <= 0 || rev === last) return;
    busy = true;
    logger.info({ 'revision-compaction-retention': retention, revision: rev }, 'starting auto revision compaction');
    target
      .compact(rev)
      .then(
        () => {
          last = rev;
          logger.info({ 'revision-compaction-retention': retention, revision: rev }, 'completed auto revision compaction');
        },
        (err: Error) => {
          if (/required revision has been compacted/.test(err.message)) last = rev;
          else logger.warn({ revision: rev, error: err.message }, 'failed auto revision compaction');
        },
      )
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
