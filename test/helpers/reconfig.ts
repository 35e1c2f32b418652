// Membership changes right after a member joined or a leader changed are refused, as etcd
// refuses them, until every peer has been connected for etcd's health interval (5 s):
// "etcdserver: unhealthy cluster". An operator waits and retries; so do the tests (bounded).
import { sleep } from './procs.js';

const RETRY_MS = 250;
const DEFAULT_BOUND_MS = 15_000;

/** Runs `change`, retrying while it fails with "unhealthy cluster", for at most boundMs. */
export async function whenHealthy<T>(change: () => Promise<T>, boundMs = DEFAULT_BOUND_MS): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    try {
      return await change();
    } catch (err) {
      if (!String((err as Error).message).includes('unhealthy cluster') || Date.now() > deadline) throw err;
      await sleep(RETRY_MS);
    }
  }
}
