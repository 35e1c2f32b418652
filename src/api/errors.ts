// Turns anything a handler throws into the gRPC status etcd would answer: errors whose message
// is one of etcd's texts get that entry's code; anything else is UNKNOWN with its message (as
// grpc-go does for a plain Go error), and is logged because it is not an expected outcome.
import { status } from '@grpc/grpc-js';
import { RPC_ERRORS, type RpcError } from './rpc-errors.js';
import type { ApiLogger } from './options.js';

const BY_MESSAGE: ReadonlyMap<string, RpcError> = new Map(Object.values(RPC_ERRORS).map((e) => [e.message, e]));

/** A status a handler can throw on purpose (e.g. UNIMPLEMENTED), bypassing the table. */
export class RpcStatusError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'RpcStatusError';
  }
}

export function rpcError(e: RpcError): RpcStatusError {
  return new RpcStatusError(e.code, e.message);
}

export function toRpcStatus(err: unknown, logger?: ApiLogger): RpcError {
  if (err instanceof RpcStatusError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  const known = BY_MESSAGE.get(message);
  if (known !== undefined) return known;
  logger?.warn({ error: message, stack: err instanceof Error ? err.stack : undefined }, 'unexpected error in a client request');
  return { code: status.UNKNOWN, message };
}
