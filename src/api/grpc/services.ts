// Every service a member serves to clients, shared by the gRPC server and the JSON gateway.
// Auth is served when the member implements AuthServer (src/auth/auth-server.ts).
import type { MemberServer } from '../../server/types.js';
import { isAuthServer } from '../../auth/index.js';
import { authService } from './auth.js';
import type { Service } from '../method.js';
import type { WatchStreamOptions } from '../watch/watch-stream.js';
import { clusterService } from './cluster.js';
import { electionService } from './election.js';
import { kvService } from './kv.js';
import { leaseService } from './lease.js';
import { lockService } from './lock.js';
import { maintenanceService } from './maintenance.js';
import { watchService } from './watch.js';

export function clientServices(server: MemberServer, watchOpts: WatchStreamOptions): Service[] {
  return [
    kvService(server),
    watchService(server, watchOpts),
    leaseService(server),
    clusterService(server),
    maintenanceService(server),
    electionService(server),
    lockService(server),
    ...(isAuthServer(server) ? [authService(server)] : []),
  ];
}
