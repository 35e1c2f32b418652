// Token providers: simple tokens (format, TTL, invalidation, waiting for the index) and JWTs
// (every sign-method family, expiry, tampering, verify-only keys), and --auth-token parsing.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { JwtTokenProvider, NopTokenProvider, SimpleTokenProvider, newTokenProvider } from '../../src/auth/index.js';
import { parseGoDuration } from '../../src/auth/go-duration.js';
import { err } from './helpers.js';

describe('simple tokens', () => {
  test('16 letters, then "." and the index; assigned only while enabled', async () => {
    const p = new SimpleTokenProvider(0);
    const prefix = p.genTokenPrefix();
    assert.match(prefix, /^[a-zA-Z]{16}$/);
    assert.equal(p.assign('u', 1, { index: 7, simpleTokenPrefix: prefix }), `${prefix}.7`);
    assert.equal(await p.info(`${prefix}.7`, 1), undefined, 'not recorded while disabled');
    p.enable();
    const t = p.assign('u', 1, { index: 8, simpleTokenPrefix: prefix });
    assert.deepEqual(await p.info(t, 3), { username: 'u', revision: 3 });
    for (const bad of ['nodot', 'a.b', 'a.1.2', `${prefix}.9`]) assert.equal(await p.info(bad, 1), undefined, bad);
    p.disable();
  });

  test('expires after the TTL of disuse; each use restarts it', async () => {
    let now = 1_000_000;
    const p = new SimpleTokenProvider(10, undefined, () => now);
    p.enable();
    const t = p.assign('u', 1, { index: 1, simpleTokenPrefix: 'aaaaaaaaaaaaaaaa' });
    now += 9_000;
    p.expire();
    assert.ok(await p.info(t, 1));
    now += 9_000;
    p.expire();
    assert.ok(await p.info(t, 1), 'the use at +9s restarted the TTL');
    now += 10_001;
    p.expire();
    assert.equal(await p.info(t, 1), undefined);
    p.disable();
  });

  test('default TTL is 300 s; invalidateUser forgets only that user', async () => {
    let now = 0;
    const p = new SimpleTokenProvider(0, undefined, () => now);
    p.enable();
    const a = p.assign('a', 1, { index: 1, simpleTokenPrefix: 'aaaaaaaaaaaaaaaa' });
    const bTok = p.assign('b', 1, { index: 2, simpleTokenPrefix: 'bbbbbbbbbbbbbbbb' });
    now = 299_000;
    p.expire();
    assert.ok(await p.info(a, 1));
    p.invalidateUser('a');
    assert.equal(await p.info(a, 1), undefined);
    assert.ok(await p.info(bTok, 1));
    p.disable();
  });

  test('a token is judged only after its Authenticate entry is applied', async () => {
    const waited: number[] = [];
    const p = new SimpleTokenProvider(0, async (i) => void waited.push(i));
    await p.info('abcdefghijklmnop.123', 1);
    assert.deepEqual(waited, [123]);
  });
});

describe('JWT tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tetcd-jwt-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = (k: { export(o: object): string | Buffer }, type: 'pkcs8' | 'spki') => Buffer.from(k.export({ type, format: 'pem' }));

  for (const [method, pair] of [['RS256', rsa], ['PS384', rsa], ['ES256', ec]] as const) {
    test(`${method}: issued tokens carry user and revision, verify, and expire`, async () => {
      let now = 1_700_000_000_000;
      const p = new JwtTokenProvider({ signMethod: method, privateKey: pem(pair.privateKey, 'pkcs8'), publicKey: pem(pair.publicKey, 'spki'), ttlMs: 60_000 }, () => now);
      const token = p.assign('alice', 12);
      const [h, c] = token.split('.');
      assert.deepEqual(JSON.parse(Buffer.from(h!, 'base64url').toString()), { alg: method, typ: 'JWT' });
      assert.equal(Buffer.from(c!, 'base64url').toString(), `{"exp":${now / 1000 + 60},"revision":12,"username":"alice"}`);
      assert.deepEqual(await p.info(token), { username: 'alice', revision: 12 });
      const forged = `${h}.${Buffer.from('{"exp":9999999999,"revision":12,"username":"root"}').toString('base64url')}.${token.split('.')[2]}`;
      assert.equal(await p.info(forged), undefined, 'claims cannot be changed');
      now += 61_000;
      assert.equal(await p.info(token), undefined, 'expired');
    });
  }

  test('HS256 uses priv-key as the secret; another secret or method does not verify', async () => {
    const p = new JwtTokenProvider({ signMethod: 'HS256', secret: Buffer.from('s3cret') });
    const token = p.assign('bob', 3);
    assert.deepEqual(await p.info(token), { username: 'bob', revision: 3 });
    assert.equal(await new JwtTokenProvider({ signMethod: 'HS256', secret: Buffer.from('other') }).info(token), undefined);
    assert.equal(await new JwtTokenProvider({ signMethod: 'HS512', secret: Buffer.from('s3cret') }).info(token), undefined);
    assert.equal(await p.info('garbage'), undefined);
  });

  test('a public key alone verifies but cannot sign; key errors as etcd', async () => {
    const signer = new JwtTokenProvider({ signMethod: 'RS256', privateKey: pem(rsa.privateKey, 'pkcs8') });
    const verifier = new JwtTokenProvider({ signMethod: 'RS256', publicKey: pem(rsa.publicKey, 'spki') });
    const token = signer.assign('carol', 4);
    assert.deepEqual(await verifier.info(token), { username: 'carol', revision: 4 });
    assert.throws(() => verifier.assign('carol', 4), err('VerifyOnly'));
    assert.throws(() => new JwtTokenProvider({ signMethod: 'RS256' }), err('MissingKey'));
    assert.throws(() => new JwtTokenProvider({ signMethod: 'XX256' }), err('InvalidAuthMethod'));
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.throws(() => new JwtTokenProvider({ signMethod: 'RS256', privateKey: pem(rsa.privateKey, 'pkcs8'), publicKey: pem(other.publicKey, 'spki') }), err('KeyMismatch'));
  });

  test('--auth-token jwt,pub-key=…,priv-key=…,sign-method=…,ttl=… reads the key files', async () => {
    writeFileSync(join(dir, 'priv.pem'), pem(ec.privateKey, 'pkcs8'));
    writeFileSync(join(dir, 'pub.pem'), pem(ec.publicKey, 'spki'));
    const p = newTokenProvider(`jwt,pub-key=${join(dir, 'pub.pem')},priv-key=${join(dir, 'priv.pem')},sign-method=ES256,ttl=10m`);
    const token = p.assign('u', 1, { index: 0, simpleTokenPrefix: '' });
    assert.ok(p instanceof JwtTokenProvider);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 600)) < 5);
  });
});

test('--auth-token parsing', () => {
  assert.ok(newTokenProvider('simple') instanceof SimpleTokenProvider);
  assert.ok(newTokenProvider('') instanceof NopTokenProvider);
  assert.throws(() => newTokenProvider('bogus'), err('InvalidAuthOpts'));
  assert.throws(() => newTokenProvider('jwt,sign-method'), err('InvalidAuthOpts'));
  assert.throws(() => newTokenProvider('jwt,sign-method=RS256,sign-method=RS256'), err('InvalidAuthOpts'));
  assert.throws(() => newTokenProvider('jwt,sign-method=HS256'), err('MissingKey'));
});

test('Go durations', () => {
  assert.equal(parseGoDuration('5m'), 300_000);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('0'), 0);
  assert.throws(() => parseGoDuration('5'));
  assert.throws(() => parseGoDuration('m'));
});
