// Members' config dirs read over SSH: the operations guide backs up /etc/etcd of every member
// host, not only of the machine running the tool. SFTP (readdir, lstat, readlink, read) needs
// nothing on the host but sshd, and gives each entry's mode and mtime, so the copy fetched into a
// private local dir is what packDir would have read on the host itself.
//
// The host key is checked against known_hosts (plain and hashed entries, @revoked) before any
// authentication: a backup that hands a root key to an impostor, or archives an impostor's
// "certs", is worse than no backup. Skipping the check is an explicit, loudly named opt-out.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { chmod, lutimes, mkdir, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import ssh2 from 'ssh2';
import type { Client as SshClient, FileEntryWithStats, ServerHostKeyAlgorithm, SFTPWrapper, Stats } from 'ssh2';

export const DEFAULT_SSH_PORT = 22;
/** How long connecting, the key exchange and authentication may take together. */
export const DEFAULT_SSH_READY_TIMEOUT_MS = 20_000;
/** A dead connection mid-transfer is noticed after KEEPALIVE_INTERVAL_MS * KEEPALIVE_COUNT_MAX. */
const KEEPALIVE_INTERVAL_MS = 5_000;
const KEEPALIVE_COUNT_MAX = 3;
/** Environment variable holding the passphrase of an encrypted private key. */
export const SSH_KEY_PASSPHRASE_ENV = 'TETCD_BACKUP_SSH_KEY_PASSPHRASE';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

/** Where a member's config dir lives: `dir` is absolute on `host`. */
export interface RemoteDir {
  user: string;
  host: string;
  port: number;
  dir: string;
}

/** How to authenticate to member hosts and how to know them. */
export interface SshAuth {
  /** Private key files, tried in order: the first that exists is used. */
  keyFiles: string[];
  /** Passphrase of an encrypted key. */
  passphrase?: string;
  knownHostsFile: string;
  /** Accept any host key (explicit opt-out; man-in-the-middle possible). */
  skipHostKeyCheck: boolean;
  readyTimeoutMs: number;
  /** Bound on one dir's transfer once connected; DEFAULT_SSH_TRANSFER_TIMEOUT_MS when absent. */
  transferTimeoutMs?: number;
}

export class SshError extends Error {}

/** `user@host:port:/dir`, the form errors, logs and the manifest name a remote dir by. */
export function describeRemote(r: RemoteDir): string {
  return `${r.user}@${r.host.includes(':') ? `[${r.host}]` : r.host}:${r.port}:${r.dir}`;
}

// ---- --member value syntax ----------------------------------------------------------------

const SCP_LIKE = /^(?:([^@/:[\]]+)@)?(\[[^\]]+\]|[^@/:[\]]+)(?::(\d+))?:(\/.*)$/;

/**
 * A remote config dir spec, or undefined for a local path. Two forms:
 *   `ssh://[user@]host[:port]/abs/dir`
 *   `[user@]host[:port]:/abs/dir` — like scp: a colon before any slash means a host; an absolute
 *   or `./` local path never has one, so local paths are never taken for hosts.
 * IPv6 hosts go in brackets. Throws on a spec that names a host but is malformed.
 */
export function parseRemoteSpec(value: string, defaults: { user: string; port: number }): RemoteDir | undefined {
  if (value.startsWith('ssh://')) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new SshError(`not an ssh:// URL: ${value}`);
    }
    const dir = decodeURIComponent(url.pathname);
    if (url.hostname === '' || dir === '' || dir === '/') throw new SshError(`ssh:// URL wants host and absolute dir: ${value}`);
    return remote(url.username ? decodeURIComponent(url.username) : defaults.user, url.hostname, url.port || undefined, dir, defaults.port, value);
  }
  const m = SCP_LIKE.exec(value);
  if (!m) return undefined;
  return remote(m[1] ?? defaults.user, m[2]!, m[3], m[4]!, defaults.port, value);
}

function remote(user: string, rawHost: string, port: string | undefined, dir: string, defaultPort: number, spec: string): RemoteDir {
  const host = rawHost.replace(/^\[(.*)\]$/, '$1');
  const p = port === undefined ? defaultPort : Number(port);
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new SshError(`bad SSH port in ${spec}`);
  if (dir.split('/').includes('..')) throw new SshError(`remote dir must not contain "..": ${spec}`);
  return { user, host, port: p, dir: dir.length > 1 ? dir.replace(/\/+$/, '') : dir };
}

