// A hostile SSH/SFTP server on 127.0.0.1 (ssh2's server side): it lists whatever names the test
// gives it (`../../x`, `a/x`, duplicates) and can stall reads, which a real sshd never does.
// That is the member host the fetch code must survive (OpenSSH scp's CVE-2019-6111).
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { Attributes } from 'ssh2';

const STATUS_OK = 0;
const STATUS_EOF = 1;
const STATUS_NO_SUCH_FILE = 2;

export interface FakeEntry {
  /** The name as listed: not necessarily a valid one. */
  name: string;
  /** Full st_mode, e.g. 0o100600 for a file, 0o040500 for a dir, 0o120777 for a link. */
  mode: number;
  data?: string;
  linkTarget?: string;
}

export interface HostileSftp {
  port: number;
  /** A private key file to authenticate with (the server accepts anyone). */
  clientKey: string;
  close(): Promise<void>;
}

export interface HostileOptions {
  /** Entries listed for each remote dir path. */
  dirs: Record<string, FakeEntry[]>;
  /** Never answer READ requests (a stalled sftp-server). */
  stallReads?: boolean;
}

const NOW = Math.floor(Date.now() / 1000);
const attrsOf = (mode: number, size = 0): Attributes => ({ mode, uid: 0, gid: 0, size, atime: NOW, mtime: NOW });

/**
 * A fresh ed25519 private key in OpenSSH format. ssh2 1.17's generator now and then (about 1 in
 * 400) writes a key its own parser rejects ("Malformed OpenSSH private key"): take the next one.
 */
function ed25519Key(): string {
  for (let i = 0; i < 10; i++) {
    const key = ssh2.utils.generateKeyPairSync('ed25519').private;
    if (!(ssh2.utils.parseKey(key) instanceof Error)) return key;
  }
  throw new Error('ssh2 generated 10 unparsable ed25519 keys in a row');
}

/** Starts the server; `keyDir` receives the client key file. */
export async function startHostileSftp(opts: HostileOptions, keyDir: string): Promise<HostileSftp> {
  const hostKey = ed25519Key();
  const clientKey = join(keyDir, 'hostile_client_ed25519');
  writeFileSync(clientKey, ed25519Key(), { mode: 0o600 });
  const entryAt = (path: string): FakeEntry | undefined => {
    const cut = path.lastIndexOf('/');
    return opts.dirs[path.slice(0, cut)]?.find((e) => e.name === path.slice(cut + 1));
  };
  const clients = new Set<ssh2.Connection>();
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('session', (accept) => {
      accept().on('sftp', (acceptSftp) => {
        const sftp = acceptSftp();
        const handles = new Map<string, { path: string; listed: boolean }>();
        let next = 0;
        const open = (path: string) => {
          const h = Buffer.from(String(next++));
          handles.set(h.toString(), { path, listed: false });
          return h;
        };
        const statOf = (reqid: number, path: string) => {
          if (opts.dirs[path]) return sftp.attrs(reqid, attrsOf(0o040755));
          const e = entryAt(path);
          return e ? sftp.attrs(reqid, attrsOf(e.mode, e.data?.length ?? 0)) : sftp.status(reqid, STATUS_NO_SUCH_FILE);
        };
        sftp.on('STAT', statOf);
        sftp.on('LSTAT', statOf);
        sftp.on('OPENDIR', (reqid, path) => (opts.dirs[path] ? sftp.handle(reqid, open(path)) : sftp.status(reqid, STATUS_NO_SUCH_FILE)));
        sftp.on('READDIR', (reqid, handle) => {
          const h = handles.get(handle.toString())!;
          if (h.listed) return sftp.status(reqid, STATUS_EOF);
          h.listed = true;
          sftp.name(reqid, opts.dirs[h.path]!.map((e) => ({ filename: e.name, longname: e.name, attrs: attrsOf(e.mode, e.data?.length ?? 0) })));
        });
        sftp.on('OPEN', (reqid, path) => (entryAt(path) ? sftp.handle(reqid, open(path)) : sftp.status(reqid, STATUS_NO_SUCH_FILE)));
        sftp.on('FSTAT', (reqid, handle) => statOf(reqid, handles.get(handle.toString())!.path));
        sftp.on('READ', (reqid, handle, offset, length) => {
          if (opts.stallReads) return;
          const data = Buffer.from(entryAt(handles.get(handle.toString())!.path)?.data ?? '');
          if (offset >= data.length) return sftp.status(reqid, STATUS_EOF);
          sftp.data(reqid, data.subarray(offset, offset + length));
        });
        sftp.on('READLINK', (reqid, path) => {
          const target = entryAt(path)?.linkTarget;
          if (target === undefined) return sftp.status(reqid, STATUS_NO_SUCH_FILE);
          sftp.name(reqid, [{ filename: target, longname: target, attrs: attrsOf(0o120777) }]);
        });
        sftp.on('CLOSE', (reqid, handle) => {
          handles.delete(handle.toString());
          sftp.status(reqid, STATUS_OK);
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    clientKey,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}
