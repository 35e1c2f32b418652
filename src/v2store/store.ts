// The v2 store (etcd: v2store/store.go): a tree of files and directories with an index that
// every successful write moves by one, TTLs, an event history and watchers.
//
// Determinism: nothing here reads the wall clock to decide state. Expirations arrive as
// absolute Unix ns (as etcd's proposer computes them), and keys expire only when the member
// applies a SYNC request through deleteExpiredKeys(cutoff). The injected clock is used for one
// thing only, the `ttl` seconds shown in answers, exactly where etcd reads its clock.
import {
  EcodeKeyNotFound,
  EcodeNodeExist,
  EcodeNotDir,
  EcodeNotFile,
  EcodeRootROnly,
  EcodeTestFailed,
  V2Error,
} from './errors.js';
import {
  type V2Event,
  expirationFields,
  listChildren,
  newEvent,
  reprNode,
  type V2Action,
} from './event.js';
import { nowNs } from './go-time.js';
import { type NodeContext, V2Node } from './node.js';
import { recoverStore, saveStore } from './snapshot.js';
import { newStoreStats, type StoreStatField, type StoreStats, storeStatsJson } from './stats.js';
import { TtlKeyHeap } from './ttl-key-heap.js';
import { cleanPath, WatcherHub } from './watcher-hub.js';
import type { V2Watcher } from './watcher.js';

/** The version etcd's v2 store reports (defaultVersion). */
export const STORE_VERSION = 2;
/** etcd's directory for cluster data (members, version) inside the v2 store. */
export const STORE_CLUSTER_PREFIX = '/0';
/** etcd's directory holding everything clients see under /v2/keys. */
export const STORE_KEYS_PREFIX = '/1';
/** Expirations before this are taken as "no TTL" (etcd: minExpireTime, for JS-serialised zero times). */
const MIN_EXPIRE_NS = BigInt(Date.parse('2000-01-01T00:00:00Z')) * 1_000_000n;
/** Width of the zero-padded created index in in-order (POST) keys. */
const UNIQUE_KEY_WIDTH = 20;

/** What a write does to the TTL: expireTime in Unix ns (0n = none); refresh keeps the value. */
export interface TtlOptions {
  readonly expireTime: bigint;
  readonly refresh?: boolean;
}

export const PERMANENT: TtlOptions = { expireTime: 0n };

export interface V2StoreOptions {
  /** Directories made at index 0 and read-only, as etcd's v2store.New(namespaces...). */
  readonly namespaces?: readonly string[];
  /** Unix ns now, for the `ttl` seconds shown in answers. Default: the wall clock. */
  readonly now?: () => bigint;
}

export class V2Store implements NodeContext {
  root: V2Node;
  currentIndex = 0;
  stats: StoreStats = newStoreStats();
  hub = new WatcherHub();
  ttlKeys = new TtlKeyHeap();
  readonly version = STORE_VERSION;
  readonly namespaces: readonly string[];
  private readonly readonly: ReadonlySet<string>;
  readonly now: () => bigint;

