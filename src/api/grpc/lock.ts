// v3lockpb.Lock (etcdserver/api/v3lock): concurrency's Mutex on the member; Unlock deletes the
// key Lock returned.
import { LockRequest, LockResponse, LockService, UnlockRequest, UnlockResponse } from '../../proto/etcdserver/api/v3lock/v3lockpb/v3lock.js';
import type { MemberServer } from '../../server/types.js';
import { lock, unlock } from '../concurrency/mutex.js';
import { service, unary, type Service } from '../method.js';

export function lockService(server: MemberServer): Service {
  return service(LockService, [
    unary(LockService.lock.path, LockRequest, LockResponse, (req, ctx) => lock(server, req.name, req.lease, ctx.signal)),
    unary(LockService.unlock.path, UnlockRequest, UnlockResponse, async (req) => ({ header: await unlock(server, req.key) })),
  ]);
}
