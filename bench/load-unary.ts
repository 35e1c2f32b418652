// The closed-loop unary load of etcd's benchmark (put, range, txn-put): `clients` requests in
// flight over `conns` connections, each client sending its next request when the last one
// answered, until the worker's total is sent or its time is up.
import { performance } from 'node:perf_hooks';
import type { ServiceError } from '@grpc/grpc-js';
import { KVClient } from '../src/proto/etcdserver/etcdserverpb/rpc.js';
import { closeAll, openClients } from './grpc-conns.js';
import { nowUs, type LoadResult, type UnaryJob } from './protocol.js';
import { keyOf, putRequest, rangeRequest, txnOfPuts, valueOf } from './requests.js';
import { SampleBuffer } from './stats.js';

type Callback = (err: ServiceError | null) => void;
type Send = (kv: KVClient, done: Callback) => void;

/** A prepared unary load: call start() once, it resolves when the load is finished. */
export interface PreparedLoad {
  start(): Promise<LoadResult>;
  close(): void;
}

export async function prepareUnary(job: UnaryJob): Promise<PreparedLoad> {
  const kvs = await openClients(KVClient, job.endpoint, job.conns);
  const send = sender(job);
  return {
    close: () => closeAll(kvs),
    start: () =>
      new Promise((resolve) => {
        const samples = new SampleBuffer(job.total);
        const startUs = nowUs();
        const stopAt = performance.now() + job.maxDurationMs;
        let issued = 0;
        let errors = 0;
        let firstError: string | undefined;
        let running = job.clients;
        const next = (kv: KVClient) => {
          if (issued >= job.total || performance.now() > stopAt) {
            if (--running === 0) resolve({ samplesUs: samples.toArray(), ops: samples.count - errors, errors, firstError, startUs, endUs: nowUs() });
            return;
          }
          issued++;
          const t0 = performance.now();
          send(kv, (err) => {
            samples.record((performance.now() - t0) * 1000);
            if (err) {
              errors++;
              firstError ??= `${err.code} ${err.details}`;
            }
            next(kv);
          });
        };
        for (let c = 0; c < job.clients; c++) next(kvs[c % kvs.length]!);
      }),
  };
}

/**
 * The request-sending function for the job's operation. Requests carry no per-call deadline or
 * metadata: grpc-js arms a timer per deadline, a measurable cost at tens of thousands of calls
 * per second; a request that never answers is caught by the pool's bound on the whole run.
 */
function sender(job: UnaryJob): Send {
  const value = valueOf(job.valueSize);
  let seq = job.keyOffset;
  const nextKey = () => keyOf(job.sequentialKeys ? seq++ : Math.floor(Math.random() * job.keySpace), job.keySize);
  switch (job.op) {
    case 'put':
      return (kv, done) => kv.put(putRequest(nextKey(), value), done);
    case 'range-linearizable':
    case 'range-serializable': {
      const req = rangeRequest(Buffer.from(job.rangeKey), { serializable: job.op === 'range-serializable' });
      return (kv, done) => kv.range(req, done);
    }
    case 'txn-put':
      return (kv, done) => kv.txn(txnOfPuts([putRequest(nextKey(), value)]), done);
    case 'txn-fill':
      return (kv, done) =>
        kv.txn(txnOfPuts(Array.from({ length: job.opsPerTxn }, () => putRequest(nextKey(), value))), done);
  }
}
