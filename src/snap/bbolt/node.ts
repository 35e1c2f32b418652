/**
 * Encoding of bolt's leaf and branch nodes into page images (bbolt node.write):
 * a page header, then one fixed-size element per item, then the keys (and, for
 * leaves, the values) back to back. Each element's `pos` is the distance from
 * the element itself to its key.
 */
import {
  BRANCH_ELEMENT_SIZE,
  BRANCH_PAGE_FLAG,
  LEAF_ELEMENT_SIZE,
  LEAF_PAGE_FLAG,
  PAGE_HEADER_SIZE,
  writePageHeader,
} from './format.js';

export interface LeafItem {
  key: Buffer;
  value: Buffer;
  /** BUCKET_LEAF_FLAG when the value is a nested bucket */
  flags: number;
}

export interface BranchItem {
  /** first key of the child page */
  key: Buffer;
  pgid: number;
}

export type NodeItems = { leaf: true; items: LeafItem[] } | { leaf: false; items: BranchItem[] };

export function leafItemSize(item: LeafItem): number {
  return LEAF_ELEMENT_SIZE + item.key.length + item.value.length;
}

export function branchItemSize(item: BranchItem): number {
  return BRANCH_ELEMENT_SIZE + item.key.length;
}

/** Bytes the node needs, header included (bolt's node.size). */
export function nodeSize(node: NodeItems): number {
  let size = PAGE_HEADER_SIZE;
  if (node.leaf) for (const item of node.items) size += leafItemSize(item);
  else for (const item of node.items) size += branchItemSize(item);
  return size;
}

/**
 * Writes the node at the start of `buf` (which must be zeroed and at least
 * nodeSize bytes) as page `id` with `overflow` extra pages.
 */
export function writeNode(buf: Buffer, node: NodeItems, id: number, overflow: number): void {
  const count = node.items.length;
  writePageHeader(buf, { id, flags: node.leaf ? LEAF_PAGE_FLAG : BRANCH_PAGE_FLAG, count, overflow });
  let data = PAGE_HEADER_SIZE + count * (node.leaf ? LEAF_ELEMENT_SIZE : BRANCH_ELEMENT_SIZE);
  if (node.leaf) {
    node.items.forEach((item, i) => {
      const elem = PAGE_HEADER_SIZE + i * LEAF_ELEMENT_SIZE;
      buf.writeUInt32LE(item.flags, elem);
      buf.writeUInt32LE(data - elem, elem + 4);
      buf.writeUInt32LE(item.key.length, elem + 8);
      buf.writeUInt32LE(item.value.length, elem + 12);
      data += item.key.copy(buf, data);
      data += item.value.copy(buf, data);
    });
  } else {
    node.items.forEach((item, i) => {
      const elem = PAGE_HEADER_SIZE + i * BRANCH_ELEMENT_SIZE;
      buf.writeUInt32LE(data - elem, elem);
      buf.writeUInt32LE(item.key.length, elem + 4);
      buf.writeBigUInt64LE(BigInt(item.pgid), elem + 8);
      data += item.key.copy(buf, data);
    });
  }
}
