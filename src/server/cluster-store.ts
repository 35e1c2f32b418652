// The cluster's membership as this member knows it: the members (from raft conf changes), their
// published attributes (name, client URLs) and the cluster version. Persisted in the backend
// exactly where etcd 3.4 keeps them: bucket `members` (hex ID → raft attributes JSON),
// `members_removed` (hex ID → "removed") and `cluster` ("clusterVersion" → "3.4.0"), so that a
// snapshot exported as a bbolt file holds what etcd's would.
import type { Backend } from '../backend/index.js';
import { idToHex, type Member } from './membership.js';

const CLUSTER_VERSION_KEY = Buffer.from('clusterVersion');
/** tetcd keeps the published attributes too (etcd keeps them in its v2 store). */
const ATTRS_PREFIX = 'member_attrs/';

export class ClusterStore {
  readonly members = new Map<bigint, Member>();
  readonly removed = new Set<bigint>();
  clusterVersion = '';

  constructor(private readonly backend: Backend) {
    this.reload();
  }

  /** Re-reads the membership from the backend (at start, and after the backend was replaced). */
  reload(): void {
    this.members.clear();
    this.removed.clear();
    const backend = this.backend;
    for (const { key, value } of backend.range('members', Buffer.alloc(0))) {
      const id = BigInt('0x' + key.toString());
      const attrs = JSON.parse(value.toString()) as { peerURLs?: string[]; isLearner?: boolean };
      this.members.set(id, { id, name: '', peerURLs: attrs.peerURLs ?? [], clientURLs: [], isLearner: attrs.isLearner ?? false });
    }
    for (const { key } of backend.range('members_removed', Buffer.alloc(0))) this.removed.add(BigInt('0x' + key.toString()));
    for (const m of this.members.values()) {
      const attrs = backend.get('tetcd_meta', Buffer.from(ATTRS_PREFIX + idToHex(m.id)));
      if (attrs) Object.assign(m, parseAttrs(attrs.toString()));
    }
    this.clusterVersion = backend.get('cluster', CLUSTER_VERSION_KEY)?.toString() ?? '';
  }

  /** The members in ascending ID order, the order etcd lists them in (RaftCluster.Members). */
  sorted(): Member[] {
    return [...this.members.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** ConfChange AddNode / AddLearnerNode / UpdateNode applied. */
  addOrUpdate(m: Member): void {
    const prev = this.members.get(m.id);
    const merged: Member = {
      id: m.id,
      peerURLs: m.peerURLs,
      isLearner: m.isLearner,
      name: prev?.name || m.name,
      clientURLs: prev?.clientURLs.length ? prev.clientURLs : m.clientURLs,
    };
    this.members.set(m.id, merged);
    this.backend.write((tx) => tx.put('members', Buffer.from(idToHex(m.id)), Buffer.from(raftAttrsJson(merged))));
  }

  remove(id: bigint): void {
    this.members.delete(id);
    this.removed.add(id);
    this.backend.write((tx) => {
      tx.delete('members', Buffer.from(idToHex(id)));
      tx.delete('tetcd_meta', Buffer.from(ATTRS_PREFIX + idToHex(id)));
      tx.put('members_removed', Buffer.from(idToHex(id)), Buffer.from('removed'));
    });
  }

  /**
   * The v2 requests etcd 3.4's servers propose about the cluster itself:
   * PUT /0/members/<hex id>/attributes and PUT /0/version.
   */
  applyV2(method: string, path: string, value: string): void {
    if (method !== 'PUT') throw new Error(`etcdserver: unsupported v2 request ${method} ${path}`);
    const attrs = /^\/0\/members\/([0-9a-f]+)\/attributes$/.exec(path);
    if (attrs) {
      const id = BigInt('0x' + attrs[1]!);
      const m = this.members.get(id);
      if (!m) return; // a removed member's late publish: etcd ignores it too
      Object.assign(m, parseAttrs(value));
      this.backend.write((tx) => tx.put('tetcd_meta', Buffer.from(ATTRS_PREFIX + idToHex(id)), Buffer.from(value)));
      return;
    }
    if (path === '/0/version') {
      this.clusterVersion = value;
      this.backend.write((tx) => tx.put('cluster', CLUSTER_VERSION_KEY, Buffer.from(value)));
      return;
    }
    throw new Error(`etcdserver: unsupported v2 request ${method} ${path}`);
  }
}

function parseAttrs(json: string): { name: string; clientURLs: string[] } {
  const o = JSON.parse(json) as { name?: string; clientURLs?: string[] };
  return { name: o.name ?? '', clientURLs: o.clientURLs ?? [] };
}

/** etcd's json.Marshal(RaftAttributes): {"peerURLs":[…]} plus "isLearner":true for learners. */
function raftAttrsJson(m: Member): string {
  return JSON.stringify({ peerURLs: m.peerURLs, ...(m.isLearner ? { isLearner: true } : {}) });
}
