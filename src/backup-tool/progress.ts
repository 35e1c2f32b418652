// Progress bars for long transfers (snapshot download, target put and fetch), drawn on a
// terminal's stderr and nowhere else: a bar is one line redrawn in place with `\r`, at most every
// REDRAW_INTERVAL_MS so a fast copy does not spend its time painting, and erased when the
// transfer ends so the log line that follows starts on a clean line. Bars are off until the CLI
// turns them on (library callers get none), and off when stderr is not a TTY.
import { Transform, type TransformCallback } from 'node:stream';

/** The part of a stream a bar needs; process.stderr fits, so does a test's fake terminal. */
export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

export interface Progress {
  /** `bytes` more are done. */
  advance(bytes: number): void;
  /** Back to `done` bytes (a retried transfer starts over). */
  reset(done: number): void;
  /** The transfer is over (done or failed): the bar is erased. */
  finish(): void;
}

export interface ProgressBarOptions {
  /** Milliseconds clock; tests drive it by hand. */
  now?: () => number;
  intervalMs?: number;
}

export const REDRAW_INTERVAL_MS = 100;
const DEFAULT_COLUMNS = 80;
/** Below this a bar would be all numbers: it draws just the figures. */
const MIN_BAR_WIDTH = 10;
const ERASE_LINE = '\r\x1b[K';
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB": binary units, as sizes of files are usually shown. */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${UNITS[u]}`;
}

export class ProgressBar implements Progress {
  private done = 0;
  private readonly started: number;
  private lastDraw = -Infinity;
  private drawn = false;
  private finished = false;
  private readonly now: () => number;
  private readonly intervalMs: number;

  constructor(
    private readonly out: ProgressOutput,
    private readonly label: string,
    /** Bytes expected; undefined when unknown (no bar, no percentage). */
    private readonly total: number | undefined,
    opts: ProgressBarOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.intervalMs = opts.intervalMs ?? REDRAW_INTERVAL_MS;
    this.started = this.now();
  }

  advance(bytes: number): void {
    this.done += bytes;
    this.maybeDraw();
  }

  reset(done: number): void {
    this.done = done;
    this.maybeDraw();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.drawn) this.out.write(ERASE_LINE);
  }

  /** The line as it would be drawn now (without the cursor control). */
  render(): string {
    const secs = (this.now() - this.started) / 1000;
    const rate = secs > 0 ? `${formatBytes(Math.round(this.done / secs))}/s` : '';
    if (this.total === undefined || this.total <= 0) return fit(`${this.label}  ${formatBytes(this.done)}  ${rate}`, this.columns());
    const frac = Math.min(1, this.done / this.total);
    const figures = `${String(Math.floor(frac * 100)).padStart(3)}%  ${formatBytes(this.done)} / ${formatBytes(this.total)}  ${rate}`;
    const room = this.columns() - this.label.length - figures.length - 6;
    if (room < MIN_BAR_WIDTH) return fit(`${this.label}  ${figures}`, this.columns());
    const full = Math.round(frac * room);
    return `${this.label}  [${'#'.repeat(full)}${'.'.repeat(room - full)}]  ${figures}`;
  }

  private columns(): number {
    // one column short of the edge: a line filling the last column makes some terminals wrap
    return (this.out.columns && this.out.columns > 0 ? this.out.columns : DEFAULT_COLUMNS) - 1;
  }

  private maybeDraw(): void {
    if (this.finished) return;
    const t = this.now();
    if (t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    this.drawn = true;
    this.out.write(`\r${this.render()}\x1b[K`);
  }
}

const fit = (s: string, columns: number) => (s.length > columns ? s.slice(0, columns) : s);

/** A transfer nobody watches. */
export const NO_PROGRESS: Progress = { advance: () => undefined, reset: () => undefined, finish: () => undefined };

/** Where bars go; undefined (the default) draws none. */
let output: ProgressOutput | undefined;

/**
 * Turns bars on for `out` when it is a terminal and `enabled`; off otherwise. The CLI calls
 * this once per invocation (TETCD_BACKUP_NO_PROGRESS=1 or --no-progress turn them off).
 */
export function setProgressOutput(out: ProgressOutput | undefined, enabled = true): void {
  output = enabled && out?.isTTY ? out : undefined;
}

/** A bar for one transfer, or NO_PROGRESS when bars are off. */
export function startProgress(label: string, total: number | undefined): Progress {
  return output ? new ProgressBar(output, label, total) : NO_PROGRESS;
}

/** A pass-through that reports the bytes flowing by to `p`. */
export function meter(p: Progress): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      p.advance(chunk.length);
      cb(null, chunk);
    },
  });
}
