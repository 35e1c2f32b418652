// Errors the WAL reports. The messages start with etcd's own texts ("wal: crc mismatch", ...)
// so that operators who know etcd recognise them; file and offset are added where known.

export class WalError extends Error {
  override name = 'WalError';
}

/** The log is damaged somewhere acknowledged data may live: never repaired automatically. */
export class WalCorruptError extends WalError {
  override name = 'WalCorruptError';
  constructor(
    reason: string,
    readonly file: string,
    readonly offset: number,
  ) {
    super(`${reason} (file ${file}, offset ${offset})`);
  }
}

export const ERR_CRC_MISMATCH = 'wal: crc mismatch';
export const ERR_MAX_ENTRY_SIZE = 'wal: max entry size limit exceeded';
export const ERR_UNEXPECTED_EOF = 'wal: unexpected end of segment';
export const ERR_BAD_RECORD = 'wal: malformed record';

export class WalExistsError extends WalError {
  override name = 'WalExistsError';
  constructor(dir: string) {
    super(`wal: ${dir} already holds a WAL`);
  }
}

export class WalFileNotFoundError extends WalError {
  override name = 'WalFileNotFoundError';
  constructor(dir: string, detail = '') {
    super(`wal: file not found in ${dir}${detail ? `: ${detail}` : ''}`);
  }
}

export class WalSnapshotNotFoundError extends WalError {
  override name = 'WalSnapshotNotFoundError';
  constructor(index: number, term: number) {
    super(`wal: snapshot not found (index ${index}, term ${term})`);
  }
}

export class WalSnapshotMismatchError extends WalError {
  override name = 'WalSnapshotMismatchError';
  constructor(index: number, expectedTerm: number, foundTerm: number) {
    super(`wal: snapshot mismatch (index ${index}: expected term ${expectedTerm}, found ${foundTerm})`);
  }
}

export class WalMetadataConflictError extends WalError {
  override name = 'WalMetadataConflictError';
  constructor() {
    super('wal: conflicting metadata found');
  }
}

/** An entry whose index leaves a gap after the entries read so far (etcd's ErrSliceOutOfRange). */
export class WalSliceOutOfRangeError extends WalError {
  override name = 'WalSliceOutOfRangeError';
  constructor(index: number, expectedAtMost: number) {
    super(`wal: slice bounds out of range (entry index ${index}, expected at most ${expectedAtMost})`);
  }
}

export class WalLockedError extends WalError {
  override name = 'WalLockedError';
  constructor(dir: string, pid: number) {
    super(`wal: ${dir} is in use by process ${pid}`);
  }
}
