// Normalise etcdctl and gRPC output so real etcd's and tetcd's can be compared for equality.
//
// Replaced, because they legitimately differ between two servers: cluster and member IDs,
// raft terms and indexes, client/peer ports, lease IDs (each distinct ID becomes L1, L2, ...
// in order of appearance), remaining TTLs, database sizes, and fields a step names explicitly
// (e.g. the hash of a snapshot's db file).
// Kept exactly: values, keys, versions, error texts, exit codes and revisions. Revisions are
// written relative to the revision the sequence started from ("@3" = start + 3), so two
// servers whose earlier histories differ can still be compared sequence by sequence.

/** The facts about one server that its output is normalised against. */
export interface Identity {
  readonly clusterId: bigint;
  readonly memberId: bigint;
  readonly clientPort: number;
  readonly peerPort: number;
}

/** Fields holding an MVCC revision (etcdctl JSON, gRPC objects and watch responses). */
const REVISION_KEYS = new Set([
  'revision',
  'create_revision',
  'mod_revision',
  'compact_revision',
  'CompactRevision',
  'min_mod_revision',
  'max_mod_revision',
  'min_create_revision',
  'max_create_revision',
]);
const TERM_KEYS = new Set(['raft_term', 'raftTerm']);
const INDEX_KEYS = new Set(['raftIndex', 'raftAppliedIndex']);
const SIZE_KEYS = new Set(['dbSize', 'dbSizeInUse', 'totalSize']);
/** Fields holding a lease ID (lease grant/list/ttl JSON, kvs, put requests). */
const LEASE_KEYS = new Set(['ID', 'id', 'lease']);
/** Remaining-time fields: only their presence and sign are comparable. */
const REMAINING_TTL_KEYS = new Set(['ttl']);
/** Fields whose decimal-string form (int64 as a string) is read as a number. */
const NUMERIC_KEYS = new Set([
  ...REVISION_KEYS,
  ...TERM_KEYS,
  ...INDEX_KEYS,
  ...SIZE_KEYS,
  ...LEASE_KEYS,
  ...REMAINING_TTL_KEYS,
  'cluster_id',
  'member_id',
  'leader',
]);
/** Below this, an integer is never taken for a member or cluster ID (they are random uint64s). */
const MIN_ID = 1n << 20n;
const BIG_MARKER = '#difftest-bigint#';

export interface NormaliseOptions {
  /** JSON fields replaced by "<ignored>" in this step (e.g. ['hash'] for a snapshot's db hash). */
  readonly ignore?: readonly string[];
}

export interface NormalisedCtl {
  readonly code: number | null;
  /** Parsed and normalised JSON when etcdctl printed JSON (one value per line for streams), text otherwise. */
  readonly stdout: unknown;
  /** Error lines: etcdctl's own lines, and "grpc: <error>" from its JSON warning lines. */
  readonly stderr: readonly string[];
}

export class Normaliser {
  private readonly leases = new Map<bigint, string>();
  private readonly aliases: [string, string][] = [];

  constructor(
    private readonly id: Identity,
    /** The store revision when the sequence started. */
    readonly baseRevision: number,
  ) {}

  /** "@N": a revision relative to the sequence's start. */
  rel(revision: number | bigint): string {
    return `@${Number(revision) - this.baseRevision}`;
  }

  /** L1, L2, ... for each distinct lease ID in order of first appearance. */
  lease(id: bigint): string {
    let label = this.leases.get(id);
    if (label === undefined) {
      label = `L${this.leases.size + 1}`;
      this.leases.set(id, label);
    }
    return label;
  }

  /** Replace `literal` by `placeholder` in all text from now on (e.g. a per-target temp dir). */
  alias(literal: string, placeholder: string): void {
    this.aliases.push([literal, placeholder]);
  }

  /** A command line as text: empty or spaced arguments quoted, then normalised. */
  args(args: readonly string[]): string {
    const shown = args.map((a, i) => {
      if (i === 1 && args[0] === 'compaction' && /^\d+$/.test(a)) return this.rel(Number(a)); // its revision argument
      return a === '' || /\s/.test(a) ? JSON.stringify(a) : a;
    });
    return this.text(shown.join(' '));
  }

  /** Normalise free text (simple-format output, error lines, command arguments). */
  text(s: string): string {
    const { clusterId, memberId, clientPort, peerPort } = this.id;
    let out = this.aliases.reduce((acc, [literal, placeholder]) => acc.replaceAll(literal, placeholder), s);
    out = out
      .replaceAll(`127.0.0.1:${clientPort}`, '<client>')
      .replaceAll(`127.0.0.1:${peerPort}`, '<peer>')
      .replace(/\b[0-9a-f]+\b/g, (tok) => {
        if (tok === memberId.toString(16) || tok === memberId.toString()) return '<member>';
        if (tok === clusterId.toString(16) || tok === clusterId.toString()) return '<cluster>';
        return tok;
      })
      .replace(/\b\d+(\.\d+)? (B|kB|MB|GB)\b/g, '<size>')
      .replace(/remaining\(\d+s\)/g, 'remaining(<remaining>)')
      .replace(/attached keys\(\[(.*?)\]\)/g, (_, keys: string) => `attached keys([${keys.split(' ').sort().join(' ')}])`)
      .replace(/took = [\d.]+(ns|µs|us|ms|s)\b/g, 'took = <time>')
      .replace(/compacted revision (\d+)/g, (_, r: string) => `compacted revision ${this.rel(Number(r))}`)
      .replace(/(--rev(?:ision)?[= ])(\d+)/g, (_, flag: string, r: string) => `${flag}${r === '0' ? r : this.rel(Number(r))}`);
    // Lease IDs print in hex (%x or %016x). "lease <id>" names one for sure; IDs seen before are
    // replaced wherever they appear; other long hex tokens (lock and election keys end in the
    // session's lease ID) need a letter, so decimal hashes are left alone.
    out = out.replace(/\blease ([0-9a-f]{1,16})\b/g, (_, tok: string) => `lease ${this.lease(BigInt(`0x${tok}`))}`);
    out = out.replace(/\b[0-9a-f]{1,16}\b/g, (tok) => {
      const known = this.leases.get(BigInt(`0x${tok}`));
      if (known !== undefined && (/[a-f]/.test(tok) || tok.length >= 10)) return known;
      return tok.length >= 10 && /[a-f]/.test(tok) ? this.lease(BigInt(`0x${tok}`)) : tok;
    });
    return tableLayout(out);
  }

