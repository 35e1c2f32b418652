// `tetcd-backup schedule`: the loop's timing rules (no overlap, skipped times counted, stop) with a
// manual clock and the real cron parser; then the daemon against tetcd — sets taken at every
// cron second, /metrics and /healthz, retention and verify after each run, failures counted,
// exit codes, JSON log lines, and SIGTERM through the real binary.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { parseManifest } from '../../src/backup-tool/index.js';
import { addScheduleOptions, scheduleConfigFrom, ScheduleDaemon } from '../../src/backup-tool/cli-schedule.js';
import { CronError, cronSchedule, Scheduler, type Clock, type RunOutcome } from '../../src/backup-tool/schedule.js';
import { makeTempDir, removeDir, sleep, startTetcd, tetcdSkipReason, type Member } from '../helpers/index.js';
import { cli, putKeys, type CliResult } from './fixtures.js';

const BACKUP_BIN = join(dirname(fileURLToPath(import.meta.url)), '../../src/bin/tetcd-backup.js');
const EVERY_SECOND = '* * * * * *';
const T0 = Date.parse('2024-01-01T00:00:00.500Z');
const at = (s: string) => Date.parse(`2024-01-01T00:00:${s}Z`);

/** Time that passes only when told: sleeping jumps to the wake-up time, a run advances it by its duration. */
class ManualClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleepUntil(wake: number, signal: AbortSignal): Promise<void> {
    if (!signal.aborted) this.t = Math.max(this.t, wake);
  }
}

/** A runner that records start times and concurrency and takes the given (manual) durations. */
function timedRunner(clock: ManualClock, durationsMs: number[], results: boolean[] = []) {
  const starts: number[] = [];
  let active = 0;
  let maxActive = 0;
  return {
    starts,
    maxActive: () => maxActive,
    async run(when: Date, n: number): Promise<RunOutcome> {
      assert.equal(when.getTime(), clock.now(), 'a run is told the time it starts');
      starts.push(when.getTime());
      maxActive = Math.max(maxActive, ++active);
      await Promise.resolve();
      clock.t += durationsMs[n - 1] ?? 0;
      active--;
      return { ok: results[n - 1] ?? true };
    },
  };
}

