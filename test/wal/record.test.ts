import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '@node-rs/crc32';
import { decodeFrameSize, encodeFrameSize, Encoder, RecordType } from '../../src/wal/record.js';
import { Decoder, isTornEntry, type DecodedRecord } from '../../src/wal/decoder.js';
import { WalCorruptError } from '../../src/wal/index.js';

// etcd's wal/record_test.go golden record: a metadata record of 14 bytes (written by an older
// etcd without padding), crc = CRC32C of its data.
const infoData = Buffer.from([0x08, 0xef, 0xfd, 0x02]);
const infoRecord = Buffer.concat([
  Buffer.from([0x0e, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x01, 0x10, 0x99, 0xb5, 0xe4, 0xd0, 0x03, 0x1a, 0x04]),
  infoData,
]);

/** Decodes `buf` as the only (so the last) segment. */
function decodeAll(buf: Buffer): { records: DecodedRecord[]; decoder: Decoder } {
  const decoder = new Decoder([{ path: 'seg.wal', buf }]);
  const records = [...decoder.records()];
  return { records, decoder };
}

test('CRC32C chains like Go crc32.Update with the Castagnoli table', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.from('6789'), crc32c(Buffer.from('12345'))), 0xe3069283);
});

test('frame size: 8-byte alignment, padding in the top byte as 0x80|pad', () => {
  for (let n = 0; n <= 24; n++) {
    const { lenField, padBytes } = encodeFrameSize(n);
    assert.equal((n + padBytes) % 8, 0);
    assert.equal(padBytes === 0, lenField === BigInt(n));
    if (padBytes) assert.equal(lenField >> 56n, BigInt(0x80 | padBytes));
    assert.deepEqual(decodeFrameSize(lenField), { recBytes: n, padBytes });
  }
});

test('decodes etcd golden record', () => {
  const { records, decoder } = decodeAll(infoRecord);
  assert.equal(records.length, 1);
  assert.equal(records[0]!.type, RecordType.metadata);
  assert.equal(records[0]!.crc, crc32c(infoData));
  assert.deepEqual(records[0]!.data, infoData);
  assert.equal(decoder.torn(), false);
  assert.equal(decoder.lastOffset(), infoRecord.length);
});

test('a short record at the end of the last segment is a torn tail (etcd: io.ErrUnexpectedEOF)', () => {
  for (const cut of [8, infoRecord.length - infoData.length - 8, infoRecord.length - infoData.length, infoRecord.length - 8, 3]) {
    const { records, decoder } = decodeAll(infoRecord.subarray(0, cut));
    assert.equal(records.length, 0, `cut ${cut}`);
    assert.equal(decoder.torn(), true, `cut ${cut}`);
    assert.equal(decoder.lastOffset(), 0);
  }
});

test('a complete record with a wrong CRC is corruption, with file and offset', () => {
  const bad = Buffer.from(infoRecord);
  bad[bad.length - 1] = 'a'.charCodeAt(0);
  assert.throws(() => decodeAll(bad), (err: unknown) => {
    assert.ok(err instanceof WalCorruptError);
    assert.match(err.message, /^wal: crc mismatch \(file seg\.wal, offset 0\)$/);
    return true;
  });
});

test('encoder round trip: rolling CRC, crc record restating it, padding', () => {
  const enc = new Encoder(0);
  const datas = [Buffer.from('a'), Buffer.from('hello world!'), Buffer.alloc(0), Buffer.alloc(1000, 7)];
  const buf = enc.encode([
    { type: RecordType.crc },
    ...datas.map((data) => ({ type: RecordType.entry, data })),
  ]);
  assert.equal(buf.length % 8, 0);
  const { records } = decodeAll(buf);
  assert.equal(records.length, 5);
  assert.equal(records[0]!.type, RecordType.crc);
  assert.equal(records[0]!.crc, 0);
  let crc = 0;
  records.slice(1).forEach((r, i) => {
    crc = crc32c(datas[i]!, crc);
    assert.equal(r.crc, crc);
    assert.deepEqual(r.data, datas[i]);
  });
  assert.equal(enc.lastCrc(), crc);
  // A second segment starts with a crc record carrying the running value; a fresh decoder
  // adopts it, a chained one checks it.
  const seg2 = new Encoder(enc.lastCrc()).encode([{ type: RecordType.crc }, { type: RecordType.entry, data: Buffer.from('x') }]);
  const chained = new Decoder([{ path: 'a', buf }, { path: 'b', buf: seg2 }]);
  assert.equal([...chained.records()].length, 7);
  const fresh = new Decoder([{ path: 'b', buf: seg2 }]);
  assert.equal([...fresh.records()].length, 2);
  // A crc record that does not restate the running CRC is corruption.
  const wrong = new Encoder(12345).encode([{ type: RecordType.crc }]);
  assert.throws(() => [...new Decoder([{ path: 'a', buf }, { path: 'b', buf: wrong }]).records()], /wal: crc mismatch \(file b, offset 0\)/);
});

test('a zero length field ends a segment (preallocated space)', () => {
  const buf = Buffer.concat([new Encoder(0).encode([{ type: RecordType.entry, data: Buffer.from('x') }]), Buffer.alloc(4096)]);
  const { records, decoder } = decodeAll(buf);
  assert.equal(records.length, 1);
  assert.equal(decoder.torn(), false);
  assert.equal(decoder.lastOffset(), 24);
});

test('a short record in a segment that is not the last is corruption', () => {
  const enc = new Encoder(0);
  const a = enc.encode([{ type: RecordType.entry, data: Buffer.from('abc') }]);
  const b = enc.encode([{ type: RecordType.entry, data: Buffer.from('def') }]);
  const d = new Decoder([{ path: 'first', buf: a.subarray(0, a.length - 3) }, { path: 'second', buf: b }]);
  assert.throws(() => [...d.records()], /wal: unexpected end of segment \(file first, offset 0\)/);
});

test('isTornEntry: an all-zero sector piece means torn', () => {
  const frame = Buffer.alloc(1024, 1);
  assert.equal(isTornEntry(8, frame), false);
  frame.fill(0, 504, 1016); // exactly the sector [512, 1024) of the file
  assert.equal(isTornEntry(8, frame), true);
  assert.equal(isTornEntry(8, Buffer.from([1, 0, 0])), false);
});
