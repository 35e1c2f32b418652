// Go's flag value syntax: strconv base-0 integers, time.ParseDuration, strconv.ParseBool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueError } from '../../src/config/errors.js';
import { lookupFlag } from '../../src/config/flags.js';
import { parseFlagValue, parseGoBool, parseGoDurationMs, sameValue } from '../../src/config/values.js';

const uint = lookupFlag('max-txn-ops')!;
const int = lookupFlag('quota-backend-bytes')!;

test('integers: decimal, 0x/0o/0b, legacy octal, underscores between digits', () => {
  const cases: [string, number][] = [['0', 0], ['42', 42], ['0x2A', 42], ['0X2a', 42], ['0b101', 5], ['0o17', 15], ['017', 15], ['1_000_000', 1e6], ['0x_ff', 255], ['0_7', 7]];
  for (const [text, want] of cases) assert.equal(parseFlagValue(uint, text), want, text);
  assert.equal(parseFlagValue(int, '-0x10'), -16);
  assert.equal(parseFlagValue(int, '+5'), 5);
  for (const bad of ['', '08', '0x', '1_', '_1', '1__0', '+5', '-1', '1.0', '1e3', ' 1', '0xg']) {
    assert.throws(() => parseFlagValue(uint, bad), ValueError, `uint ${JSON.stringify(bad)}`);
  }
});

test('integers beyond 2^53 are refused rather than rounded', () => {
  assert.equal(parseFlagValue(int, String(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  assert.throws(() => parseFlagValue(int, '9007199254740993'), { message: 'value out of range' });
});

test('durations: units ns..h, fractions, sums, sign, bare 0', () => {
  const cases: [string, number][] = [['0', 0], ['1ns', 1e-6], ['1.5s', 1500], ['1m30s', 90_000], ['2h', 7_200_000], ['100ms', 100], ['.5s', 500], ['-1s', -1000], ['1us', 0.001], ['1µs', 0.001]];
  for (const [text, want] of cases) assert.equal(parseGoDurationMs(text), want, text);
  for (const bad of ['', '1', '1x', 's', '.s', '1s2', '--1s']) assert.throws(() => parseGoDurationMs(bad), ValueError, bad);
});

test('bools: exactly strconv.ParseBool', () => {
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(t), true);
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(f), false);
  for (const bad of ['yes', 'on', 'tRUE', '']) assert.throws(() => parseGoBool(bad), { message: 'parse error' });
});

test('string lists: unique-strings sort and dedupe, strings keep order, url-set takes * alone', () => {
  assert.deepEqual(parseFlagValue(lookupFlag('log-outputs')!, 'stdout,stderr,stdout'), ['stderr', 'stdout']);
  assert.deepEqual(parseFlagValue(lookupFlag('cipher-suites')!, 'b,a'), ['b', 'a']);
  assert.deepEqual(parseFlagValue(lookupFlag('cors')!, '*'), ['*']);
  assert.deepEqual(parseFlagValue(lookupFlag('cors')!, 'http://b:1,http://a:1'), ['http://a:1', 'http://b:1']);
  assert.throws(() => parseFlagValue(lookupFlag('cors')!, 'example.com'));
});

test('sameValue compares parsed values, URL lists by text', () => {
  const urls = lookupFlag('listen-client-urls')!;
  assert.ok(sameValue(parseFlagValue(urls, 'http://localhost:2379'), parseFlagValue(urls, ' http://localhost:2379')));
  assert.ok(!sameValue(parseFlagValue(urls, 'http://localhost:2379'), parseFlagValue(urls, 'http://127.0.0.1:2379')));
  assert.ok(sameValue(false, false));
  assert.ok(!sameValue(0, false));
});