describe('Scheduler (manual clock, real cron expressions)', () => {
  it('skips and counts the cron times that fall due while a run is going, and never overlaps runs', async () => {
    const clock = new ManualClock(T0);
    const r = timedRunner(clock, [2500, 300, 300]);
    const skips: [number, number][] = [];
    const s = new Scheduler({ next: cronSchedule(EVERY_SECOND), run: r.run, maxRuns: 3, clock, events: { skipped: (n, first) => skips.push([n, first]) } });
    const summary = await s.loop();
    // run 1 at :01 lasts until :03.5, so :02 and :03 are skipped and run 2 is at :04, not queued at :03.5
    assert.deepEqual(r.starts, [at('01'), at('04'), at('05')]);
    assert.deepEqual(skips, [[2, at('02')]]);
    assert.deepEqual({ runs: summary.runs, skipped: summary.skipped, stopped: summary.stopped, ok: summary.last?.ok }, { runs: 3, skipped: 2, stopped: false, ok: true });
    assert.equal(r.maxActive(), 1);
  });

  it('a run ending exactly at the next cron time does not skip it; --run-now runs at once', async () => {
    const clock = new ManualClock(T0);
    const r = timedRunner(clock, [500, 1000]);
    const summary = await new Scheduler({ next: cronSchedule(EVERY_SECOND), run: r.run, runNow: true, maxRuns: 3, clock }).loop();
    assert.deepEqual(r.starts, [T0, at('01'), at('02')]);
    assert.equal(summary.skipped, 0);
  });

  it('reports the last run outcome, and follows a 5-field expression in the given time zone', async () => {
    // 02:00 Berlin time is 01:00 UTC in winter
    const clock = new ManualClock(T0);
    const r = timedRunner(clock, [1000, 1000], [true, false]);
    const summary = await new Scheduler({ next: cronSchedule('0 2 * * *', 'Europe/Berlin'), run: r.run, maxRuns: 2, clock }).loop();
    assert.deepEqual(r.starts.map((t) => new Date(t).toISOString()), ['2024-01-01T01:00:00.000Z', '2024-01-02T01:00:00.000Z']);
    assert.equal(summary.last?.ok, false);
  });

  it('stop() while waiting ends at once; stop() during a run ends after it', async () => {
    const blocked: Clock = { now: () => T0, sleepUntil: (_at, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })) };
    let ran = 0;
    const waiting = new Scheduler({ next: cronSchedule(EVERY_SECOND), run: async () => ({ ok: !!++ran }), clock: blocked });
    const done = waiting.loop();
    await sleep(10);
    waiting.stop();
    assert.deepEqual({ ...(await done), last: undefined }, { runs: 0, skipped: 0, last: undefined, stopped: true });
    assert.equal(ran, 0);

    const clock = new ManualClock(T0);
    let mid: Scheduler<RunOutcome> | undefined;
    mid = new Scheduler({
      next: cronSchedule(EVERY_SECOND),
      clock,
      run: async () => {
        mid!.stop();
        clock.t += 100;
        return { ok: true };
      },
    });
    const summary = await mid.loop();
    assert.deepEqual({ runs: summary.runs, stopped: summary.stopped, ok: summary.last?.ok }, { runs: 1, stopped: true, ok: true });
  });

  it('rejects bad cron expressions and time zones with the reason', () => {
    assert.throws(() => cronSchedule('61 * * * *'), (e: Error) => e instanceof CronError && /bad --cron "61 \* \* \* \*": .*59/.test(e.message));
    assert.throws(() => cronSchedule('* * *'), /want 5 fields/);
    assert.throws(() => cronSchedule(''), /want 5 fields/);
    assert.throws(() => cronSchedule('0 0 31 2 *'), CronError);
    assert.throws(() => cronSchedule('* * * * *', 'Mars/Olympus'), /bad --tz "Mars\/Olympus"/);
    assert.equal(cronSchedule('@hourly')(at('01')), Date.parse('2024-01-01T01:00:00.000Z'));
    assert.equal(cronSchedule('*/15 * * * * *')(at('01')), at('15'));
  });
});

/** The daemon as `schedule` builds it, from the same options, with its metrics server up. */
function openDaemon(args: string[], io: { stderr: string[] }): Promise<ScheduleDaemon> {
  const c = addScheduleOptions(new Command('schedule')).exitOverride();
  c.parse(args, { from: 'user' });
  const cliIo = { stdout: () => undefined, stderr: (s: string) => void io.stderr.push(s), env: {} };
  return ScheduleDaemon.open(scheduleConfigFrom(c.opts(), cliIo), cliIo);
}

async function scrape(address: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.text() };
}

/** The value of one sample of the Prometheus text, e.g. metric(text, 'tetcd_backup_runs_total{result="success"}'). */
function metric(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
  assert.ok(line, `${sample} in\n${text}`);
  return Number(line.slice(sample.length + 1));
}

/** Every stderr line is one JSON object with level, ts and msg. */
function jsonLines(text: string): { level: string; msg: string; [k: string]: unknown }[] {
  return text.split('\n').filter((l) => l !== '').map((l) => {
    const o = JSON.parse(l);
    assert.ok(typeof o.level === 'string' && typeof o.ts === 'string' && typeof o.msg === 'string', l);
    return o;
  });
}

const setsIn = (target: string) => (existsSync(target) ? readdirSync(target).sort() : []);

