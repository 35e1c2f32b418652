// ServerConfig has one typed field per flag, and defaultServerConfig() is what the embedding
// API (startServer) starts from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAGS, flagField, type FlagType } from '../../src/config/flags.js';
import { defaultServerConfig } from '../../src/config/server-config.js';
import { parseServerConfig } from '../../src/config/parse.js';

const JS_TYPE: Record<Exclude<FlagType, 'ignored'>, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  choice: (v) => typeof v === 'string',
  bool: (v) => typeof v === 'boolean',
  uint: Number.isSafeInteger,
  uint32: Number.isSafeInteger,
  int: Number.isSafeInteger,
  duration: (v) => typeof v === 'number',
  urls: (v) => Array.isArray(v) && v.every((u) => u instanceof URL),
  'url-set': (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'),
  strings: (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'),
  'unique-strings': (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'),
};

test('every flag has its field, of the type its flag type promises', () => {
  const c = defaultServerConfig() as unknown as Record<string, unknown>;
  for (const f of FLAGS) {
    if (f.type === 'ignored' || f.name === 'version') continue;
    const field = flagField(f.name);
    assert.ok(field in c, `field ${field} for --${f.name}`);
    if (f.name === 'initial-cluster') assert.ok(c[field] instanceof Map, 'initialCluster is the parsed map');
    else assert.ok(JS_TYPE[f.type](c[field]), `--${f.name}: ${field} is a ${f.type}`);
  }
  assert.ok(!('help' in c) && !('version' in c), 'a ServerConfig is never mistaken for a help/version result');
});

test('defaultServerConfig(name) equals parsing `--name name` with an empty environment', () => {
  const strip = (c: object) => JSON.parse(JSON.stringify(c, (_k, v: unknown) => (v instanceof Map ? [...v] : v))) as unknown;
  assert.deepEqual(strip(defaultServerConfig()), strip(parseServerConfig([], {})));
  assert.deepEqual(strip(defaultServerConfig('n1')), strip(parseServerConfig(['--name', 'n1'], {})));
  const c = defaultServerConfig('n1');
  assert.equal(c.dataDir, 'n1.tetcd');
  assert.deepEqual([...c.initialCluster.keys()], ['n1']);
});

test('results are independent copies: changing one config does not change the defaults', () => {
  const a = defaultServerConfig();
  a.listenClientUrls.push(new URL('http://127.0.0.1:1'));
  a.logOutputs.push('stdout');
  const b = defaultServerConfig();
  assert.equal(b.listenClientUrls.length, 1);
  assert.deepEqual(b.logOutputs, ['stderr']);
});
