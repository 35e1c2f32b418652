// Members' config dirs collected over SSH from the real OpenSSH server: three members' dirs in
// one set with a tetcd snapshot, restored with the same bytes, modes and symlinks; host keys
// checked against known_hosts (hashed, unknown, mismatched, opted out); the failures an
// operator meets (wrong key, no sshd, missing dir, encrypted key) named clearly, no set left.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifest, parseTar } from '../../src/backup-tool/index.js';
import { hostKeyProblem, hostsFieldMatches, parseKnownHosts, parseRemoteSpec } from '../../src/backup-tool/ssh-config.js';
import { freePort, makeTempDir, MEMBER_NAME, removeDir, startTetcd, tetcdSkipReason, type Member } from '../helpers/index.js';
import { sshdSkipReason, startSshd, type Sshd } from '../helpers/sshd.js';
import { cli, putKeys } from './fixtures.js';

const MEMBERS = ['infra0', 'infra1', 'infra2'];
/** A fixed mtime the archive must carry over from the member host. */
const MTIME = new Date('2023-05-06T07:08:09Z');
const D = { user: 'backup', port: 22 };

describe('--member syntax and known_hosts matching', () => {
  it('tells local paths from [user@]host[:port]:/dir and ssh:// URLs', () => {
    assert.equal(parseRemoteSpec('/etc/etcd', D), undefined);
    assert.equal(parseRemoteSpec('./odd:/dir', D), undefined);
    assert.equal(parseRemoteSpec('etc/etcd', D), undefined);
    assert.deepEqual(parseRemoteSpec('node1:/etc/etcd/', D), { user: 'backup', host: 'node1', port: 22, dir: '/etc/etcd' });
    assert.deepEqual(parseRemoteSpec('root@10.0.0.2:2222:/etc/etcd', D), { user: 'root', host: '10.0.0.2', port: 2222, dir: '/etc/etcd' });
    assert.deepEqual(parseRemoteSpec('ssh://ops@[fd00::1]:2200/etc/etcd', D), { user: 'ops', host: 'fd00::1', port: 2200, dir: '/etc/etcd' });
    assert.deepEqual(parseRemoteSpec('ssh://node2/etc/etcd', D), { user: 'backup', host: 'node2', port: 22, dir: '/etc/etcd' });
    assert.throws(() => parseRemoteSpec('ssh://node2', D), /host and absolute dir/);
    assert.throws(() => parseRemoteSpec('node1:70000:/etc/etcd', D), /bad SSH port/);
    assert.throws(() => parseRemoteSpec('node1:/etc/../root', D), /\.\./);
  });

  it('matches patterns, negations and port-qualified names; names unknown, mismatched and revoked keys', () => {
    assert.ok(hostsFieldMatches('node1,node2', 'node2'));
    assert.ok(hostsFieldMatches('*.example.com', 'Etcd1.example.com'));
    assert.ok(!hostsFieldMatches('*.example.com,!bad.example.com', 'bad.example.com'));
    assert.ok(!hostsFieldMatches('node1', '[node1]:2222'), 'a non-22 port is known only as [host]:port');
    assert.ok(hostsFieldMatches('[node1]:2222', '[node1]:2222'));
    const blob = (type: string, body: string) => {
      const t = Buffer.from(type);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(t.length);
      return Buffer.concat([len, t, Buffer.from(body)]);
    };
    const good = blob('ssh-ed25519', 'good-key-material-000000000000');
    const other = blob('ssh-ed25519', 'other-key-material-00000000000');
    const entries = parseKnownHosts(`# comment\n\nnode1 ssh-ed25519 ${good.toString('base64')}\n@revoked * ssh-ed25519 ${other.toString('base64')}\ngarbage line\n`);
    assert.equal(entries.length, 2);
    assert.equal(hostKeyProblem(entries, 'node1', 22, good, 'kh'), undefined);
    assert.match(hostKeyProblem(entries, 'node1', 22, blob('ssh-ed25519', 'impostor-material-00000000000'), 'kh')!, /HOST KEY MISMATCH for node1/);
    assert.match(hostKeyProblem(entries, 'node9', 22, good, 'kh')!, /unknown host key of node9: ssh-ed25519 key SHA256:/);
    assert.match(hostKeyProblem(entries, 'node1', 22, other, 'kh')!, /@revoked/);
  });
});

