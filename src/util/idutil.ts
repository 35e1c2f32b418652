// etcd's unique ID generator (pkg/idutil/id.go), used for request IDs and for lease IDs that
// the client leaves to the server. An ID is laid out as
//
//   | 2 bytes          | 5 bytes                  | 1 byte  |
//   | member ID (low)  | start time (unix ms, low) | counter |
//
// Each `next()` adds one to the low 6 bytes (counter overflowing into the time field, on
// purpose): IDs stay unique across restarts as long as a member issues fewer than 256 IDs per
// millisecond on average, since a restart begins from a later timestamp.

const TS_BITS = 40n;
const COUNT_BITS = 8n;
const SUFFIX_BITS = TS_BITS + COUNT_BITS;
const MEMBER_BITS = 16n;
const UINT64_MASK = (1n << 64n) - 1n;

function lowBits(x: bigint, n: bigint): bigint {
  return x & ((1n << n) - 1n);
}

export class IdGenerator {
  /** The high 2 bytes: the low 16 bits of the member ID. */
  private readonly prefix: bigint;
  /** The low 6 bytes before masking; grows by one per ID (wraps at 2^64 as etcd's uint64). */
  private suffix: bigint;

  /**
   * @param memberId this member's ID; only its low 16 bits are used, as etcd's `uint16(id)`.
   * @param nowMs the current wall-clock time in Unix milliseconds.
   */
  constructor(memberId: bigint, nowMs: number) {
    this.prefix = lowBits(memberId, MEMBER_BITS) << SUFFIX_BITS;
    this.suffix = lowBits(BigInt(Math.floor(nowMs)), TS_BITS) << COUNT_BITS;
  }

  /** The next unique ID, an unsigned 64-bit value. */
  next(): bigint {
    this.suffix = (this.suffix + 1n) & UINT64_MASK;
    return this.prefix | lowBits(this.suffix, SUFFIX_BITS);
  }
}
