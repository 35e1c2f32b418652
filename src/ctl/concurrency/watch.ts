// One watch as an async sequence of responses (clientv3.Watch's channel), ended by an
// AbortSignal, by the server cancelling the watch, or by the stream failing.
import { WatchRequest, type WatchResponse } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { V3Client } from '../../client/v3.js';

export interface WatchOptions {
  readonly rangeEnd?: Buffer;
  readonly startRevision: bigint;
  readonly signal?: AbortSignal;
}

/** Why a watch ended without the caller asking (clientv3 WatchResponse.Err / a lost stream). */
export class WatchLostError extends Error {}

/**
 * Yields every response carrying events (and the final cancel response, after which it
 * stops). Returns quietly when the signal aborts; throws WatchLostError when the stream dies.
 */
export async function* watchResponses(client: V3Client, key: Buffer, opts: WatchOptions): AsyncGenerator<WatchResponse> {
  const stream = client.duplex('watch', 'watch');
  const queue: WatchResponse[] = [];
  let failure: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  stream.on('data', (r: WatchResponse) => {
    queue.push(r);
    notify();
  });
  stream.on('error', (err: Error) => {
    failure ??= err;
    ended = true;
    notify();
  });
  stream.on('end', () => {
    ended = true;
    notify();
  });
  const onAbort = () => notify();
  opts.signal?.addEventListener('abort', onAbort);
  stream.write(
    WatchRequest.fromPartial({
      request_union: { $case: 'create_request', value: { key, range_end: opts.rangeEnd ?? Buffer.alloc(0), start_revision: opts.startRevision } },
    }),
  );
  try {
    for (;;) {
      if (opts.signal?.aborted) return;
      const r = queue.shift();
      if (r) {
        if (r.created && !r.canceled) continue;
        yield r;
        if (r.canceled) return;
        continue;
      }
      if (ended) throw new WatchLostError(failure ? `watch stream failed: ${failure.message}` : 'watch stream closed');
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    stream.cancel();
  }
}
