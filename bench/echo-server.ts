// The grpc-js no-op KV server the Node generator's limits are measured against.
import { Server, ServerCredentials, type sendUnaryData } from '@grpc/grpc-js';
import { KVService, type PutResponse, type RangeResponse } from '../src/proto/etcdserver/etcdserverpb/rpc.js';
import type { EchoServer } from './generator.js';

/** A KV service that answers Put and Range at once with empty responses. */
export async function startEchoServer(): Promise<EchoServer> {
  const server = new Server();
  server.addService(KVService, {
    put: (_call: unknown, cb: sendUnaryData<PutResponse>) => cb(null, { header: undefined, prev_kv: undefined }),
    range: (_call: unknown, cb: sendUnaryData<RangeResponse>) => cb(null, { header: undefined, kvs: [], more: false, count: 0n }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    endpoint: `127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
