// Small builders for raw gRPC requests.

/** A key or value as the Buffer the generated messages take. */
export function b(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** The range_end that makes [prefix, end) cover every key starting with prefix (etcd's GetPrefixRangeEnd). */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix, 'utf8');
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // all keys: etcd's "\0" range end
}
