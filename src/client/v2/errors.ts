// The v2 client's errors with the Go client's texts (client/keys.go Error, cluster_error.go,
// members.go and auth_*.go error bodies): etcdctl prints them as they are.

/** A failure on the client side (network, timeouts, undecodable answers). */
export class V2ClientError extends Error {}

/** Go's context.DeadlineExceeded text, for a command that ran out of --total-timeout. */
export const CONTEXT_DEADLINE = 'context deadline exceeded';
export const ERR_INVALID_JSON = 'client: response is invalid json. The endpoint is probably not valid etcd cluster endpoint';

/** An etcd v2 keys API error body: {"errorCode":100,"message":"Key not found","cause":"/a","index":5}. */
export class V2KeysError extends Error {
  constructor(
    readonly errorCode: number,
    readonly errorMessage: string,
    readonly errorCause: string,
    readonly index: number,
  ) {
    super(`${errorCode}: ${errorMessage} (${errorCause}) [${index}]`);
  }
}

/** Every endpoint failed: the Go client's ClusterError. */
export class ClusterError extends Error {
  constructor(readonly errors: readonly Error[]) {
    super(`client: etcd cluster is unavailable or misconfigured${errors.map((e, i) => `; error #${i}: ${e.message}\n`).join('')}`);
  }

  /** The per-endpoint lines etcdctl prints after the error. */
  detail(): string {
    return this.errors.map((e, i) => `error #${i}: ${e.message}\n`).join('');
  }

  /** True when every endpoint failed to connect (etcdctl's isConnectionError). */
  isConnectionError(): boolean {
    return this.errors.every((e) => /^(dial tcp|read tcp)/.test(e.message));
  }
}

/** A members or auth API error body ({"message": "..."}), printed as its message. */
export class V2MessageError extends Error {}