// ---- known_hosts ------------------------------------------------------------------------------

export interface KnownHost {
  marker: '' | '@revoked' | '@cert-authority';
  /** The hosts field: comma-separated patterns, or one hashed `|1|salt|hash` name. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

/** Entries of an OpenSSH known_hosts file; comments, blank and unparsable lines are skipped. */
export function parseKnownHosts(text: string): KnownHost[] {
  const out: KnownHost[] = [];
  for (const raw of text.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0]!.startsWith('#')) continue;
    const marker = fields[0] === '@revoked' || fields[0] === '@cert-authority' ? fields.shift()! : '';
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) continue;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0 || keyTypeOf(key) !== keyType) continue;
    out.push({ marker: marker as KnownHost['marker'], hosts, keyType, key });
  }
  return out;
}

/** The name known_hosts files list a host under: port 22 bare, others as `[host]:port`. */
export function knownHostName(host: string, port: number): string {
  return port === DEFAULT_SSH_PORT ? host : `[${host}]:${port}`;
}

/** Whether a hosts field names `name`: a hashed name, or patterns with * ? and !negation. */
export function hostsFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    const want = Buffer.from(hash, 'base64');
    const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    return want.length === got.length && timingSafeEqual(want, got);
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!glob(negated ? pattern.slice(1) : pattern).test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** The key type a raw SSH public key blob starts with (`ssh-ed25519`, `ssh-rsa`, ...). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return len > 64 || 4 + len > blob.length ? '' : blob.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH's fingerprint: SHA256:<unpadded base64>. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Why `blob` is not the known key of host:port, or undefined when it is. */
export function hostKeyProblem(entries: KnownHost[], host: string, port: number, blob: Buffer, file: string): string | undefined {
  const name = knownHostName(host, port);
  const type = keyTypeOf(blob);
  const forHost = entries.filter((e) => hostsFieldMatches(e.hosts, name));
  const seen = `${type} key ${fingerprint(blob)}`;
  if (forHost.some((e) => e.marker === '@revoked' && e.key.equals(blob))) return `host key of ${name} is marked @revoked in ${file} (${seen})`;
  const known = forHost.filter((e) => e.marker === '');
  if (known.some((e) => e.key.equals(blob))) return undefined;
  if (known.some((e) => e.keyType === type)) {
    return `HOST KEY MISMATCH for ${name}: it offered ${seen}, which is not the ${type} key ${file} has for it; someone may be impersonating the host, or its key changed (check, then fix ${file})`;
  }
  return `unknown host key of ${name}: ${seen} is not in ${file}; verify the fingerprint, then add it (e.g. ssh-keyscan -p ${port} ${host} >> ${file})`;
}

/** Host key algorithms to ask for, so a host known by its RSA key is not asked for ed25519. */
export function hostKeyAlgorithms(entries: KnownHost[], host: string, port: number): ServerHostKeyAlgorithm[] {
  const name = knownHostName(host, port);
  const types = new Set(entries.filter((e) => e.marker === '' && hostsFieldMatches(e.hosts, name)).map((e) => e.keyType));
  return [...types].flatMap((t): ServerHostKeyAlgorithm[] => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t as ServerHostKeyAlgorithm]));
}

// ---- connecting -------------------------------------------------------------------------------

function readPrivateKey(auth: SshAuth): { file: string; key: Buffer } {
  const file = auth.keyFiles.find((f) => existsSync(f));
  if (file === undefined) throw new SshError(`no SSH private key: none of ${auth.keyFiles.join(', ')} exists (give --ssh-key)`);
  let key: Buffer;
  try {
    key = readFileSync(file);
  } catch (err) {
    throw new SshError(`cannot read SSH key ${file}: ${(err as Error).message}`);
  }
  const parsed = ssh2.utils.parseKey(key, auth.passphrase);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    if (encrypted && !auth.passphrase) throw new SshError(`SSH key ${file} is encrypted: put its passphrase in ${SSH_KEY_PASSPHRASE_ENV}`);
    throw new SshError(`SSH key ${file}: ${encrypted ? 'wrong passphrase' : parsed.message}`);
  }
  return { file, key };
}

