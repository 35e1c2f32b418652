// Sessions, locks and elections over plain KV, lease and watch calls (clientv3/concurrency).
export { DEFAULT_SESSION_TTL, Session, type SessionOptions } from './session.js';
export { Mutex } from './mutex.js';
export { Election, ElectionNotLeaderError } from './election.js';
export { CanceledError } from './wait-deletes.js';
export { WatchLostError, watchResponses, type WatchOptions } from './watch.js';
