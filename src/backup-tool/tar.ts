// A minimal POSIX ustar writer and reader for members' config dirs. tar keeps what `cp -R` of
// /etc/etcd loses under pressure: file modes (private keys are 0600) and the tree, in a format
// any operator can open with `tar -tvf` when this tool is not at hand.
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile, chmod } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const BLOCK = 512;
const NAME_MAX = 100;
const PREFIX_MAX = 155;

export type TarEntryType = 'file' | 'dir' | 'symlink';

export interface TarEntry {
  /** Path relative to the archived dir, '/'-separated; directories end without a slash. */
  path: string;
  type: TarEntryType;
  mode: number;
  mtime: number;
  data: Buffer;
  linkTarget: string;
}

export class TarError extends Error {}

/**
 * Reads `dir` recursively (not following symlinks) into a ustar archive. `modes` overrides the
 * mode read from disk by relative path (a copy fetched over SSH is owner-writable locally, but
 * the archive must hold the modes it had on the member host).
 */
export async function packDir(dir: string, modes?: ReadonlyMap<string, number>): Promise<{ archive: Buffer; entries: number }> {
  const entries: TarEntry[] = [];
  await walk(dir, '', entries);
  if (modes) for (const e of entries) e.mode = modes.get(e.path) ?? e.mode;
  const blocks: Buffer[] = [];
  for (const e of entries) blocks.push(header(e), ...padded(e.data));
  blocks.push(Buffer.alloc(BLOCK * 2));
  return { archive: Buffer.concat(blocks), entries: entries.length };
}

async function walk(root: string, rel: string, out: TarEntry[]): Promise<void> {
  const names = (await readdir(join(root, rel))).sort();
  for (const name of names) {
    const path = rel === '' ? name : `${rel}/${name}`;
    const full = join(root, path);
    const st = await lstat(full);
    const base = { path, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000), data: Buffer.alloc(0), linkTarget: '' };
    if (st.isDirectory()) {
      out.push({ ...base, type: 'dir' });
      await walk(root, path, out);
    } else if (st.isSymbolicLink()) {
      out.push({ ...base, type: 'symlink', linkTarget: await readlink(full) });
    } else if (st.isFile()) {
      out.push({ ...base, type: 'file', data: await readFile(full) });
    }
    // sockets, fifos and devices have no place in a config dir and are skipped
  }
}

function header(e: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK);
  const name = e.type === 'dir' ? `${e.path}/` : e.path;
  let prefix = '';
  let short = name;
  if (Buffer.byteLength(name) > NAME_MAX) {
    const cut = name.lastIndexOf('/', name.length - 2);
    prefix = name.slice(0, cut);
    short = name.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(short) > NAME_MAX || Buffer.byteLength(prefix) > PREFIX_MAX) throw new TarError(`path too long for tar: ${name}`);
  }
  h.write(short, 0, NAME_MAX);
  octal(h, 100, 8, e.mode);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, e.data.length);
  octal(h, 136, 12, e.mtime);
  h.write(e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0', 156);
  h.write(e.linkTarget, 157, NAME_MAX);
  h.write('ustar\u000000', 257);
  h.write(prefix, 345, PREFIX_MAX);
  h.fill(' ', 148, 156);
  octal(h, 148, 7, checksum(h));
  return h;
}

function octal(buf: Buffer, off: number, len: number, value: number): void {
  buf.write(value.toString(8).padStart(len - 1, '0') + '\u0000', off, len);
}

function checksum(h: Buffer): number {
  let sum = 0;
  for (const b of h) sum += b;
  return sum;
}

function padded(data: Buffer): Buffer[] {
  if (data.length === 0) return [];
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, Buffer.alloc(BLOCK - rest)];
}

function field(h: Buffer, off: number, len: number): string {
  const raw = h.subarray(off, off + len);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? len : end).toString();
}