function connect(r: RemoteDir, auth: SshAuth): Promise<SshClient> {
  const where = `${r.host}:${r.port}`;
  const { file, key } = readPrivateKey(auth);
  let known: KnownHost[] = [];
  if (!auth.skipHostKeyCheck && existsSync(auth.knownHostsFile)) known = parseKnownHosts(readFileSync(auth.knownHostsFile, 'utf8'));
  const algorithms = auth.skipHostKeyCheck ? [] : hostKeyAlgorithms(known, r.host, r.port);
  let refusedHostKey: string | undefined;
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (msg: string) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(new SshError(msg));
    };
    client.once('ready', () => {
      settled = true;
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (refusedHostKey) fail(refusedHostKey);
      else if (err.code === 'ECONNREFUSED') fail(`cannot connect to ${where}: connection refused (is sshd running there?)`);
      else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') fail(`cannot resolve host ${r.host}`);
      else if (err.level === 'client-timeout') fail(`no SSH session with ${where} within ${auth.readyTimeoutMs} ms`);
      else if (algorithms.length > 0 && /host key/i.test(err.message)) fail(`${where} offers no host key of a type ${auth.knownHostsFile} has for it (${algorithms.join(', ')}): ${err.message}`)
      else if (err.level === 'client-authentication') fail(`authentication failed as ${r.user} on ${where} with key ${file} (is its public key in ${r.user}'s authorized_keys?)`);
      else fail(`SSH to ${where}: ${err.message}`);
    });
    client.once('close', () => fail(refusedHostKey ?? `SSH connection to ${where} closed before the session was ready`));
    client.connect({
      host: r.host,
      port: r.port,
      username: r.user,
      privateKey: key,
      passphrase: auth.passphrase,
      readyTimeout: auth.readyTimeoutMs,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      ...(algorithms.length > 0 ? { algorithms: { serverHostKey: algorithms } } : {}),
      hostVerifier: (blob: Buffer) => {
        if (auth.skipHostKeyCheck) return true;
        refusedHostKey = hostKeyProblem(known, r.host, r.port, blob, auth.knownHostsFile);
        return refusedHostKey === undefined;
      },
    });
  });
}

// ---- fetching ---------------------------------------------------------------------------------

type SftpErr = Error & { code?: number };

