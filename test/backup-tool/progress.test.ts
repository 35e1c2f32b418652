// Progress bars: what a line shows, how often it is redrawn, that it is erased at the end, and
// that nothing is drawn unless the output is a terminal and bars are on.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatBytes, meter, NO_PROGRESS, ProgressBar, setProgressOutput, startProgress } from '../../src/backup-tool/progress.js';
import { cli } from './fixtures.js';

/** A terminal of `columns` that records what is written to it. */
function terminal(columns = 80): { isTTY: boolean; columns: number; writes: string[]; write(s: string): boolean } {
  return { isTTY: true, columns, writes: [], write(s: string) { this.writes.push(s); return true; } };
}

describe('progress bars', () => {
  afterEach(() => setProgressOutput(undefined));

  it('formats sizes in binary units', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(64 * 1024 * 1024), '64.0 MiB');
    assert.equal(formatBytes(3 * 1024 ** 4), '3.0 TiB');
  });

  it('shows bar, percentage, done/total and rate, fitted to the terminal width', () => {
    let t = 0;
    const term = terminal(80);
    const bar = new ProgressBar(term, 'put snapshot.db', 4 * 1024 * 1024, { now: () => t });
    t = 2000;
    bar.advance(1024 * 1024);
    const line = bar.render();
    assert.match(line, /^put snapshot\.db {2}\[#+\.+\] {2} 25% {2}1\.0 MiB \/ 4\.0 MiB {2}512\.0 KiB\/s$/);
    assert.equal(line.length, 79, 'one column short of the edge');
    assert.equal(term.writes.length, 1);
    assert.equal(term.writes[0], `\r${line}\x1b[K`);
  });

  it('without a known total shows bytes and rate only; on a narrow terminal drops the bar', () => {
    let t = 0;
    const unknown = new ProgressBar(terminal(), 'snapshot', undefined, { now: () => t });
    t = 1000;
    unknown.advance(2048);
    assert.equal(unknown.render(), 'snapshot  2.0 KiB  2.0 KiB/s');
    const narrow = new ProgressBar(terminal(40), 'fetch config-infra0.tar.gz.age', 100, { now: () => t });
    narrow.advance(50);
    assert.ok(!narrow.render().includes('['), narrow.render());
    assert.ok(narrow.render().length <= 39);
  });

  it('redraws at most once per interval, and always erases its line when finished', () => {
    let t = 0;
    const term = terminal();
    const bar = new ProgressBar(term, 'x', 1000, { now: () => t, intervalMs: 100 });
    for (let i = 0; i < 10; i++) {
      bar.advance(10);
      t += 30;
    }
    // advances at t = 0, 30, ..., 270: drawn at 0, 120 (first ≥ 100 after 0) and 240
    assert.equal(term.writes.length, 3);
    assert.match(term.writes[2]!, / {2}9% {2}90 B \/ 1000 B/, 'the third draw shows the bytes done at t=240');
    bar.finish();
    assert.equal(term.writes.at(-1), '\r\x1b[K');
    bar.advance(10);
    bar.finish();
    assert.equal(term.writes.length, 4, 'nothing after finish');
  });

  it('a bar never drawn leaves nothing to erase; reset goes back for a retry', () => {
    let t = 0;
    const term = terminal();
    const quiet = new ProgressBar(term, 'x', 10, { now: () => t });
    quiet.finish();
    assert.deepEqual(term.writes, []);
    const bar = new ProgressBar(term, 'x', 100, { now: () => t, intervalMs: 0 });
    bar.advance(80);
    t = 1;
    bar.reset(0);
    assert.match(term.writes.at(-1)!, / {2}0% {2}0 B \/ 100 B/);
  });

  it('startProgress draws only on a terminal with bars on', () => {
    assert.equal(startProgress('x', 1), NO_PROGRESS, 'off by default (library use)');
    setProgressOutput({ isTTY: false, write: () => true });
    assert.equal(startProgress('x', 1), NO_PROGRESS, 'not a terminal');
    setProgressOutput(terminal(), false);
    assert.equal(startProgress('x', 1), NO_PROGRESS, 'turned off');
    setProgressOutput(terminal());
    assert.ok(startProgress('x', 1) instanceof ProgressBar);
  });

  it('meter passes bytes through unchanged while counting them', async () => {
    let counted = 0;
    const m = meter({ advance: (n) => (counted += n), reset: () => undefined, finish: () => undefined });
    const src = new PassThrough();
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => chunks.push(c));
    const done = pipeline(src, m, sink);
    src.end(Buffer.alloc(5000, 1));
    await done;
    assert.equal(counted, 5000);
    assert.deepEqual(Buffer.concat(chunks), Buffer.alloc(5000, 1));
  });

  it('the CLI takes --no-progress and TETCD_BACKUP_NO_PROGRESS, and draws nothing when stderr is no terminal', async () => {
    const dir = `/nonexistent-${process.pid}`;
    for (const [args, env] of [[['--no-progress', 'list', '--target', dir], {}], [['list', '--target', dir], { TETCD_BACKUP_NO_PROGRESS: '1' }]] as const) {
      const r = await cli([...args], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.equal(startProgress('x', 1), NO_PROGRESS);
    }
  });
});
