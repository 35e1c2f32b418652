// The store's internal tree node (etcd: v2store/node.go): a file has a value, a directory has
// children. Nodes with expireTime 0n are permanent; the others are kept in the TTL heap.
import { EcodeDirNotEmpty, EcodeNotFile, V2Error } from './errors.js';
import type { TtlKeyHeap } from './ttl-key-heap.js';

/** What a node needs from its store: the TTL heap and the index for error objects. */
export interface NodeContext {
  readonly ttlKeys: TtlKeyHeap;
  readonly currentIndex: number;
}

export class V2Node {
  parent: V2Node | undefined;
  modifiedIndex: number;
  value: string;
  /** Unix ns; 0n = permanent. */
  expireTime: bigint;
  /** Present exactly for directories; insertion-ordered (etcd's Go map has no order at all). */
  readonly children: Map<string, V2Node> | undefined;

  constructor(
    readonly path: string,
    readonly createdIndex: number,
    parent: V2Node | undefined,
    expireTime: bigint,
    kind: { dir: true } | { dir: false; value: string },
  ) {
    this.parent = parent;
    this.modifiedIndex = createdIndex;
    this.expireTime = expireTime;
    this.value = kind.dir ? '' : kind.value;
    this.children = kind.dir ? new Map() : undefined;
  }

  get isDir(): boolean {
    return this.children !== undefined;
  }

  get isPermanent(): boolean {
    return this.expireTime === 0n;
  }

  get name(): string {
    return this.path.slice(this.path.lastIndexOf('/') + 1);
  }

  /** Hidden nodes (name starting with `_`) are left out of directory listings. */
  get isHidden(): boolean {
    return this.name.startsWith('_');
  }

  /**
   * Detach this node (and, for a directory, everything below it) from the tree, calling
   * onRemoved for each path removed so watchers on deleted keys hear about it.
   */
  remove(ctx: NodeContext, dir: boolean, recursive: boolean, onRemoved?: (path: string) => void): void {
    if (this.children === undefined) {
      this.detach(ctx, onRemoved);
      return;
    }
    if (!dir) throw new V2Error(EcodeNotFile, this.path, ctx.currentIndex);
    if (this.children.size !== 0 && !recursive) throw new V2Error(EcodeDirNotEmpty, this.path, ctx.currentIndex);
    for (const child of [...this.children.values()]) child.remove(ctx, true, true, onRemoved);
    // etcd detaches a directory only when it still hangs in its parent (the root never does).
    if (this.parent?.children?.get(this.name) === this) this.detach(ctx, onRemoved);
  }

  private detach(ctx: NodeContext, onRemoved?: (path: string) => void): void {
    if (this.parent?.children?.get(this.name) === this) this.parent.children.delete(this.name);
    onRemoved?.(this.path);
    if (!this.isPermanent) ctx.ttlKeys.remove(this);
  }

  /** Set, change or clear the expiration, keeping the TTL heap in step. */
  updateTtl(ctx: NodeContext, expireTime: bigint): void {
    if (!this.isPermanent) {
      this.expireTime = expireTime;
      if (expireTime === 0n) ctx.ttlKeys.remove(this);
      else ctx.ttlKeys.update(this);
      return;
    }
    if (expireTime === 0n) return;
    this.expireTime = expireTime;
    ctx.ttlKeys.push(this);
  }

  /** A deep copy detached from any parent; the copy's children point at their copied parent. */
  clone(parent: V2Node | undefined = undefined): V2Node {
    const kind = this.children === undefined ? { dir: false as const, value: this.value } : { dir: true as const };
    const copy = new V2Node(this.path, this.createdIndex, parent, this.expireTime, kind);
    copy.modifiedIndex = this.modifiedIndex;
    for (const [name, child] of this.children ?? []) copy.children!.set(name, child.clone(copy));
    return copy;
  }
}
