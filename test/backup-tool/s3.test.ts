// The S3 target against s3rver (a real S3 protocol server on loopback) and a real tetcd:
// run → list → verify → restore gives the same data; multipart uploads; a run that fails or is
// killed mid-upload leaves no set that lists as complete and the next run works; clear errors
// for an unreachable endpoint, a missing bucket and refused credentials.
//
// Requests go through a small HTTP relay in front of s3rver so a test can cut or stall the
// connection of one upload, which is how a network failure or a killed process looks to S3.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { S3Target, s3SettingsFromUrl, TargetError } from '../../src/backup-tool/index.js';
import { makeTempDir, removeDir, sleep, startTetcd, tetcdSkipReason, type Member } from '../helpers/index.js';
import { ageKeys, cli, dumpKeys, keysOfRestored, memberConfigDir, putKeys } from './fixtures.js';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (opts: { address: string; port: number; directory: string; silent: boolean }) => S3rverInstance;

const BUCKET = 'tetcd-backups';
const CREDS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
const CLI_BIN = join(fileURLToPath(import.meta.url), '..', '..', '..', 'src', 'bin', 'tetcd-backup.js');
const KILL_WAIT_MS = 30_000;

type RelayMode = 'pass' | 'reset-snapshot' | 'hold-snapshot';

/** An HTTP relay to s3rver that records requests and can cut or hold the snapshot's upload. */
class Relay {
  mode: RelayMode = 'pass';
  readonly seen: string[] = [];
  private held: ServerResponse[] = [];
  private heldWaiters: (() => void)[] = [];
  private server!: Server;
  port = 0;