  /** Normalise a parsed value (etcdctl JSON or a plain gRPC object), by field name. */
  value(v: unknown, opts: NormaliseOptions = {}, key?: string): unknown {
    if (Array.isArray(v)) {
      const items = v.map((x) => this.value(x, opts, key));
      // A lease's attached keys come from a Go map in etcd: their order means nothing.
      return key === 'keys' && items.every((x) => typeof x === 'string') ? items.sort() : items;
    }
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.value(x, opts, k);
      return out;
    }
    if (key !== undefined && opts.ignore?.includes(key)) return '<ignored>';
    // Clients that decode int64 as decimal strings (the etcd3 package) get the same treatment.
    if (typeof v === 'string' && key !== undefined && NUMERIC_KEYS.has(key) && /^-?\d+$/.test(v)) return this.value(BigInt(v), opts, key);
    if (typeof v === 'string') return this.portsOnly(v);
    if (typeof v !== 'number' && typeof v !== 'bigint') return v;
    const n = BigInt(v);
    if (n >= MIN_ID && n === this.id.memberId) return '<member>';
    if (n >= MIN_ID && n === this.id.clusterId) return '<cluster>';
    if (key === undefined) return v;
    if (REVISION_KEYS.has(key)) return n > 0n ? this.rel(n) : Number(n);
    // A zero term or index is kept: it shows a header etcd leaves unset (e.g. in nested txns).
    if (TERM_KEYS.has(key)) return n > 0n ? '<term>' : 0;
    if (INDEX_KEYS.has(key)) return n > 0n ? '<index>' : 0;
    if (SIZE_KEYS.has(key)) return '<size>';
    if (REMAINING_TTL_KEYS.has(key)) return n > 0n ? '<remaining>' : Number(n);
    if (LEASE_KEYS.has(key)) return n !== 0n ? this.lease(BigInt.asUintN(64, n)) : 0;
    return typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  /** Normalise one etcdctl run: JSON stdout parsed when it is JSON, stderr reduced to its error lines. */
  ctl(result: { stdout: string; stderr: string; code: number | null }, opts: NormaliseOptions = {}): NormalisedCtl {
    const parsed = parseJsonOutput(result.stdout);
    return {
      code: result.code,
      stdout: parsed === undefined ? this.text(result.stdout) : this.value(parsed, opts),
      stderr: this.errorLines(result.stderr),
    };
  }

  /** etcdctl's stderr without timestamps and client IDs: its own lines, and the gRPC error of each warning. */
  errorLines(stderr: string): string[] {
    const lines: string[] = [];
    for (const line of stderr.split('\n')) {
      if (line.trim() === '') continue;
      if (line.startsWith('{')) {
        try {
          const entry = JSON.parse(line) as { error?: unknown };
          if (typeof entry.error === 'string') lines.push(`grpc: ${this.text(entry.error)}`);
          continue;
        } catch {
          // not a log line after all: keep it as text below
        }
      }
      lines.push(this.text(line));
    }
    return lines;
  }

  private portsOnly(s: string): string {
    return this.aliases
      .reduce((acc, [literal, placeholder]) => acc.replaceAll(literal, placeholder), s)
      .replaceAll(`127.0.0.1:${this.id.clientPort}`, '<client>')
      .replaceAll(`127.0.0.1:${this.id.peerPort}`, '<peer>');
  }
}

/**
 * Parse etcdctl's JSON output without losing uint64 precision (IDs exceed 2^53): long integer
 * literals become bigints. Streams (watch) print one document per line. Undefined if not JSON.
 */
export function parseJsonOutput(stdout: string): unknown {
  const trimmed = stdout.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return parseBigJson(trimmed);
  } catch {
    try {
      return trimmed.split('\n').filter((l) => l.trim() !== '').map(parseBigJson);
    } catch {
      return undefined;
    }
  }
}

function parseBigJson(text: string): unknown {
  const marked = text.replace(/"(?:[^"\\]|\\.)*"|-?\d{16,}/g, (m) => (m.startsWith('"') ? m : `"${BIG_MARKER}${m}"`));
  return JSON.parse(marked, (_k, v: unknown) =>
    typeof v === 'string' && v.startsWith(BIG_MARKER) ? BigInt(v.slice(BIG_MARKER.length)) : v,
  );
}

/**
 * `-w table` pads every column to its widest cell, and a random ID's width (15 or 16 hex
 * digits) changes the padding even when the normalised cells are equal: compare tables by
 * their cells, with borders and padding collapsed.
 */
function tableLayout(s: string): string {
  return s
    .split('\n')
    .map((line) => {
      if (/^\+[-+]+\+$/.test(line)) return line.replace(/-+/g, '-');
      if (/^\|.*\|$/.test(line)) return '| ' + line.slice(1, -1).split('|').map((c) => c.trim()).join(' | ') + ' |';
      return line;
    })
    .join('\n');
}
