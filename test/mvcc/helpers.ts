// Shared test setup: a store on a backend in a fresh temp dir, removed by `cleanup`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend } from '../../src/backend/index.js';
import { KVStore, type KVStoreOptions } from '../../src/mvcc/index.js';

export const b = (s: string): Buffer => Buffer.from(s);

export interface Env {
  dir: string;
  backend: Backend;
  kv: KVStore;
  reopen(options?: KVStoreOptions): Promise<void>;
  cleanup(): Promise<void>;
}

export function openEnv(options: KVStoreOptions = {}): Env {
  const dir = mkdtempSync(join(tmpdir(), 'tetcd-mvcc-'));
  const path = join(dir, 'db');
  const backend = Backend.open(path);
  const env: Env = {
    dir,
    backend,
    kv: KVStore.open(backend, options),
    async reopen(opts = options) {
      await env.kv.close();
      await env.backend.sync();
      await env.backend.close();
      env.backend = Backend.open(path);
      env.kv = KVStore.open(env.backend, opts);
    },
    async cleanup() {
      await env.kv.close();
      await env.backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return env;
}

/** A compact view of a KeyValue for assertions. */
export function brief(kv: { key: Buffer; value: Buffer; create_revision: bigint; mod_revision: bigint; version: bigint; lease?: bigint }) {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    create: Number(kv.create_revision),
    mod: Number(kv.mod_revision),
    ver: Number(kv.version),
  };
}
