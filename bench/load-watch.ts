// Watch delivery latency (etcd's watch-latency): many watchers on one key, one worker puts on
// that key at a fixed rate with its send time in the value, and every watcher measures how
// long after the put was sent its event arrived. With thousands of watchers on one key this
// is also the fan-out test.
import { Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  KVClient,
  WatchClient,
  WatchCreateRequest,
  type WatchRequest,
  type WatchResponse,
} from '../src/proto/etcdserver/etcdserverpb/rpc.js';
import { closeAll, openClients } from './grpc-conns.js';
import type { PreparedLoad } from './load-unary.js';
import { nowUs, type WatchJob } from './protocol.js';
import { putRequest } from './requests.js';
import { SampleBuffer } from './stats.js';

/** Bytes at the start of each put's value that carry its send time (decimal µs). */
const STAMP_BYTES = 20;
const CREATE_TIMEOUT_MS = 60_000;

export async function prepareWatch(job: WatchJob): Promise<PreparedLoad> {
  const watchClients = await openClients(WatchClient, job.endpoint, job.conns);
  const kv = job.putter ? (await openClients(KVClient, job.endpoint, 1))[0] : undefined;
  const all = [...watchClients, ...(kv ? [kv] : [])];
  const streams: ClientDuplexStream<WatchRequest, WatchResponse>[] = [];
  const samples = new SampleBuffer(job.puts * job.streams * job.watchersPerStream);
  const expected = job.puts * job.streams * job.watchersPerStream;
  let received = 0;
  let lastUs = 0;
  let streamError: string | undefined;
  let onEvent = () => {};

  const key = Buffer.from(job.key);
  let created = 0;
  const allCreated = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${created} of ${job.streams * job.watchersPerStream} watchers created`)), CREATE_TIMEOUT_MS);
    for (let s = 0; s < job.streams; s++) {
      const stream = watchClients[s % watchClients.length]!.watch(new Metadata());
      streams.push(stream);
      stream.on('data', (res: WatchResponse) => {
        if (res.created && ++created === job.streams * job.watchersPerStream) {
          clearTimeout(timer);
          resolve();
        }
        if (res.events.length === 0) return;
        const now = nowUs();
        for (const ev of res.events) {
          samples.record(now - Number(ev.kv!.value.subarray(0, STAMP_BYTES).toString()));
          received++;
        }
        lastUs = now;
        onEvent();
      });
      stream.on('error', (err: Error) => {
        // Cancelling our own streams at the end reports CANCELLED: not a failure.
        if (!/CANCELLED/i.test(err.message)) streamError ??= err.message;
      });
      for (let w = 0; w < job.watchersPerStream; w++) {
        stream.write({ request_union: { $case: 'create_request', value: WatchCreateRequest.fromPartial({ key }) } });
      }
    }
  });
  try {
    await allCreated;
  } catch (err) {
    for (const s of streams) s.cancel();
    closeAll(all);
    throw err;
  }

  return {
    close() {
      for (const s of streams) s.cancel();
      closeAll(all);
    },
    start: () =>
      new Promise((resolve) => {
        const startUs = nowUs();
        let putErrors = 0;
        let firstPutError: string | undefined;
        const finish = () => {
          clearTimeout(timer);
          clearInterval(ticker);
          const missing = expected - received;
          resolve({
            samplesUs: samples.toArray(),
            ops: received,
            errors: missing + putErrors,
            firstError: firstPutError ?? streamError ?? (missing > 0 ? `${missing} of ${expected} events not received in time` : undefined),
            startUs,
            endUs: lastUs || nowUs(),
          });
        };
        const timer = setTimeout(finish, job.maxDurationMs);
        onEvent = () => received >= expected && finish();
        let ticker: NodeJS.Timeout | undefined;
        if (job.putter && kv) {
          const value = Buffer.alloc(job.putter.valueSize, 'v');
          let sent = 0;
          const putOnce = () => {
            if (sent >= job.puts) return clearInterval(ticker);
            sent++;
            const v = Buffer.from(value);
            v.write(String(nowUs()).padEnd(STAMP_BYTES, ' '), 0, 'latin1');
            kv.put(putRequest(key, v), (err) => {
              if (err) {
                putErrors++;
                firstPutError ??= `put: ${err.code} ${err.details}`;
              }
            });
          };
          ticker = setInterval(putOnce, 1000 / job.putter.ratePerSec);
          putOnce();
        }
        if (expected === 0) finish();
      }),
  };
}
