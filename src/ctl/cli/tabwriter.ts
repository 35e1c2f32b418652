// Go's text/tabwriter as etcdctl configures it for help text (minwidth 0, tabwidth 8,
// padding 1, padchar '\t'): cells end with '\t', each column block is padded with tabs to a
// common width, and a line with no tab ends every block.
const TAB_WIDTH = 8;
const PADDING = 1;

/** Aligns tab-separated text exactly as etcdctl's usage printer does. */
export function tabwrite(text: string): string {
  const lines = text.split('\n');
  const trailingNewline = lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  const out: string[] = [];
  let block: string[][] = [];
  for (const line of lines) {
    const cells = line.split('\t');
    if (cells.length === 1) {
      out.push(...formatBlock(block), line);
      block = [];
    } else {
      block.push(cells);
    }
  }
  out.push(...formatBlock(block));
  return out.join('\n') + (trailingNewline ? '\n' : '');
}

function width(s: string): number {
  return [...s].length;
}

function formatBlock(lines: string[][]): string[] {
  const rendered = lines.map(() => '');
  format(lines, rendered, [], 0, lines.length);
  return rendered;
}

/** Recursive column-block formatting, as tabwriter.format. */
function format(lines: string[][], out: string[], widths: number[], line0: number, line1: number): void {
  const column = widths.length;
  for (let i = line0; i < line1; i++) {
    if (column >= lines[i]!.length - 1) continue;
    writeLines(lines, out, widths, line0, i);
    line0 = i;
    let w = 0;
    for (; i < line1; i++) {
      const line = lines[i]!;
      if (column >= line.length - 1) break;
      w = Math.max(w, width(line[column]!) + PADDING);
    }
    format(lines, out, [...widths, w], line0, i);
    line0 = i;
  }
  writeLines(lines, out, widths, line0, line1);
}

function writeLines(lines: string[][], out: string[], widths: number[], line0: number, line1: number): void {
  for (let i = line0; i < line1; i++) {
    const cells = lines[i]!;
    let s = '';
    cells.forEach((c, j) => {
      s += c;
      if (j < cells.length - 1) {
        const cellw = j < widths.length ? Math.ceil(widths[j]! / TAB_WIDTH) * TAB_WIDTH : 0;
        const n = Math.max(cellw - width(c), 0);
        s += '\t'.repeat(j < widths.length ? Math.ceil(n / TAB_WIDTH) : 0);
      }
    });
    out[i] = s;
  }
}