function sftpCall<T>(what: string, call: (cb: (err: SftpErr | undefined | null, v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((err, v) => (err ? reject(Object.assign(err, { what })) : resolve(v))));
}

function describeSftpError(err: SftpErr & { what?: string }, r: RemoteDir): string {
  const path = err.what ?? r.dir;
  const on = `${r.user}@${r.host}:${r.port}`;
  if (err.code === SFTP_NO_SUCH_FILE) return `${path} does not exist on ${on}`;
  if (err.code === SFTP_PERMISSION_DENIED) return `permission denied reading ${path} on ${on}`;
  return `reading ${path} on ${on}: ${err.message}`;
}

/** Why a name from the host's readdir may not become a local file name, or undefined when it may. */
export function remoteNameProblem(name: string): string | undefined {
  // a hostile host choosing the names we write (OpenSSH scp's CVE-2019-6111): each name must be
  // one plain path component, so nothing lands outside the fetch dir or under a fetched symlink
  if (name === '' || name === '.' || name === '..') return `the host listed the entry name ${JSON.stringify(name)}`;
  if (name.includes('/') || name.includes('\0')) return `the host listed an entry name with "/" or NUL: ${JSON.stringify(name)}`;
  return undefined;
}

/** A fetched dir: its entry count, and each entry's mode on the host by '/'-separated relative path. */
export interface FetchedDir {
  entries: number;
  /** The local copies are kept owner-readable and -writable (to be packed and removed); these are the modes to archive. */
  modes: Map<string, number>;
}

/** Owner bits the local copies always have: read to pack them, write (and search) to remove them. */
const LOCAL_DIR_BITS = 0o700;
const LOCAL_FILE_BITS = 0o600;

/**
 * Copies one remote dir level into the fresh local dir `localDir`. Entries are written first,
 * modes and times set after, so a dir stays writable until it is full. Files are created with
 * 'wx' and dirs with a plain mkdir, so an existing path (a link fetched a moment ago) is never
 * followed; names are single components, so nothing is written under a fetched symlink.
 */
async function copyTree(sftp: SFTPWrapper, remoteDir: string, localDir: string, rel: string, modes: Map<string, number>): Promise<number> {
  const list = await sftpCall<FileEntryWithStats[]>(remoteDir, (cb) => sftp.readdir(remoteDir, cb));
  list.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  const seen = new Set<string>();
  let count = 0;
  for (const { filename, attrs } of list) {
    // sftp-server lists the dir itself and its parent; they are not entries to copy
    if (filename === '.' || filename === '..') continue;
    const bad = remoteNameProblem(filename);
    if (bad) throw new SshError(`refusing ${remoteDir}: ${bad}`);
    if (seen.has(filename)) throw new SshError(`refusing ${remoteDir}: the host listed ${JSON.stringify(filename)} twice`);
    seen.add(filename);
    const from = `${remoteDir}/${filename}`;
    const to = join(localDir, filename);
    const path = rel === '' ? filename : `${rel}/${filename}`;
    const kind = attrs.mode & S_IFMT;
    if (kind === S_IFDIR) {
      await mkdir(to, { mode: LOCAL_DIR_BITS });
      count += 1 + (await copyTree(sftp, from, to, path, modes));
    } else if (kind === S_IFLNK) {
      await symlink(await sftpCall<string>(from, (cb) => sftp.readlink(from, cb)), to);
      await lutimes(to, attrs.atime, attrs.mtime);
      count++;
      continue;
    } else if (kind === S_IFREG) {
      await pipeline(sftp.createReadStream(from), createWriteStream(to, { flags: 'wx', mode: LOCAL_FILE_BITS })).catch((err: SftpErr) => {
        throw Object.assign(err, { what: from });
      });
      count++;
    } else continue; // sockets, fifos and devices have no place in a config dir (packDir skips them too)
    modes.set(path, attrs.mode & 0o7777);
    await chmod(to, (attrs.mode & 0o7777) | (kind === S_IFDIR ? LOCAL_DIR_BITS : LOCAL_FILE_BITS));
    await utimes(to, attrs.atime, attrs.mtime);
  }
  return count;
}

/** How long fetching one member's config dir may take once connected (a config dir is small). */
export const DEFAULT_SSH_TRANSFER_TIMEOUT_MS = 10 * 60_000;

/**
 * Copies the remote dir `r` into the existing empty local dir `localDir` (mtimes and symlinks
 * kept, ownership not; modes returned, see FetchedDir). The transfer is bounded by
 * auth.transferTimeoutMs: a stalled sftp-server ends the connection and fails the fetch.
 */
export async function fetchRemoteDir(r: RemoteDir, localDir: string, auth: SshAuth): Promise<FetchedDir> {
  const client = await connect(r, auth);
  // an SSH error mid-transfer (keepalive timeout, reset) would otherwise leave SFTP calls hanging
  let onLost: (err: Error) => void = () => undefined;
  const lost = new Promise<never>((_, reject) => (onLost = (err) => reject(new SshError(`SSH connection to ${r.host}:${r.port} lost: ${err.message}`))));
  lost.catch(() => undefined);
  client.on('error', (err: Error) => onLost(err));
  client.on('close', () => onLost(new Error('closed')));
  const limitMs = auth.transferTimeoutMs ?? DEFAULT_SSH_TRANSFER_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SshError(`fetching ${describeRemote(r)} did not finish within ${limitMs} ms (stalled SFTP server?)`)), limitMs);
  });
  const modes = new Map<string, number>();
  try {
    const entries = await Promise.race([lost, deadline, copyInto(client, r, localDir, modes)]);
    return { entries, modes };
  } finally {
    clearTimeout(timer);
    // end() waits for the server; a stalled one would keep the socket (and the process) alive
    client.destroy();
  }
}

async function copyInto(client: SshClient, r: RemoteDir, localDir: string, modes: Map<string, number>): Promise<number> {
  const sftp = await sftpCall<SFTPWrapper>('sftp', (cb) => client.sftp(cb)).catch((err: Error) => {
    throw new SshError(`no SFTP subsystem on ${r.host}:${r.port}: ${err.message}`);
  });
  try {
    const st = await sftpCall<Stats>(r.dir, (cb) => sftp.stat(r.dir, cb));
    if ((st.mode & S_IFMT) !== S_IFDIR) throw new SshError(`${r.dir} on ${r.user}@${r.host}:${r.port} is not a directory`);
    return await copyTree(sftp, r.dir, localDir, '', modes);
  } catch (err) {
    if (err instanceof SshError) throw err;
    if (typeof (err as SftpErr).code === 'number') throw new SshError(describeSftpError(err as SftpErr, r));
    throw err;
  } finally {
    sftp.end();
  }
}
