// The port mux: HTTP/1.1 and gRPC on one port, and a server that survives garbage, half
// prefaces and abrupt disconnects.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { status } from '@grpc/grpc-js';
import { RangeRequest, PutRequest, type RangeResponse, type PutResponse } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { HTTP2_PREFACE } from '../../src/api/sniff.js';
import { b, call, callError, startHarness, type Harness } from './fixtures/harness.js';

/** Writes raw bytes, then closes (or waits for the server to close) within a bound. */
function rawExchange(addr: string, bytes: Buffer, opts: { end: boolean }): Promise<string> {
  const [host, port] = addr.split(':');
  return new Promise((resolve) => {
    const s = connect(Number(port), host!, () => {
      s.write(bytes);
      if (opts.end) s.end();
    });
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    const t = setTimeout(() => s.destroy(), 500);
    s.on('close', () => {
      clearTimeout(t);
      resolve(got);
    });
    s.on('error', () => {});
  });
}

describe('client listener', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('reports the bound address for port 0', () => {
    assert.match(h.addr, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(h.addr, '127.0.0.1:0');
  });

  it('serves HTTP/1.1 and gRPC on the same port', async () => {
    const res = await fetch(`http://${h.addr}/version`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}');
    await call((cb) => h.kv.put(PutRequest.fromPartial({ key: b('foo'), value: b('bar') }), cb));
    const r = await call<RangeResponse>((cb) => h.kv.range(RangeRequest.fromPartial({ key: b('foo') }), cb));
    assert.equal(r.kvs[0]?.value.toString(), 'bar');
    assert.equal(r.header?.revision, 2n);
  });

  it('survives garbage, a half preface and abrupt disconnects', async () => {
    const garbage = await rawExchange(h.addr, Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]), { end: true });
    assert.match(garbage, /^HTTP\/1\.1 400/);
    await rawExchange(h.addr, HTTP2_PREFACE.subarray(0, 10), { end: true });
    await rawExchange(h.addr, HTTP2_PREFACE.subarray(0, 10), { end: false });
    // A full preface followed by junk instead of a SETTINGS frame.
    await rawExchange(h.addr, Buffer.concat([HTTP2_PREFACE, Buffer.from('junkjunkjunkjunk')]), { end: true });
    await rawExchange(h.addr, Buffer.from('GET /version HTTP/1.1\r\nHost: x\r\n'), { end: false });
    const res = await fetch(`http://${h.addr}/health`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"health":"true"}');
    const r = await call<RangeResponse>((cb) => h.kv.range(RangeRequest.fromPartial({ key: b('foo') }), cb));
    assert.equal(r.count, 1n);
  });

  it('answers /health 503 when the member is unhealthy, and GET only', async () => {
    h.member.healthy = false;
    try {
      const res = await fetch(`http://${h.addr}/health`);
      assert.equal(res.status, 503);
      assert.equal(await res.text(), '{"health":"false"}\n');
    } finally {
      h.member.healthy = true;
    }
    const post = await fetch(`http://${h.addr}/health`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
  });

  it('answers unknown paths and /v2 like Go\'s mux', async () => {
    for (const p of ['/foo', '/v2/keys/a']) {
      const res = await fetch(`http://${h.addr}${p}`);
      assert.equal(res.status, 404);
      assert.equal(await res.text(), '404 page not found\n');
    }
    const gw = await fetch(`http://${h.addr}/v3/kv/nothing`, { method: 'POST', body: '{}' });
    assert.equal(gw.status, 404);
    assert.equal(await gw.text(), 'Not Found\n');
  });

  it('serves etcd metric names on /metrics, counting gRPC calls', async () => {
    const text = await (await fetch(`http://${h.addr}/metrics`)).text();
    assert.match(text, /etcd_server_version\{server_version="3\.4\.23"\} 1/);
    assert.match(text, /etcd_cluster_version\{cluster_version="3\.4"\} 1/);
    assert.match(text, /grpc_server_handled_total\{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Range",grpc_code="OK"\} [1-9]/);
    assert.match(text, /etcd_network_client_grpc_received_bytes_total [1-9]/);
    assert.match(text, /process_cpu_user_seconds_total/);
  });

  it('maps member errors to etcd statuses and leaves Auth unimplemented', async () => {
    const e = await callError((cb) => h.kv.range(RangeRequest.fromPartial({ key: Buffer.alloc(0) }), cb));
    assert.equal(e.code, status.INVALID_ARGUMENT);
    assert.equal(e.details, 'etcdserver: key is not provided');
    const f = await callError((cb) => h.kv.range(RangeRequest.fromPartial({ key: b('a'), revision: 1000n }), cb));
    assert.equal(f.code, status.OUT_OF_RANGE);
    const a = await callError((cb) => h.auth.authEnable({}, cb));
    assert.equal(a.code, status.UNIMPLEMENTED);
  });

  it('refuses gRPC messages over max-request-bytes + 512 KiB with RESOURCE_EXHAUSTED', async () => {
    const small = await startHarness({ maxRequestBytes: 1024 });
    try {
      const ok = await call<PutResponse>((cb) => small.kv.put(PutRequest.fromPartial({ key: b('k'), value: Buffer.alloc(400 * 1024) }), cb));
      assert.equal(ok.header?.revision, 2n);
      const e = await callError((cb) => small.kv.put(PutRequest.fromPartial({ key: b('k'), value: Buffer.alloc(600 * 1024) }), cb));
      assert.equal(e.code, status.RESOURCE_EXHAUSTED);
    } finally {
      await small.close();
    }
  });
});
