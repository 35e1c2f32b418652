// URL lists and the --initial-cluster syntax with etcd's (Go net/url's) view of a URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBindUrls, checkHostUrls, parseUrlList, parseUrlsMap, splitHostPort, toUrl } from '../../src/config/urls.js';

test('lists are trimmed and sorted by text; IPv6 and unix sockets are accepted', () => {
  assert.deepEqual(parseUrlList(' https://b:1 ,http://[::1]:2379,unix://localhost:1234').map((u) => u.text), [
    'http://[::1]:2379',
    'https://b:1',
    'unix://localhost:1234',
  ]);
  assert.equal(toUrl(parseUrlList('http://[::1]:2379')[0]!).hostname, '[::1]');
});

test("etcd's URL errors: scheme, host:port, path, Go url.Parse failures", () => {
  const cases: [string, string][] = [
    ['127.0.0.1:2379', 'parse "127.0.0.1:2379": first path segment in URL cannot contain colon'],
    ['http://a:1/', 'URL must not contain a path: http://a:1/'],
    ['http://a:b:1', 'URL address does not have the form "host:port": http://a:b:1'],
    ['http://a:xx', 'parse "http://a:xx": invalid port ":xx" after host'],
    ['http://a:1,', 'URL scheme must be http, https, unix, or unixs: '],
    [':80', 'parse ":80": missing protocol scheme'],
  ];
  for (const [text, message] of cases) assert.throws(() => parseUrlList(text), { message }, text);
});

test('bind URLs must be IPs or localhost; advertised URLs need a host', () => {
  assert.doesNotThrow(() => checkBindUrls(parseUrlList('http://localhost:1,http://0.0.0.0:2,http://[::]:3,unix://sock:0')));
  assert.throws(() => checkBindUrls(parseUrlList('http://example.com:1')), { message: 'expected IP in URL for binding (http://example.com:1)' });
  assert.doesNotThrow(() => checkHostUrls(parseUrlList('http://example.com:1')));
  assert.throws(() => checkHostUrls(parseUrlList('http://:1')), { message: 'unexpected empty host (http://:1)' });
});

test('Go SplitHostPort', () => {
  assert.deepEqual(splitHostPort('a:1'), { host: 'a', port: '1' });
  assert.deepEqual(splitHostPort('a:'), { host: 'a', port: '' });
  assert.deepEqual(splitHostPort('[::1]:2'), { host: '::1', port: '2' });
  assert.equal(splitHostPort('a'), undefined);
  assert.equal(splitHostPort('a:b:c'), undefined);
  assert.equal(splitHostPort('[::1]'), undefined);
});

test('--initial-cluster: names repeat for several URLs, empty pairs skipped, members in first-seen order', () => {
  const m = parseUrlsMap('b=http://2:2,,a=http://1:1,b=http://0:0');
  assert.deepEqual([...m].map(([n, us]) => [n, us.map((u) => u.text)]), [
    ['b', ['http://0:0', 'http://2:2']],
    ['a', ['http://1:1']],
  ]);
  assert.deepEqual([...parseUrlsMap('')], []);
  assert.throws(() => parseUrlsMap('a'), { message: 'URL scheme must be http, https, unix, or unixs: ' });
});
