// v2-set-get on the Node generator (the Go one is bench/go/loadgen/v2.go): each client has its
// own keep-alive HTTP/1.1 connection (one request at a time, so clients = conns) and in a
// closed loop sets a key (PUT /v2/keys/bench/<key>, form value) and then gets it.
import { Agent, request } from 'node:http';
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { PreparedLoad } from './load-unary.js';
import { nowUs, type V2Job } from './protocol.js';
import { keyOf } from './requests.js';
import { SampleBuffer } from './stats.js';

const REQUEST_TIMEOUT_MS = 10_000;
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export async function prepareV2(job: V2Job): Promise<PreparedLoad> {
  const agents = Array.from({ length: job.clients }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  const close = () => agents.forEach((a) => a.destroy());
  try {
    // Open every connection now, so connecting is not timed.
    await Promise.all(agents.map((agent) => send(agent, 'GET', `${job.endpoint}/version`)));
  } catch (err) {
    close();
    throw err;
  }
  const body = `value=${Array.from({ length: job.valueSize }, () => LETTERS[randomInt(LETTERS.length)]).join('')}`;
  return {
    close,
    start: () =>
      new Promise((resolve) => {
        const samples = new SampleBuffer(job.total);
        const startUs = nowUs();
        const stopAt = performance.now() + job.maxDurationMs;
        let seq = job.keyOffset;
        let issued = 0;
        let errors = 0;
        let firstError: string | undefined;
        let running = agents.length;
        const timed = async (agent: Agent, method: string, url: string, payload?: string) => {
          const t0 = performance.now();
          try {
            await send(agent, method, url, payload);
          } catch (err) {
            errors++;
            firstError ??= err instanceof Error ? err.message : String(err);
          }
          samples.record((performance.now() - t0) * 1000);
        };
        const client = async (agent: Agent) => {
          while (issued + 2 <= job.total && performance.now() < stopAt) {
            issued += 2;
            const url = `${job.endpoint}/v2/keys/bench/${keyOf(seq++, job.keySize).toString()}`;
            await timed(agent, 'PUT', url, body);
            await timed(agent, 'GET', url);
          }
          if (--running === 0) resolve({ samplesUs: samples.toArray(), ops: samples.count - errors, errors, firstError, startUs, endUs: nowUs() });
        };
        if (running === 0) resolve({ samplesUs: samples.toArray(), ops: 0, errors, startUs, endUs: nowUs() });
        for (const agent of agents) void client(agent);
      }),
  };
}

/** One request on the agent's connection; resolves when the whole answer is read, rejects on a status other than 200/201. */
function send(agent: Agent, method: string, url: string, payload?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = payload === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(payload) };
    const req = request(url, { method, agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 || res.statusCode === 201 ? resolve() : reject(new Error(`${method} ${url}: HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
