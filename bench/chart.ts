// A hand-written SVG bar chart of tetcd relative to etcd, one group per result row, on a log
// scale so that 0.1× and 10× are equally far from parity. Every bar is oriented so that
// right of the 1× line means tetcd is better.
import type { Report } from './report.js';

const WIDTH = 900;
const LABEL_W = 220;
const ROW_H = 34;
const TOP = 60;
const BOTTOM = 50;
/** The log axis spans 10^MIN_EXP .. 10^MAX_EXP. */
const MIN_EXP = -2;
const MAX_EXP = 1;
const HEADLINE_COLOUR = '#3366cc';
const P99_COLOUR = '#ff9933';

interface Bar {
  readonly label: string;
  /** > 1: tetcd better. */
  readonly headline?: number;
  readonly p99?: number;
}

/** tetcd-better-is-above-1 factors of the report's rows. */
export function chartBars(report: Report): Bar[] {
  return report.rows
    .filter((r) => r.ratio !== undefined)
    .map((r) => ({
      label: r.row,
      headline: r.servers.tetcd?.better === 'lower' ? 1 / r.ratio! : r.ratio,
      p99: r.p99Ratio !== undefined && r.p99Ratio > 0 ? 1 / r.p99Ratio : undefined,
    }));
}

export function toSvg(report: Report): string {
  const bars = chartBars(report);
  const plotW = WIDTH - LABEL_W - 40;
  const height = TOP + BOTTOM + Math.max(1, bars.length) * ROW_H;
  const x = (factor: number) => {
    const e = Math.min(MAX_EXP, Math.max(MIN_EXP, Math.log10(factor)));
    return LABEL_W + ((e - MIN_EXP) / (MAX_EXP - MIN_EXP)) * plotW;
  };
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">tetcd relative to etcd (right of 1× = tetcd better; log scale)</text>`,
    `<text x="${WIDTH / 2}" y="38" text-anchor="middle" fill="#555">${esc(report.date)} · ${String(report.settings['mode'])} mode · ${report.machine.cpus} CPUs · node ${esc(report.machine.node)}</text>`,
  );
  for (let e = MIN_EXP; e <= MAX_EXP; e++) {
    const gx = x(10 ** e);
    parts.push(
      `<line x1="${gx}" y1="${TOP - 6}" x2="${gx}" y2="${height - BOTTOM}" stroke="${e === 0 ? '#000' : '#ccc'}" stroke-width="${e === 0 ? 1.5 : 1}"/>`,
      `<text x="${gx}" y="${height - BOTTOM + 16}" text-anchor="middle">${10 ** e}×</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = TOP + i * ROW_H;
    parts.push(`<text x="${LABEL_W - 8}" y="${y + ROW_H / 2 + 4}" text-anchor="end">${esc(b.label)}</text>`);
    const bar = (factor: number | undefined, dy: number, colour: string) => {
      if (factor === undefined || !Number.isFinite(factor) || factor <= 0) return;
      const x0 = x(1);
      const x1 = x(factor);
      parts.push(
        `<rect x="${Math.min(x0, x1)}" y="${y + dy}" width="${Math.max(1, Math.abs(x1 - x0))}" height="11" fill="${colour}"/>`,
        `<text x="${x1 + (x1 >= x0 ? 4 : -4)}" y="${y + dy + 10}" text-anchor="${x1 >= x0 ? 'start' : 'end'}" font-size="10">${factor.toFixed(factor < 0.1 ? 3 : 2)}×</text>`,
      );
    };
    bar(b.headline, 4, HEADLINE_COLOUR);
    bar(b.p99, 17, P99_COLOUR);
  });
  const ly = height - 18;
  parts.push(
    `<rect x="${LABEL_W}" y="${ly - 9}" width="12" height="10" fill="${HEADLINE_COLOUR}"/>`,
    `<text x="${LABEL_W + 16}" y="${ly}">headline: throughput tetcd/etcd, or etcd/tetcd for times and memory</text>`,
    `<rect x="${LABEL_W + 430}" y="${ly - 9}" width="12" height="10" fill="${P99_COLOUR}"/>`,
    `<text x="${LABEL_W + 446}" y="${ly}">p99 latency etcd/tetcd</text>`,
    '</svg>',
  );
  return parts.join('\n') + '\n';
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
