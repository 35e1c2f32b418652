// Go formatting that etcdctl's output relies on: strconv.Quote (%q), encoding/json with
// HTML-safe escaping and int64/uint64 as bare numbers, humanize.Bytes, and %x of IDs.

/** strconv.Quote of raw bytes: printable text as is, escapes for the rest, \x for invalid UTF-8. */
export function goQuote(b: Uint8Array | string): string {
  const buf = typeof b === 'string' ? Buffer.from(b) : Buffer.from(b);
  let out = '"';
  let i = 0;
  while (i < buf.length) {
    const c = buf[i]!;
    if (c < 0x80) {
      out += quoteAscii(c);
      i++;
      continue;
    }
    const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    const chunk = buf.subarray(i, i + len);
    const text = len > 1 && chunk.length === len ? chunk.toString('utf8') : '\ufffd';
    if (text.includes('\ufffd') || [...text].length !== 1) {
      out += `\\x${c.toString(16).padStart(2, '0')}`;
      i++;
      continue;
    }
    const cp = text.codePointAt(0)!;
    out += cp < 0xa0 ? `\\u${cp.toString(16).padStart(4, '0')}` : text;
    i += len;
  }
  return out + '"';
}

function quoteAscii(c: number): string {
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v', 34: '\\"', 92: '\\\\' };
  if (named[c]) return named[c]!;
  if (c < 0x20 || c === 0x7f) return `\\x${c.toString(16).padStart(2, '0')}`;
  return String.fromCharCode(c);
}

/** A value Go's encoding/json would write; undefined members are omitted (omitempty). */
export type GoJson = null | boolean | number | bigint | string | Uint8Array | GoJson[] | { [k: string]: GoJson | undefined };

/** encoding/json.Marshal: compact, HTML-safe, []byte as base64, 64-bit integers unquoted. */
export function goJson(v: GoJson): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return goJsonString(v);
  if (v instanceof Uint8Array) return goJsonString(Buffer.from(v).toString('base64'));
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const parts: string[] = [];
  for (const [k, val] of Object.entries(v)) if (val !== undefined) parts.push(`${goJsonString(k)}:${goJson(val)}`);
  return `{${parts.join(',')}}`;
}

function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `omitempty`: undefined for Go's zero values. */
export function oe<T extends GoJson | undefined>(v: T): T | undefined {
  if (v === undefined || v === null || v === false || v === 0 || v === 0n || v === '') return undefined;
  if (v instanceof Uint8Array && v.length === 0) return undefined;
  if (Array.isArray(v) && v.length === 0) return undefined;
  return v;
}

/** A byte slice as Go's json writes a nil-or-empty []byte field without omitempty. */
export function bytesOrNull(b: Uint8Array | undefined): GoJson {
  return b === undefined || b.length === 0 ? null : b;
}

/** humanize.Bytes: SI units, one decimal below 10. */
export function humanizeBytes(n: number | bigint): string {
  const s = Number(n);
  const sizes = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  if (s < 10) return `${s} B`;
  const e = Math.floor(Math.log(s) / Math.log(1000));
  const val = Math.floor((s / Math.pow(1000, e)) * 10 + 0.5) / 10;
  return `${goFixed(val, val < 10 ? 1 : 0)} ${sizes[e]}`;
}

/** %.Nf as Go prints it: exact halves round to even (20.5 -> "20"), unlike toFixed. */
export function goFixed(v: number, digits: number): string {
  const scaled = v * 10 ** digits;
  if (!Number.isInteger(scaled) && Number.isInteger(scaled * 2)) {
    const down = Math.floor(scaled);
    const even = down % 2 === 0 ? down : down + 1;
    return (even / 10 ** digits).toFixed(digits);
  }
  return v.toFixed(digits);
}

/** %x of a uint64 ID. */
export function hex(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16);
}

/** %016x of a lease ID. */
export function hex16(id: bigint): string {
  return hex(id).padStart(16, '0');
}

/** %16x: space-padded to 16. */
export function hexPad16(id: bigint): string {
  return hex(id).padStart(16, ' ');
}

/** The \x-prefixed hex etcdctl's --hex prints. */
export function hexBytes(b: Uint8Array): string {
  return [...b].map((c) => `\\x${c.toString(16).padStart(2, '0')}`).join('');
}

/** olekukonko/tablewriter with etcdctl's settings: bordered, centered upper-case header, right-aligned cells. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  const center = (s: string, w: number) => {
    const gap = w - s.length;
    const left = Math.floor(gap / 2);
    return ' '.repeat(left) + s + ' '.repeat(gap - left);
  };
  let out = line + `| ${header.map((h, i) => center(h.toUpperCase(), widths[i]!)).join(' | ')} |\n` + line;
  for (const r of rows) out += `| ${r.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |\n`;
  out += line;
  return out;
}