/** A member's /etc/etcd: etcd.conf 0644 with a fixed mtime, ssl/ 0700, its key 0600, cert 0644, a symlink. */
async function memberDir(root: string, name: string): Promise<string> {
  const dir = join(root, `etc-${name}`);
  await mkdir(join(dir, 'ssl'), { recursive: true });
  await writeFile(join(dir, 'etcd.conf'), `ETCD_NAME=${name}\nETCD_CERT_FILE=/etc/etcd/ssl/${name}.crt\n`);
  await writeFile(join(dir, 'ssl', `${name}.crt`), `-----BEGIN CERTIFICATE-----\n${name}-cert-${Math.random()}\n-----END CERTIFICATE-----\n`);
  await writeFile(join(dir, 'ssl', `${name}.key`), `-----BEGIN PRIVATE KEY-----\n${name}-key-${Math.random()}\n-----END PRIVATE KEY-----\n`);
  await symlink(`ssl/${name}.crt`, join(dir, 'server.crt'));
  await chmod(join(dir, 'etcd.conf'), 0o644);
  await chmod(join(dir, 'ssl', `${name}.crt`), 0o644);
  await chmod(join(dir, 'ssl', `${name}.key`), 0o600);
  await chmod(join(dir, 'ssl'), 0o700);
  await utimes(join(dir, 'etcd.conf'), MTIME, MTIME);
  return dir;
}

/** Every entry under dir: path → type, mode and content (or link target). */
function tree(dir: string, rel = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(dir, path));
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out.set(path, `link ${readlinkSync(join(dir, path))}`);
    else if (st.isDirectory()) {
      out.set(path, `dir ${mode}`);
      for (const [k, v] of tree(dir, path)) out.set(k, v);
    } else out.set(path, `file ${mode} ${readFileSync(join(dir, path), 'hex')}`);
  }
  return out;
}

function visibleSets(target: string): string[] {
  return existsSync(target) ? readdirSync(target) : [];
}

