// Lease keep-alive load (etcd's lease-keepalive, scaled to many leases): leases are granted in
// prepare, then `streams` LeaseKeepAlive streams each renew their share of the leases in
// turn, one request in flight per stream, measuring each request's round trip.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import { LeaseClient, LeaseGrantRequest, type LeaseKeepAliveResponse } from '../src/proto/etcdserver/etcdserverpb/rpc.js';
import { closeAll, openClients } from './grpc-conns.js';
import type { PreparedLoad } from './load-unary.js';
import { nowUs, type KeepAliveJob } from './protocol.js';
import { SampleBuffer } from './stats.js';

/** Long enough that no lease expires during a run. */
const LEASE_TTL_SECONDS = 600n;
/** Concurrent grants while preparing. */
const GRANT_CONCURRENCY = 32;
const GRANT_DEADLINE_MS = 30_000;

export async function prepareKeepAlive(job: KeepAliveJob): Promise<PreparedLoad> {
  const clients = await openClients(LeaseClient, job.endpoint, job.conns);
  let ids: bigint[];
  try {
    ids = await grantAll(clients, job.leases);
  } catch (err) {
    closeAll(clients);
    throw err;
  }
  const streams = Array.from({ length: Math.min(job.streams, ids.length) }, (_, s) => clients[s % clients.length]!.leaseKeepAlive(new Metadata()));
  return {
    close() {
      for (const s of streams) s.cancel();
      closeAll(clients);
    },
    start: () =>
      new Promise((resolve) => {
        const samples = new SampleBuffer(ids.length * job.rounds);
        const startUs = nowUs();
        const stopAt = performance.now() + job.maxDurationMs;
        let errors = 0;
        let firstError: string | undefined;
        let running = streams.length;
        const finish = () => resolve({ samplesUs: samples.toArray(), ops: samples.count, errors, firstError, startUs, endUs: nowUs() });
        if (running === 0) return finish();
        streams.forEach((stream, s) => {
          const mine = ids.filter((_, i) => i % streams.length === s);
          const total = mine.length * job.rounds;
          let sent = 0;
          let t0 = 0;
          let done = false;
          const end = () => {
            if (done) return;
            done = true;
            if (--running === 0) finish();
          };
          const sendNext = () => {
            if (sent >= total || performance.now() > stopAt) return end();
            t0 = performance.now();
            stream.write({ ID: mine[sent++ % mine.length]! });
          };
          stream.on('data', (res: LeaseKeepAliveResponse) => {
            samples.record((performance.now() - t0) * 1000);
            if (res.TTL <= 0n) {
              errors++;
              firstError ??= `lease ${res.ID} expired or not found`;
            }
            sendNext();
          });
          stream.on('error', (err: Error) => {
            if (done) return;
            errors++;
            firstError ??= err.message;
            end();
          });
          sendNext();
        });
      }),
  };
}

/** Grant `count` leases over the clients, GRANT_CONCURRENCY at a time; their IDs. */
async function grantAll(clients: readonly LeaseClient[], count: number): Promise<bigint[]> {
  const ids: bigint[] = [];
  let next = 0;
  const one = (client: LeaseClient) =>
    new Promise<bigint>((resolve, reject) =>
      client.leaseGrant(
        LeaseGrantRequest.fromPartial({ TTL: LEASE_TTL_SECONDS }),
        new Metadata(),
        { deadline: Date.now() + GRANT_DEADLINE_MS },
        (err: ServiceError | null, res) => (err ? reject(err) : resolve(res.ID)),
      ),
    );
  await Promise.all(
    Array.from({ length: Math.min(GRANT_CONCURRENCY, count) }, async (_, c) => {
      while (next < count) {
        next++;
        ids.push(await one(clients[c % clients.length]!));
      }
    }),
  );
  return ids;
}
