// Key-range helpers shared by the v3 commands, as etcdctl computes them.

/** The range end that covers every key with the given prefix (clientv3.GetPrefixRangeEnd). */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  // Every byte is 0xff (or the prefix is empty): no upper bound, from the key on.
  return Buffer.from([0]);
}