  constructor(opts: V2StoreOptions = {}) {
    this.namespaces = opts.namespaces ?? [];
    this.now = opts.now ?? nowNs;
    this.readonly = new Set(['/', ...this.namespaces]);
    this.root = new V2Node('/', 0, undefined, 0n, { dir: true });
    for (const ns of this.namespaces) {
      this.root.children!.set(ns.replace(/^\//, ''), new V2Node(ns, 0, this.root, 0n, { dir: true }));
    }
  }

  /** The store index: X-Etcd-Index. */
  get index(): number {
    return this.currentIndex;
  }

  /** Number of registered watchers. */
  get watcherCount(): number {
    return this.hub.count;
  }

  /** The node at nodePath; directories list their visible children (all levels when recursive). */
  get(nodePath: string, recursive: boolean, sorted: boolean): V2Event {
    return this.counted('getsSuccess', 'getsFail', () => {
      const n = this.internalGet(nodePath);
      const e = newEvent('get', nodePath, n.modifiedIndex, n.createdIndex);
      e.etcdIndex = this.currentIndex;
      const now = this.now();
      if (n.isDir) {
        e.node.dir = true;
        e.node.nodes = listChildren(n, recursive, sorted, now);
      } else {
        e.node.value = n.value;
      }
      Object.assign(e.node, expirationFields(n, now));
      return e;
    });
  }

  /** Create the node; fails with 105 when it exists. unique appends a new in-order key (POST). */
  create(nodePath: string, dir: boolean, value: string, unique: boolean, ttl: TtlOptions): V2Event {
    return this.counted('createSuccess', 'createFail', () => {
      const e = this.internalCreate(nodePath, dir, value, unique, false, ttl.expireTime, 'create');
      e.etcdIndex = this.currentIndex;
      this.hub.notify(e);
      return e;
    });
  }

  /** Create or replace a file (or create a directory); a refresh only renews the TTL. */
  set(nodePath: string, dir: boolean, value: string, ttl: TtlOptions): V2Event {
    return this.counted('setsSuccess', 'setsFail', () => {
      let prev: V2Node | undefined;
      try {
        prev = this.internalGet(nodePath);
      } catch (err) {
        if (!(err instanceof V2Error) || err.errorCode !== EcodeKeyNotFound || ttl.refresh === true) throw err;
      }
      if (ttl.refresh === true) value = prev!.value;
      const e = this.internalCreate(nodePath, dir, value, false, true, ttl.expireTime, 'set');
      e.etcdIndex = this.currentIndex;
      if (prev !== undefined) {
        const now = this.now();
        e.prevNode = { key: nodePath, value: prev.value, modifiedIndex: prev.modifiedIndex, createdIndex: prev.createdIndex, ...expirationFields(prev, now) };
      }
      this.publish(e, ttl);
      return e;
    });
  }

  /** Swap a file's value when prevValue and/or prevIndex match (either may be empty/0 = any). */
  compareAndSwap(nodePath: string, prevValue: string, prevIndex: number, value: string, ttl: TtlOptions): V2Event {
    return this.counted('compareAndSwapSuccess', 'compareAndSwapFail', () => {
      nodePath = this.writablePath(nodePath);
      const n = this.internalGet(nodePath);
      if (n.isDir) throw new V2Error(EcodeNotFile, nodePath, this.currentIndex);
      this.checkCompare(n, prevValue, prevIndex);
      if (ttl.refresh === true) value = n.value;
      this.currentIndex++;
      const e = newEvent('compareAndSwap', nodePath, this.currentIndex, n.createdIndex);
      e.etcdIndex = this.currentIndex;
      e.prevNode = reprNode(n, false, false, this.now());
      n.value = value;
      n.modifiedIndex = this.currentIndex;
      n.updateTtl(this, ttl.expireTime);
      e.node.value = value;
      Object.assign(e.node, expirationFields(n, this.now()));
      this.publish(e, ttl);
      return e;
    });
  }

  /** Delete a file, or a directory when dir (empty) or recursive (anything below it too). */
  delete(nodePath: string, dir: boolean, recursive: boolean): V2Event {
    return this.counted('deleteSuccess', 'deleteFail', () => {
      nodePath = this.writablePath(nodePath);
      const n = this.internalGet(nodePath);
      const nextIndex = this.currentIndex + 1;
      const e = newEvent('delete', nodePath, nextIndex, n.createdIndex);
      e.etcdIndex = nextIndex;
      e.prevNode = reprNode(n, false, false, this.now());
      if (n.isDir) e.node.dir = true;
      n.remove(this, dir || recursive, recursive, (p) => this.hub.notifyWatchers(e, p, true));
      this.currentIndex++;
      this.hub.notify(e);
      return e;
    });
  }

  /** Delete a file when prevValue and/or prevIndex match. */
  compareAndDelete(nodePath: string, prevValue: string, prevIndex: number): V2Event {
    return this.counted('compareAndDeleteSuccess', 'compareAndDeleteFail', () => {
      nodePath = cleanPath(`/${nodePath}`);
      const n = this.internalGet(nodePath);
      if (n.isDir) throw new V2Error(EcodeNotFile, nodePath, this.currentIndex);
      this.checkCompare(n, prevValue, prevIndex);
      this.currentIndex++;
      const e = newEvent('compareAndDelete', nodePath, this.currentIndex, n.createdIndex);
      e.etcdIndex = this.currentIndex;
      e.prevNode = reprNode(n, false, false, this.now());
      n.remove(this, false, false, (p) => this.hub.notifyWatchers(e, p, true));
      this.hub.notify(e);
      return e;
    });
  }

  /** Change an existing node's value (files) and TTL (files and directories). */
  update(nodePath: string, value: string, ttl: TtlOptions): V2Event {
    return this.counted('updateSuccess', 'updateFail', () => {
      nodePath = this.writablePath(nodePath);
      const nextIndex = this.currentIndex + 1;
      const n = this.internalGet(nodePath);
      if (n.isDir && value.length !== 0) throw new V2Error(EcodeNotFile, nodePath, this.currentIndex);
      if (ttl.refresh === true) value = n.value;
      const e = newEvent('update', nodePath, nextIndex, n.createdIndex);
      e.etcdIndex = nextIndex;
      e.prevNode = reprNode(n, false, false, this.now());
      // As in etcd, a directory keeps its modifiedIndex (node.Write refuses directories).
      if (n.isDir) {
        e.node.dir = true;
      } else {
        n.value = value;
        n.modifiedIndex = nextIndex;
        e.node.value = value;
      }
      n.updateTtl(this, ttl.expireTime);
      Object.assign(e.node, expirationFields(n, this.now()));
      this.publish(e, ttl);
      this.currentIndex = nextIndex;
      return e;
    });
  }

  /**
   * A watcher for the next change at key (or below it when recursive) at or after sinceIndex
   * (0 = the next index). Throws 401 when sinceIndex has left the 1000-event history.
   */
  watch(key: string, recursive: boolean, stream: boolean, sinceIndex: number): V2Watcher {
    key = cleanPath(`/${key}`);
    if (sinceIndex === 0) sinceIndex = this.currentIndex + 1;
    return this.hub.watch(key, recursive, stream, sinceIndex, this.currentIndex);
  }

  /** Expire every key whose expiration is at or before cutoff (Unix ns), one index each. */
  deleteExpiredKeys(cutoff: bigint): void {
    for (let n = this.ttlKeys.top(); n !== undefined && n.expireTime <= cutoff; n = this.ttlKeys.top()) {
      this.currentIndex++;
      const e = newEvent('expire', n.path, this.currentIndex, n.createdIndex);
      e.etcdIndex = this.currentIndex;
      e.prevNode = reprNode(n, false, false, this.now());
      if (n.isDir) e.node.dir = true;
      this.ttlKeys.pop();
      n.remove(this, true, true, (p) => this.hub.notifyWatchers(e, p, true));
      this.stats.expireCount++;
      this.hub.notify(e);
    }
  }

  hasTtlKeys(): boolean {
    return this.ttlKeys.size !== 0;
  }

  /** The store as etcd's Save() JSON (what goes into a raft snapshot). */
  save(): string {
    return saveStore(this);
  }

  /** Load state saved by save() or by etcd 3.4 (watchers stay; throws, unchanged, on bad input). */
  recover(json: string): void {
    recoverStore(this, json);
  }

  /** An independent copy of the tree, index, stats and history, without watchers. */
  clone(): V2Store {
    const copy = new V2Store({ namespaces: this.namespaces, now: this.now });
    copy.recover(this.save());
    return copy;
  }

  /** /v2/stats/store. */
  statsJson(): string {
    this.stats.watchers = this.hub.count;
    return storeStatsJson(this.stats);
  }

  private internalCreate(
    nodePath: string,
    dir: boolean,
    value: string,
    unique: boolean,
    replace: boolean,
    expireTime: bigint,
    action: V2Action,
  ): V2Event {
    const currIndex = this.currentIndex;
    const nextIndex = currIndex + 1;
    if (unique) nodePath += `/${String(nextIndex).padStart(UNIQUE_KEY_WIDTH, '0')}`;
    nodePath = cleanPath(`/${nodePath}`);
    if (this.readonly.has(nodePath)) throw new V2Error(EcodeRootROnly, '/', currIndex);
    if (expireTime < MIN_EXPIRE_NS) expireTime = 0n;

    const cut = nodePath.lastIndexOf('/');
    const nodeName = nodePath.slice(cut + 1);
    let d: V2Node;
    try {
      d = this.walkCreatingDirs(nodePath.slice(0, cut));
    } catch (err) {
      // etcd counts a failed walk as a failed set too, whatever the operation.
      this.stats.setsFail++;
      throw err;
    }
    const e = newEvent(action, nodePath, nextIndex, nextIndex);
    const existing = d.children!.get(nodeName);
    if (existing !== undefined) {
      if (!replace) throw new V2Error(EcodeNodeExist, nodePath, currIndex);
      if (existing.isDir) throw new V2Error(EcodeNotFile, nodePath, currIndex);
      e.prevNode = reprNode(existing, false, false, this.now());
      existing.remove(this, false, false);
    }
    const kind = dir ? { dir: true as const } : { dir: false as const, value };
    const n = new V2Node(nodePath, nextIndex, d, expireTime, kind);
    if (dir) e.node.dir = true;
    else e.node.value = value;
    d.children!.set(nodeName, n);
    if (!n.isPermanent) {
      this.ttlKeys.push(n);
      Object.assign(e.node, expirationFields(n, this.now()));
    }
    this.currentIndex = nextIndex;
    return e;
  }

  /** The directory at dirPath, making missing ones (created at the coming index); 104 on a file. */
  private walkCreatingDirs(dirPath: string): V2Node {
    let curr = this.root;
    for (const name of dirPath.split('/')) {
      if (name === '') continue;
      const child = curr.children!.get(name);
      if (child === undefined) {
        const made = new V2Node(curr === this.root ? `/${name}` : `${curr.path}/${name}`, this.currentIndex + 1, curr, 0n, { dir: true });
        curr.children!.set(name, made);
        curr = made;
      } else if (child.isDir) {
        curr = child;
      } else {
        throw new V2Error(EcodeNotDir, child.path, this.currentIndex);
      }
    }
    return curr;
  }

  /** The node at nodePath: 100 when missing, 104 when a file is in the way. */
  internalGet(nodePath: string): V2Node {
    let curr = this.root;
    for (const name of cleanPath(`/${nodePath}`).split('/')) {
      if (name === '') continue;
      if (!curr.isDir) throw new V2Error(EcodeNotDir, curr.path, this.currentIndex);
      const child = curr.children!.get(name);
      if (child === undefined) {
        throw new V2Error(EcodeKeyNotFound, curr === this.root ? `/${name}` : `${curr.path}/${name}`, this.currentIndex);
      }
      curr = child;
    }
    return curr;
  }

  /** The cleaned path, refusing the root and the namespace directories (107). */
  private writablePath(nodePath: string): string {
    const p = cleanPath(`/${nodePath}`);
    if (this.readonly.has(p)) throw new V2Error(EcodeRootROnly, '/', this.currentIndex);
    return p;
  }

  private checkCompare(n: V2Node, prevValue: string, prevIndex: number): void {
    const indexMatch = prevIndex === 0 || n.modifiedIndex === prevIndex;
    const valueMatch = prevValue === '' || n.value === prevValue;
    if (indexMatch && valueMatch) return;
    const idx = `[${prevIndex} != ${n.modifiedIndex}]`;
    const val = `[${prevValue} != ${n.value}]`;
    const cause = !indexMatch && !valueMatch ? `${val} ${idx}` : indexMatch ? val : idx;
    throw new V2Error(EcodeTestFailed, cause, this.currentIndex);
  }

  /** Tell watchers, or for a TTL refresh only record it (watchers do not wake on refreshes). */
  private publish(e: V2Event, ttl: TtlOptions): void {
    if (ttl.refresh === true) {
      e.refresh = true;
      this.hub.add(e);
    } else {
      this.hub.notify(e);
    }
  }

  private counted<T>(ok: StoreStatField, fail: StoreStatField, op: () => T): T {
    try {
      const result = op();
      this.stats[ok]++;
      return result;
    } catch (err) {
      this.stats[fail]++;
      throw err;
    }
  }
}
