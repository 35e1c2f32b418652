// A Map-backed LeaseStore (a real, in-memory implementation of the interface, storing the same
// encoded records the backend does) and a hand-driven clock.
import { Lessor, decodeLeaseRecord, encodeLeaseKey, encodeLeaseRecord } from '../../src/lease/index.js';
import type { LeaseRecord, LeaseStore, LessorOptions } from '../../src/lease/index.js';

export class MapLeaseStore implements LeaseStore {
  readonly rows = new Map<string, Buffer>();

  save(l: LeaseRecord): void {
    this.rows.set(encodeLeaseKey(l.id).toString('hex'), encodeLeaseRecord(l));
  }

  delete(id: bigint): void {
    this.rows.delete(encodeLeaseKey(id).toString('hex'));
  }

  loadAll(): LeaseRecord[] {
    return [...this.rows.values()].map(decodeLeaseRecord);
  }
}

export class Clock {
  ms = 1_000_000;
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

type TestOptions = Partial<Omit<LessorOptions, 'now' | 'store'>> & { store?: MapLeaseStore; clock?: Clock };

/** A lessor with minTTL 2 s on a fresh (or the given) store and clock. */
export function newLessor(opts: TestOptions = {}): { lessor: Lessor; clock: Clock; store: MapLeaseStore } {
  const { store = new MapLeaseStore(), clock = new Clock(), ...rest } = opts;
  const lessor = new Lessor({ minTTL: 2, ...rest, now: clock.now, store });
  return { lessor, clock, store };
}

export const k = (s: string): Buffer => Buffer.from(s);