  constructor(private readonly upstream: number) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Resolves once the snapshot's upload is being held. */
  whenHolding(): Promise<void> {
    return new Promise((r) => (this.held.length > 0 ? r() : this.heldWaiters.push(r)));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.seen.push(`${req.method} ${req.url}`);
    const isSnapshotUpload = req.method === 'PUT' && (req.url ?? '').includes('snapshot.db');
    if (isSnapshotUpload && this.mode === 'reset-snapshot') {
      req.socket.destroy();
      return;
    }
    if (isSnapshotUpload && this.mode === 'hold-snapshot') {
      req.resume();
      this.held.push(res);
      for (const w of this.heldWaiters.splice(0)) w();
      return;
    }
    // agent: false, so no idle keep-alive connection holds s3rver open at the end
    const up = request({ host: '127.0.0.1', port: this.upstream, method: req.method, path: req.url, headers: req.headers, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }

  async stop(): Promise<void> {
    for (const r of this.held) r.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

describe('S3 target settings', () => {
  it('reads bucket, prefix and query parameters; env fills what the URL leaves out', () => {
    const s = s3SettingsFromUrl('s3://bkt/a/b/?endpoint=http://127.0.0.1:4569&region=eu-west-1&multipart-threshold=5MiB&part-size=1k&max-attempts=2&connect-timeout=500ms&checksum=md5', {
      AWS_REGION: 'us-west-2', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'tok',
    });
    assert.equal(s.bucket, 'bkt');
    assert.equal(s.prefix, 'a/b');
    assert.equal(s.endpoint, 'http://127.0.0.1:4569');
    assert.equal(s.region, 'eu-west-1', 'the URL wins over AWS_REGION');
    assert.equal(s.forcePathStyle, true, 'path style by default with a custom endpoint');
    assert.equal(s.multipartThreshold, 5 * 1024 * 1024);
    assert.equal(s.partSize, 1024);
    assert.equal(s.maxAttempts, 2);
    assert.equal(s.connectTimeoutMs, 500);
    assert.equal(s.checksum, 'md5');
    assert.deepEqual(s.credentials, { accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 'tok' });

    const e = s3SettingsFromUrl('s3://bkt', { AWS_ENDPOINT_URL: 'http://minio:9000', AWS_ENDPOINT_URL_S3: 'http://s3only:9000', AWS_PROFILE: 'backup' });
    assert.equal(e.prefix, '');
    assert.equal(e.endpoint, 'http://s3only:9000', 'the S3-specific endpoint wins');
    assert.equal(e.credentials, undefined, 'the SDK chain (here: the profile) finds keys');
    assert.equal(e.profile, 'backup');
    assert.equal(e.checksum, 'sha256');
    assert.equal(s3SettingsFromUrl('s3://bkt/p', {}).forcePathStyle, false, 'virtual-hosted style on AWS');
  });

  it('refuses malformed targets, unknown parameters and credentials in the URL', () => {
    assert.throws(() => s3SettingsFromUrl('s3:///nobucket', {}), TargetError);
    assert.throws(() => s3SettingsFromUrl('s3://b/p?endpont=http://x', {}), /unknown S3 target parameter endpont/);
    assert.throws(() => s3SettingsFromUrl('s3://b/p?part-size=lots', {}), /not a size/);
    assert.throws(() => s3SettingsFromUrl('s3://key:secret@b/p', {}), /not in the target URL/);
    assert.throws(() => s3SettingsFromUrl('s3://b/p?force-path-style=maybe', {}), /true or false/);
  });
});

describe('tetcd-backup with an S3 target', { skip: tetcdSkipReason() }, () => {
  let member: Member;
  let dir: string;
  let s3: S3rverInstance;
  let relay: Relay;
  let admin: S3Client;
  let endpoint: string;
  const savedEnv = { ...process.env };

  /** The target URL through the relay, with extra query parameters. */
  const url = (prefix: string, extra = '') => `s3://${BUCKET}/${prefix}?endpoint=${endpoint}&region=us-east-1${extra}`;

  async function keysIn(prefix: string): Promise<string[]> {
    const r = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (r.Contents ?? []).map((o) => o.Key!).sort();
  }

  before(async () => {
    dir = await makeTempDir('backup-tool-s3');
    s3 = new S3rver({ address: '127.0.0.1', port: 0, directory: join(dir, 's3rver'), silent: true });
    const { port } = await s3.run();
    relay = new Relay(port);
    await relay.start();
    endpoint = `http://127.0.0.1:${relay.port}`;
    // the CLI's S3 client takes its keys where the AWS SDK does: the process environment
    Object.assign(process.env, CREDS, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
    admin = new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
    member = await startTetcd();
    await putKeys(member.endpoint, 12);
  });
  after(async () => {
    process.env = savedEnv;
    admin?.destroy();
    await member?.stop();
    await relay?.stop();
    await s3?.close();
    if (dir) await removeDir(dir);
  });

  it('runs a set into the bucket, lists it complete, verifies it and restores the same data', async () => {
    const keys = ageKeys(dir);
    const target = url('cluster-a');
    const run = await cli(['run', '--target', target, '--endpoints', member.endpoint, '--config-dir', await memberConfigDir(dir, 'infra0'), '--recipients-file', keys.recipientsFile]);
    assert.equal(run.code, 0, run.stderr);
    const set = run.stdout.trim();
    assert.deepEqual(await keysIn('cluster-a/'), [`cluster-a/${set}/config-difftest.tar.gz.age`, `cluster-a/${set}/manifest.json`, `cluster-a/${set}/snapshot.db.gz.age`]);
    const puts = relay.seen.filter((r) => r.startsWith('PUT ') && r.includes(set));
    assert.match(puts.at(-1)!, /manifest\.json/, 'the manifest is uploaded last');

    const list = await cli(['list', '--target', target, '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), [{ name: set, complete: true }]);

    const verify = await cli(['verify', '--target', target, '--identity-file', keys.identityFile]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.equal(verify.stdout, `${set}: OK\n`);

    const before = await dumpKeys(member.endpoint);
    const dataDir = join(dir, 'restored');
    const restore = await cli(['restore', '--target', target, '--identity-file', keys.identityFile, '--name', 'difftest', '--data-dir', dataDir]);
    assert.equal(restore.code, 0, restore.stderr);
    assert.deepEqual(await keysOfRestored(dataDir, 'difftest'), before);
  });

  it('uploads in parts above the multipart threshold, and the parts assemble into the exact bytes', async () => {
    const target = url('multipart', '&multipart-threshold=4KiB&part-size=4KiB');
    relay.seen.length = 0;
    const run = await cli(['run', '--target', target, '--endpoints', member.endpoint, '--no-config', '--no-encrypt', '--compression', 'none']);
    assert.equal(run.code, 0, run.stderr);
    const set = run.stdout.trim();
    const parts = relay.seen.filter((r) => /^PUT .*snapshot\.db\?.*partNumber=/.test(r));
    assert.ok(parts.length >= 2, `snapshot went up in parts: ${relay.seen.join('\n')}`);
    assert.ok(relay.seen.some((r) => /^POST .*snapshot\.db\?uploadId=/.test(r)), 'the upload was completed');
    const verify = await cli(['verify', '--target', target]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.equal(verify.stdout, `${set}: OK\n`);
  });

  it('a run whose upload fails mid-way leaves no set behind, and exits 1', async () => {
    const target = url('failing');
    relay.mode = 'reset-snapshot';
    try {
      const run = await cli(['run', '--target', target, '--endpoints', member.endpoint, '--config-dir', await memberConfigDir(dir, 'infra1'), '--no-encrypt']);
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /cannot reach S3 endpoint|snapshot\.db/);
      assert.ok(relay.seen.some((r) => r.startsWith('PUT ') && r.includes('failing/') && r.includes('config-')), 'the config was uploaded before the failure');
    } finally {
      relay.mode = 'pass';
    }
    assert.deepEqual(await keysIn('failing/'), [], 'what was uploaded is deleted again');
    const list = await cli(['list', '--target', target, '--json']);
    assert.deepEqual(JSON.parse(list.stdout), []);
  });

  it('a failed multipart upload is aborted, and a set name already in use is refused', async () => {
    const target = url('failing-parts', '&multipart-threshold=4KiB&part-size=4KiB');
    relay.mode = 'reset-snapshot';
    relay.seen.length = 0;
    try {
      const run = await cli(['run', '--target', target, '--endpoints', member.endpoint, '--no-config', '--no-encrypt', '--compression', 'none']);
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /multipart upload of failing-parts\/etcd-backup-\d+-\d+\/snapshot\.db/);
    } finally {
      relay.mode = 'pass';
    }
    assert.ok(relay.seen.some((r) => /^DELETE .*snapshot\.db\?uploadId=/.test(r)), `the multipart upload was aborted: ${relay.seen.join('\n')}`);
    assert.deepEqual(await keysIn('failing-parts/'), []);

    const t = new S3Target(s3SettingsFromUrl(url('cluster-a'), CREDS));
    const [existing] = await t.list();
    assert.ok(existing, 'the set of the first test');
    await assert.rejects(t.begin(existing.name), /backup set etcd-backup-\d+-\d+ already exists/);
  });

  it('a run killed mid-upload leaves only an incomplete set; the next run works and prune clears the leftover', async () => {
    const target = url('killed');
    relay.mode = 'hold-snapshot';
    const child = spawn(process.execPath, [CLI_BIN, 'run', '--target', target, '--endpoints', member.endpoint, '--config-dir', await memberConfigDir(dir, 'infra2'), '--no-encrypt'], {
      env: { ...process.env, ...CREDS }, stdio: 'ignore',
    });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the snapshot upload never started')), KILL_WAIT_MS)));
      await Promise.race([relay.whenHolding(), timeout]).finally(() => clearTimeout(timer));
      child.kill('SIGKILL');
      await exited;
    } finally {
      child.kill('SIGKILL');
      relay.mode = 'pass';
    }
    const afterKill = await cli(['list', '--target', target, '--json']);
    const sets = JSON.parse(afterKill.stdout) as { name: string; complete: boolean }[];
    assert.equal(sets.length, 1, afterKill.stdout);
    assert.equal(sets[0]!.complete, false, 'no manifest, so not complete');
    const verify = await cli(['verify', '--target', target]);
    assert.equal(verify.code, 1);
    assert.match(verify.stderr, /no complete backup set/);

    await sleep(1100); // set names have one-second resolution: the next run must get its own
    const run = await cli(['run', '--target', target, '--endpoints', member.endpoint, '--no-config', '--no-encrypt']);
    assert.equal(run.code, 0, run.stderr);
    const listed = JSON.parse((await cli(['list', '--target', target, '--json'])).stdout) as { name: string; complete: boolean }[];
    assert.deepEqual(listed, [sets[0], { name: run.stdout.trim(), complete: true }]);
    const prune = await cli(['prune', '--target', target, '--keep-last', '1']);
    assert.equal(prune.code, 0, prune.stderr);
    assert.equal(prune.stdout, `removed ${sets[0]!.name}\n`);
    assert.deepEqual(await keysIn(`killed/${sets[0]!.name}/`), []);
  });

  it('explains an unreachable endpoint, a missing bucket and refused keys, with exit 1 and no endless retries', async () => {
    const started = Date.now();
    const down = await cli(['list', '--target', `s3://${BUCKET}/x?endpoint=http://127.0.0.1:1&region=us-east-1&connect-timeout=2`]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach S3 endpoint http:\/\/127\.0\.0\.1:1/);
    assert.ok(Date.now() - started < 15_000, 'gave up within bounds');

    const noBucket = await cli(['list', '--target', `s3://no-such-bucket/x?endpoint=${endpoint}&region=us-east-1`]);
    assert.equal(noBucket.code, 1);
    assert.match(noBucket.stderr, /no such bucket no-such-bucket/);

    const wrongKeys = new S3Target(s3SettingsFromUrl(url('x'), { AWS_ACCESS_KEY_ID: 'nobody', AWS_SECRET_ACCESS_KEY: 'wrong' }));
    await assert.rejects(wrongKeys.list(), /access denied to s3:\/\/tetcd-backups\/x/);

    const bad = await cli(['list', '--target', 's3://b/p?bogus=1']);
    assert.equal(bad.code, 2, 'a malformed target is bad usage');
  });
});