describe('tetcd-backup schedule against tetcd', { skip: tetcdSkipReason() }, () => {
  let member: Member;
  let dir: string;
  before(async () => {
    member = await startTetcd();
    dir = await makeTempDir('backup-schedule');
    await putKeys(member.endpoint, 5);
  });
  after(async () => {
    await member?.stop();
    if (dir) await removeDir(dir);
  });

  it('takes a set at each of 2 cron seconds with metrics; a later run with --keep-last 1 --verify leaves 1', async () => {
    const target = join(dir, 'sets');
    const io = { stderr: [] as string[] };
    const startedMs = Date.now();
    const d = await openDaemon(['--cron', EVERY_SECOND, '--max-runs', '2', '--target', target, '--endpoints', member.endpoint, '--no-config', '--no-encrypt', '--metrics-listen', '127.0.0.1:0'], io);
    try {
      const summary = await d.run(false);
      assert.equal(summary.runs, 2);
      assert.equal(summary.last?.ok, true, io.stderr.join(''));
      const sets = setsIn(target);
      assert.equal(sets.length, 2, sets.join(','));
      for (const s of sets) assert.ok(existsSync(join(target, s, 'manifest.json')), `${s} complete`);

      const m = await scrape(d.metricsAddress!, '/metrics');
      assert.equal(m.status, 200);
      assert.equal(metric(m.body, 'tetcd_backup_runs_total{result="success"}'), 2);
      assert.equal(metric(m.body, 'tetcd_backup_runs_total{result="failure"}'), 0);
      assert.equal(metric(m.body, 'tetcd_backup_failures_total'), 0);
      const lastSuccess = metric(m.body, 'tetcd_backup_last_success_timestamp_seconds');
      assert.ok(lastSuccess * 1000 >= startedMs && lastSuccess * 1000 <= Date.now(), `last success ${lastSuccess}`);
      assert.ok(metric(m.body, 'tetcd_backup_last_run_duration_seconds') > 0);
      const newest = parseManifest(readFileSync(join(target, sets[1]!, 'manifest.json'), 'utf8'));
      assert.equal(metric(m.body, 'tetcd_backup_last_set_size_bytes'), newest.files.reduce((n, f) => n + f.size, 0));
      const h = await scrape(d.metricsAddress!, '/healthz');
      assert.equal(h.status, 200);
      assert.deepEqual({ ...JSON.parse(h.body), lastSuccess: undefined, nextRun: undefined }, { status: 'ok', stopping: false, runs: 2, last: 'success', lastSuccess: undefined, nextRun: undefined });
      assert.equal((await scrape(d.metricsAddress!, '/nope')).status, 404);
    } finally {
      await d.close();
    }
    const logs = jsonLines(io.stderr.join(''));
    assert.equal(logs.filter((l) => l.msg === 'run finished' && l.result === 'success').length, 2);
    assert.ok(logs.some((l) => l.msg.startsWith('backup set etcd-backup-') && l.run === 1), 'runBackup progress is logged as JSON too');

    // the same target, passphrase-encrypted, verified, then retention: only the new set is left
    const env = { TETCD_BACKUP_PASSPHRASE: 'schedule test' };
    // not --run-now: set names have one-second resolution and the daemon's last set may be from this second
    const r = await cli(['schedule', '--cron', EVERY_SECOND, '--max-runs', '1', '--target', target, '--endpoints', member.endpoint, '--no-config', '--scrypt-work-factor', '10', '--verify', '--keep-last', '1'], env);
    assert.equal(r.code, 0, r.stderr);
    const left = setsIn(target);
    assert.equal(left.length, 1);
    const logs2 = jsonLines(r.stderr);
    assert.ok(logs2.some((l) => l.msg === 'set verified' && l.set === left[0]), r.stderr);
    const fin = logs2.find((l) => l.msg === 'run finished');
    assert.deepEqual(fin?.removed, setsTaken(logs));
  });

  it('counts a failing endpoint as failures and exits 1 after --max-runs', async () => {
    // each refused run waits out the health timeout (3 s): the daemon and the CLI run side by side
    const target = join(dir, 'failing');
    const io = { stderr: [] as string[] };
    const failing = ['--cron', EVERY_SECOND, '--run-now', '--target', target, '--endpoints', '127.0.0.1:1', '--no-config', '--no-encrypt'];
    const d = await openDaemon([...failing, '--max-runs', '2', '--metrics-listen', '127.0.0.1:0'], io);
    const [summary, r] = await Promise.all([d.run(false), cli(['schedule', ...failing, '--max-runs', '1'])]);
    try {
      assert.equal(summary.last?.ok, false);
      const m = (await scrape(d.metricsAddress!, '/metrics')).body;
      assert.equal(metric(m, 'tetcd_backup_failures_total'), 2);
      assert.equal(metric(m, 'tetcd_backup_runs_total{result="failure"}'), 2);
      assert.equal(metric(m, 'tetcd_backup_runs_total{result="success"}'), 0);
      assert.equal((await scrape(d.metricsAddress!, '/healthz')).body.includes('"last":"failure"'), true);
    } finally {
      await d.close();
    }

    assert.equal(r.code, 1);
    const failed = jsonLines(r.stderr.split('\n').filter((l) => l.startsWith('{')).join('\n')).find((l) => l.msg === 'run failed');
    assert.equal(failed?.stage, 'backup');
    assert.match(String(failed?.error), /no healthy endpoint: 127\.0\.0\.1:1/);
    assert.match(r.stderr, /^Error: last scheduled run failed \(backup\): no healthy endpoint/m);
    assert.deepEqual(setsIn(target), [], 'no set, not even a partial one');
  });

  it('exits 2 with a clear message on a bad configuration, before running anything', async () => {
    const base = ['--target', join(dir, 'never'), '--endpoints', member.endpoint, '--no-config', '--no-encrypt'];
    const cases: [string[], RegExp][] = [
      [['--cron', '61 * * * *'], /bad --cron "61 \* \* \* \*": Constraint error, got value 61 expected range 0-59/],
      [['--cron', '* * *'], /want 5 fields/],
      [[], /--cron is required/],
      [['--cron', '@daily', '--tz', 'Nowhere/City'], /bad --tz/],
      [['--cron', '@daily', '--max-runs', '0'], /--max-runs wants a whole number of at least 1/],
      [['--cron', '@daily', '--metrics-listen', '9479'], /bad --metrics-listen "9479"/],
      [['--cron', '@daily', '--verify-restore-test'], /goes with --verify/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['schedule', ...base, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const noKey = await cli(['schedule', '--cron', '@daily', '--target', join(dir, 'never'), '--endpoints', member.endpoint, '--no-config']);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /backups are encrypted/);
    const noDir = await cli(['schedule', '--cron', '@daily', ...base.slice(0, 4), '--no-encrypt', '--config-dir', join(dir, 'missing')]);
    assert.equal(noDir.code, 2);
    assert.match(noDir.stderr, /config dir .*missing not found/);
    assert.equal(existsSync(join(dir, 'never')), false);
  });

  it('SIGTERM to the binary stops it after the run in progress with exit 0', async () => {
    const target = join(dir, 'signal');
    const child = spawn(process.execPath, [BACKUP_BIN, 'schedule', '--cron', EVERY_SECOND, '--target', target, '--endpoints', member.endpoint, '--no-config', '--no-encrypt'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 100 && !err.includes('"run started"'); i++) await sleep(50);
      assert.match(err, /"run started"/);
      child.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)]);
      assert.equal(code, 0, err);
    } finally {
      child.kill('SIGKILL');
    }
    const logs = jsonLines(err);
    assert.ok(logs.some((l) => l.msg === 'stopping after the run in progress' && l.signal === 'SIGTERM'), err);
    assert.equal(logs.at(-1)?.msg, 'schedule ended');
    assert.equal(logs.at(-1)?.reason, 'stopped');
    // the run that had started was finished, not cut: complete sets only
    const sets = setsIn(target);
    assert.ok(sets.length >= 1 && sets.every((s) => existsSync(join(target, s, 'manifest.json'))), sets.join(','));
  });
});

/** The set names that runs logged as taken. */
function setsTaken(logs: { msg: string; [k: string]: unknown }[]): string[] {
  return logs.filter((l) => l.msg === 'run finished').map((l) => String(l.set)).sort();
}
