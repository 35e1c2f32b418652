// Just enough of the protobuf wire format to look at a message's top-level fields without
// decoding it (what etcd's log entries are, before deciding how to decode them).

/** The bytes of length-delimited field `field` at the top level of a protobuf message, if present. */
export function topLevelField(data: Uint8Array, field: number): Buffer | undefined {
  let i = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; i < data.length && shift < 64; shift += 7) {
      const b = data[i++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    return -1;
  };
  while (i < data.length) {
    const tag = varint();
    if (tag < 0) return undefined;
    const wire = tag % 8;
    if (wire === 0) {
      if (varint() < 0) return undefined;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (len < 0 || i + len > data.length) return undefined;
      if (Math.floor(tag / 8) === field) return Buffer.from(data.buffer, data.byteOffset + i, len);
      i += len;
    } else return undefined;
  }
  return undefined;
}
