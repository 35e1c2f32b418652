// Puts an exported v2 keyspace back into a restored member, offline: the tree `GET
// /v2/keys/?recursive=true&sorted=true` returned (what tetcd-backup run stores) is merged into the
// v2 store of the raft snapshot that restoreSnapshot wrote, which the member loads on its first
// start. Works without starting anything, and the member serves the keys as soon as it runs
// with --enable-v2.
//
// What is merged and what is not:
// - Only /v2/keys content (the store's /1): the export cannot hold anything else. The store's /0
//   (members, cluster version) stays what the restore wrote, so membership is the new
//   cluster's; v2 auth records (/2) are not reachable through /v2/keys and are not restored.
// - Keys, values, directories (empty ones too) as exported. Hidden nodes (`_name`) are left out
//   of v2 listings by etcd, so an export never holds them.
// - TTLs: a node exported with `ttl: t` gets t seconds again, counted from the restore (as v3
//   leases get their TTL back when a restored cluster elects its leader). The absolute
//   `expiration` of the old cluster is not kept: it would usually be past by the time a backup
//   is restored, and the owners of TTL'd keys refresh them.
// - createdIndex/modifiedIndex are the new store's (one per node, after the members), not the
//   old cluster's: the v2 index is the store's own event counter and cannot be set per node.
import { join } from 'node:path';
import { decodeSnapshot, encodeSnapshot } from '../raft/index.js';
import { Snapshotter } from '../snap/snapshotter.js';
import { V2Store, cleanPath, nowNs } from '../v2store/index.js';
import { newV2Store } from './raft-bootstrap.js';

/** A node of the v2 API's JSON, as exported (fields this import reads). */
export interface ExportedV2Node {
  key?: string;
  value?: string;
  dir?: boolean;
  ttl?: number;
  nodes?: ExportedV2Node[];
}

export class V2ImportError extends Error {}

export interface V2ImportResult {
  /** Nodes created (directories and keys). */
  nodes: number;
  /** Of them, nodes given a TTL. */
  withTtl: number;
}

const KEYS_PREFIX = '/1';
const NS_PER_SECOND = 1_000_000_000n;

/** The root node of an export (`{"action":"get","node":{...}}`). */
export function parseV2Export(json: string): ExportedV2Node {
  let body: { node?: ExportedV2Node };
  try {
    body = JSON.parse(json) as { node?: ExportedV2Node };
  } catch (err) {
    throw new V2ImportError(`v2 export is not valid JSON: ${(err as Error).message}`);
  }
  if (!body || typeof body !== 'object' || !body.node || typeof body.node !== 'object') throw new V2ImportError('v2 export has no root node');
  return body.node;
}

/** Creates every node of the exported tree under the store's /1; `now` is Unix ns. */
export function mergeV2Export(v2: V2Store, root: ExportedV2Node, now: bigint): V2ImportResult {
  const result: V2ImportResult = { nodes: 0, withTtl: 0 };
  const walk = (n: ExportedV2Node): void => {
    for (const child of n.nodes ?? []) {
      if (typeof child.key !== 'string') throw new V2ImportError('v2 export has a node without a key');
      // cleaned before the prefix is added, so no key can reach outside /1 (e.g. into /0)
      const clean = cleanPath(child.key);
      if (clean === '/') throw new V2ImportError(`v2 export has a node named ${JSON.stringify(child.key)}`);
      const path = `${KEYS_PREFIX}${clean}`;
      const ttl = typeof child.ttl === 'number' && child.ttl > 0 ? child.ttl : 0;
      const expireTime = ttl > 0 ? now + BigInt(Math.ceil(ttl)) * NS_PER_SECOND : 0n;
      const dir = child.dir === true;
      v2.create(path, dir, dir ? '' : (child.value ?? ''), false, { expireTime });
      result.nodes++;
      if (ttl > 0) result.withTtl++;
      if (dir) walk(child);
    }
  };
  walk(root);
  return result;
}

/**
 * Merges the export (parseV2Export's root) into the v2 store of the newest raft snapshot in `snapDir` and rewrites that
 * snapshot (same term and index; the file is replaced atomically).
 */
export async function importV2IntoSnapDir(snapDir: string, root: ExportedV2Node, now: bigint = nowNs()): Promise<V2ImportResult> {
  const snapshotter = new Snapshotter(snapDir);
  const loaded = await snapshotter.load();
  if (!loaded) throw new V2ImportError(`no raft snapshot in ${join(snapDir)}`);
  const snap = decodeSnapshot(loaded.data);
  const v2 = newV2Store();
  if (snap.data.length > 0) v2.recover(Buffer.from(snap.data).toString());
  const result = mergeV2Export(v2, root, now);
  const data = Buffer.from(v2.save());
  await snapshotter.save(encodeSnapshot({ ...snap, data }), loaded.term, loaded.index);
  return result;
}