describe('tetcd-backup collecting config dirs over SSH', { skip: sshdSkipReason() ?? tetcdSkipReason() }, () => {
  let sshd: Sshd;
  let member: Member;
  let dir: string;
  let knownHosts: string;
  const dirs = new Map<string, string>();
  before(async () => {
    dir = await makeTempDir('backup-tool-ssh');
    sshd = await startSshd();
    member = await startTetcd();
    await putKeys(member.endpoint, 5);
    for (const m of MEMBERS) dirs.set(m, await memberDir(dir, m));
    // a hashed entry, as Debian's HashKnownHosts writes them
    knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsLine + '\n');
    execFileSync('ssh-keygen', ['-q', '-H', '-f', knownHosts], { stdio: 'ignore' });
    assert.match(readFileSync(knownHosts, 'utf8'), /^\|1\|/, 'known_hosts entry hashed');
  });
  after(async () => {
    await member?.stop();
    await sshd?.stop();
    if (dir) await removeDir(dir);
  });

  const ssh = (extra: string[] = []) => ['--ssh-key', sshd.clientKey, '--ssh-known-hosts', knownHosts, '--ssh-timeout', '10', ...extra];
  const run = (target: string, members: string[], extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
    cli(['run', '--target', target, '--endpoints', member.endpoint, '--no-encrypt', '--compression', 'none', ...members, ...ssh(extra)], env);

  it('collects three members config dirs into one set with the snapshot; restore gives them back byte for byte with modes', async () => {
    const target = join(dir, 'backups');
    const user = execFileSync('id', ['-un']).toString().trim();
    const members = [
      '--member', `infra0=${user}@127.0.0.1:${sshd.port}:${dirs.get('infra0')}`,
      '--member', `infra1=ssh://127.0.0.1:${sshd.port}${dirs.get('infra1')}`,
      '--member', `infra2=127.0.0.1:${dirs.get('infra2')}/`,
    ];
    const r = await run(target, members, ['--ssh-port', String(sshd.port)]);
    assert.equal(r.code, 0, r.stderr + sshd.stderr());
    assert.match(r.stderr, /fetched config dir of infra0 from \S+@127\.0\.0\.1:\d+:\S+etc-infra0 \(5 entries\)/);
    const set = r.stdout.trim();
    assert.deepEqual(visibleSets(target), [set]);
    const manifest = parseManifest(readFileSync(join(target, set, 'manifest.json'), 'utf8'));
    assert.equal(manifest.snapshot.liveKeys, 4);
    for (const m of MEMBERS) {
      const f = manifest.files.find((x) => x.kind === 'config' && x.member === m)!;
      assert.deepEqual(f.source, { user, host: '127.0.0.1', port: sshd.port, dir: dirs.get(m) }, `${m}: host and dir recorded`);
      assert.equal(f.entries, 5);
      // the archive itself carries the host's mtimes and the symlink as a symlink
      const entries = parseTar(readFileSync(join(target, set, f.name)));
      assert.equal(entries.find((e) => e.path === 'etcd.conf')!.mtime, MTIME.getTime() / 1000);
      assert.deepEqual(entries.filter((e) => e.type === 'symlink').map((e) => [e.path, e.linkTarget]), [['server.crt', `ssl/${m}.crt`]]);
    }
    assert.ok(manifest.included.includes(`config dir of infra1 (${user}@127.0.0.1:${sshd.port}:${dirs.get('infra1')})`), manifest.included.join('\n'));

    const targets = MEMBERS.flatMap((m) => ['--config-target', `${m}=${join(dir, 'restored-etc', m)}`]);
    const restore = await cli(['restore', '--target', target, '--set', set, '--name', MEMBER_NAME, '--data-dir', join(dir, 'restored-data'), ...targets]);
    assert.equal(restore.code, 0, restore.stderr);
    for (const m of MEMBERS) {
      const back = tree(join(dir, 'restored-etc', m));
      assert.deepEqual(back, tree(dirs.get(m)!), `${m}: same files, modes and links`);
      assert.equal(back.get(`ssl/${m}.key`)!.slice(0, 8), 'file 600');
      assert.equal(back.get('ssl'), 'dir 700');
    }
  });

  it('refuses an unknown host key and a changed one before authenticating; runs with the explicit opt-out', async () => {
    const target = join(dir, 'hostkeys');
    const spec = ['--member', `infra0=127.0.0.1:${sshd.port}:${dirs.get('infra0')}`];
    const accepted = () => (sshd.stderr().match(/Accepted publickey/g) ?? []).length;
    const acceptedBefore = accepted();
    const empty = join(dir, 'known_hosts.empty');
    writeFileSync(empty, '');
    const unknown = await run(target, spec, ['--ssh-known-hosts', empty]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, new RegExp(`config dir of member infra0 .*unknown host key of \\[127\\.0\\.0\\.1\\]:${sshd.port}: ssh-ed25519 key SHA256:`));

    const impostor = join(dir, 'known_hosts.changed');
    const otherKey = sshd.newKey('other_host_key');
    writeFileSync(impostor, `[127.0.0.1]:${sshd.port} ${readFileSync(`${otherKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    const changed = await run(target, spec, ['--ssh-known-hosts', impostor]);
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /HOST KEY MISMATCH for \[127\.0\.0\.1\]:\d+/);

    // known only by an RSA key while it serves ed25519: the client asks for RSA and says so
    const rsa = join(dir, 'rsa_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', rsa], { stdio: 'ignore' });
    const rsaOnly = join(dir, 'known_hosts.rsa');
    writeFileSync(rsaOnly, `[127.0.0.1]:${sshd.port} ${readFileSync(`${rsa}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    const otherType = await run(target, spec, ['--ssh-known-hosts', rsaOnly]);
    assert.equal(otherType.code, 1);
    assert.match(otherType.stderr, /offers no host key of a type \S+known_hosts\.rsa has for it \(rsa-sha2-512, rsa-sha2-256, ssh-rsa\)/);
    assert.deepEqual(visibleSets(target), [], 'no set after refused host keys');
    assert.equal(accepted(), acceptedBefore, 'no authentication to a host whose key was refused');

    const insecure = await cli(['run', '--target', target, '--endpoints', member.endpoint, '--no-encrypt', ...spec, '--ssh-key', sshd.clientKey, '--ssh-known-hosts', empty, '--ssh-insecure-skip-host-key-check']);
    assert.equal(insecure.code, 2, 'contradictory flags are bad usage');
    const skipped = await cli(['run', '--target', target, '--endpoints', member.endpoint, '--no-encrypt', ...spec, '--ssh-key', sshd.clientKey, '--ssh-insecure-skip-host-key-check']);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stderr, /warning: host key of 127\.0\.0\.1 not checked/);
    assert.equal(visibleSets(target).length, 1);
  });

  it('names wrong keys, a missing sshd, a missing dir and a denied read, and leaves no set', async () => {
    const target = join(dir, 'failures');
    const spec = (m: string, d: string, port = sshd.port) => ['--member', `${m}=127.0.0.1:${port}:${d}`];

    const wrong = await run(target, spec('infra0', dirs.get('infra0')!), ['--ssh-key', sshd.newKey('unauthorized')]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /authentication failed as \S+ on 127\.0\.0\.1:\d+ with key \S+unauthorized/);

    const missing = join(dir, 'etc-nowhere');
    const absent = await run(target, [...spec('infra0', dirs.get('infra0')!), ...spec('infra1', missing)]);
    assert.equal(absent.code, 1);
    assert.match(absent.stderr, new RegExp(`config dir of member infra1 .*${missing} does not exist on \\S+@127\\.0\\.0\\.1:${sshd.port}`));

    const notDir = await run(target, spec('infra2', join(dirs.get('infra2')!, 'etcd.conf')));
    assert.match(notDir.stderr, /etcd\.conf on \S+ is not a directory/);

    // root reads every file, so the host's refusal comes from an sftp server that denies opening files
    const denying = await startSshd({ sftpDenied: ['open'] });
    try {
      const deniedKnownHosts = join(dir, 'known_hosts.denying');
      writeFileSync(deniedKnownHosts, denying.knownHostsLine + '\n');
      const denied = await run(target, spec('infra1', dirs.get('infra1')!, denying.port), ['--ssh-key', denying.clientKey, '--ssh-known-hosts', deniedKnownHosts]);
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /permission denied reading \S+etc-infra1\/etcd\.conf on \S+@127\.0\.0\.1:\d+/);
    } finally {
      await denying.stop();
    }

    const closed = await freePort();
    const refused = await run(target, spec('infra0', dirs.get('infra0')!, closed));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${closed}: connection refused`));

    assert.deepEqual(visibleSets(target), [], 'nothing in the target after failed runs');
  });

  it('uses a passphrase-protected key with the passphrase from the environment, and says when it is missing', async () => {
    const target = join(dir, 'passphrase');
    const key = sshd.newKey('protected', 'sesame-123');
    appendFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(`${key}.pub`));
    const spec = ['--member', `infra0=127.0.0.1:${sshd.port}:${dirs.get('infra0')}`];
    const without = await run(target, spec, ['--ssh-key', key]);
    assert.equal(without.code, 1);
    assert.match(without.stderr, /protected is encrypted: put its passphrase in TETCD_BACKUP_SSH_KEY_PASSPHRASE/);
    const wrongPass = await run(target, spec, ['--ssh-key', key], { TETCD_BACKUP_SSH_KEY_PASSPHRASE: 'nope' });
    assert.match(wrongPass.stderr, /protected: wrong passphrase/);
    const ok = await run(target, spec, ['--ssh-key', key], { TETCD_BACKUP_SSH_KEY_PASSPHRASE: 'sesame-123' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(visibleSets(target).length, 1);
  });
});
