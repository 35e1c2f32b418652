// A load-generating worker process (forked by pool.ts). It holds one job at a time: prepare
// it on `prepare`, run it on `go`, report and close, until told to exit.
import { prepareKeepAlive } from './load-keepalive.js';
import { prepareUnary, type PreparedLoad } from './load-unary.js';
import { prepareV2 } from './load-v2.js';
import { prepareWatch } from './load-watch.js';
import type { FromWorker, Job, ToWorker } from './protocol.js';

let current: PreparedLoad | undefined;

function reply(msg: FromWorker): void {
  process.send!(msg);
}

function prepare(job: Job): Promise<PreparedLoad> {
  switch (job.kind) {
    case 'unary':
      return prepareUnary(job);
    case 'watch':
      return prepareWatch(job);
    case 'keepalive':
      return prepareKeepAlive(job);
    case 'v2':
      return prepareV2(job);
  }
}

process.on('message', (msg: ToWorker) => {
  void (async () => {
    try {
      if (msg.type === 'prepare') {
        // A previous run that failed on another worker may have left this one prepared.
        current?.close();
        current = undefined;
        current = await prepare(msg.job);
        reply({ type: 'ready' });
      } else if (msg.type === 'go') {
        const load = current!;
        current = undefined;
        const cpu0 = process.cpuUsage();
        const result = await load.start();
        const cpu = process.cpuUsage(cpu0);
        load.close();
        reply({ type: 'done', result: { ...result, cpuSeconds: (cpu.user + cpu.system) / 1e6 } });
      } else {
        process.exit(0);
      }
    } catch (err) {
      current?.close();
      current = undefined;
      reply({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});
// The coordinator going away must not leave workers behind.
process.on('disconnect', () => process.exit(0));
