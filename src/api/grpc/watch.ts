// etcdserverpb.Watch: one WatchStream per call (see watch/watch-stream.ts for the semantics).
import { WatchRequest, WatchResponse, WatchService } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { MemberServer } from '../../server/types.js';
import { bidi, service, type Service } from '../method.js';
import { WatchStream, type WatchStreamOptions } from '../watch/watch-stream.js';

export function watchService(server: MemberServer, opts: WatchStreamOptions): Service {
  return service(WatchService, [
    bidi(WatchService.watch.path, WatchRequest, WatchResponse, (out) => new WatchStream(server, out, opts)),
  ]);
}