/** Parses an archive packDir wrote (plain ustar, types 0, 2 and 5). */
export function parseTar(archive: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  while (off + BLOCK <= archive.length) {
    const h = archive.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) return out;
    const stored = parseInt(field(h, 148, 8).trim(), 8);
    const copy = Buffer.from(h);
    copy.fill(' ', 148, 156);
    if (stored !== checksum(copy)) throw new TarError(`bad tar header checksum at offset ${off}`);
    const prefix = field(h, 345, PREFIX_MAX);
    const name = (prefix ? `${prefix}/` : '') + field(h, 0, NAME_MAX);
    const size = parseInt(field(h, 124, 12).trim() || '0', 8);
    const flag = String.fromCharCode(h[156]!);
    const type: TarEntryType = flag === '5' ? 'dir' : flag === '2' ? 'symlink' : 'file';
    const data = Buffer.from(archive.subarray(off + BLOCK, off + BLOCK + size));
    if (data.length !== size) throw new TarError(`truncated tar entry ${name}`);
    out.push({ path: name.replace(/\/$/, ''), type, mode: parseInt(field(h, 100, 8).trim(), 8), mtime: parseInt(field(h, 136, 12).trim(), 8), data, linkTarget: field(h, 157, NAME_MAX) });
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new TarError('tar archive ends without its end-of-archive blocks');
}

/** Mode of the dirs while they are being filled; their own modes are set once all is written. */
const FILLING_DIR_MODE = 0o700;

/**
 * Writes the entries under `dest` with their modes. An archive is input from a backup store, so
 * it is not trusted: paths must be plain relative paths, symlinks are created only after every
 * other entry and nothing is ever written through one (each parent component is lstat'ed), files
 * never overwrite, and dir modes are applied last (a 0500 dir must still take its files).
 */
export async function unpackTar(archive: Buffer, dest: string): Promise<number> {
  const root = resolve(dest);
  await mkdir(root, { recursive: true });
  const entries = parseTar(archive);
  checkEntryPaths(entries);
  const ordered = [...entries.filter((e) => e.type !== 'symlink'), ...entries.filter((e) => e.type === 'symlink')];
  for (const e of ordered) {
    const parts = e.path.split('/');
    const target = join(root, ...parts);
    await ensureParentDirs(root, parts, e.path);
    if (e.type === 'dir') await mkdir(target, { recursive: true, mode: FILLING_DIR_MODE });
    else if (e.type === 'symlink') await symlink(e.linkTarget, target);
    else {
      await writeFile(target, e.data, { mode: e.mode, flag: 'wx' });
      await chmod(target, e.mode);
    }
  }
  // deepest first, so that a read-only dir is closed only after everything below it
  const dirs = entries.filter((e) => e.type === 'dir').sort((a, b) => b.path.split('/').length - a.path.split('/').length);
  for (const d of dirs) await chmod(join(root, ...d.path.split('/')), d.mode);
  return entries.length;
}

/** Plain relative paths, each once, none below one of the archive's own symlinks. */
function checkEntryPaths(entries: TarEntry[]): void {
  const links = new Set(entries.filter((e) => e.type === 'symlink').map((e) => e.path));
  const seen = new Set<string>();
  for (const { path } of entries) {
    const parts = path.split('/');
    if (path.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) throw new TarError(`tar entry escapes the target dir or is not a plain relative path: ${JSON.stringify(path)}`);
    if (seen.has(path)) throw new TarError(`tar entry ${path} appears twice`);
    seen.add(path);
    for (let i = 1; i < parts.length; i++) {
      const above = parts.slice(0, i).join('/');
      if (links.has(above)) throw new TarError(`tar entry ${path} lies under a symlink: ${above}`);
    }
  }
}

/** Creates the missing parents of an entry; refuses one that exists as anything but a real dir (a symlink above all). */
async function ensureParentDirs(root: string, parts: string[], path: string): Promise<void> {
  for (let i = 1; i < parts.length; i++) {
    const at = join(root, ...parts.slice(0, i));
    const st = await lstat(at).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (st === undefined) await mkdir(at, { mode: FILLING_DIR_MODE });
    else if (!st.isDirectory()) throw new TarError(`tar entry ${path} lies under ${st.isSymbolicLink() ? 'a symlink' : 'a non-directory'}: ${parts.slice(0, i).join('/')}`);
  }
}
