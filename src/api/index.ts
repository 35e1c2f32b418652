// The client-facing API of a member: gRPC and HTTP/1.1 on one port per client URL.
export { serveClientUrls, createConnectionRouter, type ClientListeners, type ConnectionRouter } from './listener.js';
export { Metrics } from './metrics.js';
export { type ApiOptions, type ApiLogger, GRPC_OVERHEAD_BYTES, DEFAULT_MAX_REQUEST_BYTES } from './options.js';
export { RPC_ERRORS, type RpcError } from './rpc-errors.js';
export { toRpcStatus } from './errors.js';
