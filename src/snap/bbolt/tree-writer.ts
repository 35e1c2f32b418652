/**
 * Streaming bottom-up construction of one bucket's B+tree from keys that
 * arrive already sorted. Each level (0 = leaves, then branch levels) holds
 * only the page it is currently filling; a full page is written out at once
 * and its first key pushed as an element into the level above. Memory is
 * therefore one page per level, whatever the number of entries.
 */
import { BUCKET_HEADER_SIZE, MAX_PAGE_ELEMENTS } from './format.js';
import {
  type BranchItem,
  type LeafItem,
  type NodeItems,
  branchItemSize,
  leafItemSize,
  nodeSize,
  writeNode,
} from './node.js';

/** Where finished pages go: returns the page id given to the node. */
export interface PageOutput {
  readonly pageSize: number;
  writeNode(node: NodeItems): Promise<number>;
}

/** A finished bucket: its root page, or (small buckets) an inline page image. */
export type TreeRoot = { root: number } | { inline: Buffer };

class Level {
  items: (LeafItem | BranchItem)[] = [];
  size: number;
  pagesWritten = 0;

  constructor(
    readonly leaf: boolean,
    headerSize: number,
  ) {
    this.size = headerSize;
  }

  node(): NodeItems {
    return this.leaf
      ? { leaf: true, items: this.items as LeafItem[] }
      : { leaf: false, items: this.items as BranchItem[] };
  }
}

export class TreeWriter {
  private readonly levels: Level[] = [];
  private readonly threshold: number;

  /**
   * @param fillPercent how full to pack pages before starting the next one,
   *   like bolt's Bucket.FillPercent (etcd uses 0.9 for its sequential key bucket).
   */
  constructor(
    private readonly out: PageOutput,
    fillPercent: number,
  ) {
    this.threshold = Math.floor(out.pageSize * fillPercent);
    this.levels.push(new Level(true, nodeSize({ leaf: true, items: [] })));
  }

  /** Appends a leaf entry; keys must come in strictly increasing order (checked by the caller). */
  async add(item: LeafItem): Promise<void> {
    await this.push(0, item, leafItemSize(item));
  }

  /**
   * Writes out all pending pages and returns the root. With `allowInline`, a
   * bucket that fits in a single leaf of at most pageSize/4 bytes is returned
   * as an inline page, as bolt does (Bucket.inlineable).
   */
  async finish(allowInline: boolean): Promise<TreeRoot> {
    for (let i = 0; ; i++) {
      const level = this.levels[i]!;
      const isTop = i === this.levels.length - 1;
      if (isTop && level.pagesWritten === 0) {
        if (allowInline && i === 0 && level.size <= this.out.pageSize / 4) {
          return { inline: inlinePage(level.node(), level.size) };
        }
        return { root: await this.out.writeNode(level.node()) };
      }
      await this.flush(i);
    }
  }

  private async push(depth: number, item: LeafItem | BranchItem, size: number): Promise<void> {
    if (depth === this.levels.length) this.levels.push(new Level(false, nodeSize({ leaf: false, items: [] })));
    const level = this.levels[depth]!;
    const full = level.size + size > this.threshold || level.items.length >= MAX_PAGE_ELEMENTS;
    if (level.items.length > 0 && full) await this.flush(depth);
    level.items.push(item);
    level.size += size;
  }

  private async flush(depth: number): Promise<void> {
    const level = this.levels[depth]!;
    const first = level.items[0]!.key;
    const pgid = await this.out.writeNode(level.node());
    level.items = [];
    level.size = nodeSize({ leaf: level.leaf, items: [] } as NodeItems);
    level.pagesWritten++;
    const parentItem: BranchItem = { key: first, pgid };
    await this.push(depth + 1, parentItem, branchItemSize(parentItem));
  }
}

/** A bucket value holding the whole bucket: header {root 0, sequence 0} then the leaf page image. */
function inlinePage(node: NodeItems, size: number): Buffer {
  const value = Buffer.alloc(BUCKET_HEADER_SIZE + size);
  writeNode(value.subarray(BUCKET_HEADER_SIZE), node, 0, 0);
  return value;
}

/** The value a parent stores for a bucket that lives in its own pages. */
export function bucketHeader(root: number): Buffer {
  const value = Buffer.alloc(BUCKET_HEADER_SIZE);
  value.writeBigUInt64LE(BigInt(root), 0);
  return value;
}
