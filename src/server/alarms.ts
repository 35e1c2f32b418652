// Active alarms (NOSPACE, CORRUPT), persisted in the backend's `alarm` bucket exactly as etcd
// stores them: the key is the encoded AlarmMember, the value empty.
import { AlarmMember, AlarmType } from '../proto/etcdserver/etcdserverpb/rpc.js';

export interface AlarmBucket {
  put(key: Buffer, value: Buffer): void;
  delete(key: Buffer): void;
  keys(): Buffer[];
}

export class AlarmStore {
  private readonly active = new Map<string, AlarmMember>();

  constructor(private readonly bucket: AlarmBucket) {
    this.reload();
  }

  /** Re-reads the alarms from the bucket (after the backend was replaced). */
  reload(): void {
    this.active.clear();
    for (const k of this.bucket.keys()) {
      const m = AlarmMember.decode(k);
      this.active.set(keyOf(m), m);
    }
  }

  /** Returns the alarm if it was newly raised or already active. */
  activate(memberID: bigint, alarm: AlarmType): AlarmMember {
    const m: AlarmMember = { memberID, alarm };
    const existing = this.active.get(keyOf(m));
    if (existing) return existing;
    this.active.set(keyOf(m), m);
    this.bucket.put(Buffer.from(AlarmMember.encode(m).finish()), Buffer.alloc(0));
    return m;
  }

  /** Returns the alarm that was removed, or undefined if it was not active. */
  deactivate(memberID: bigint, alarm: AlarmType): AlarmMember | undefined {
    const m: AlarmMember = { memberID, alarm };
    const existing = this.active.get(keyOf(m));
    if (!existing) return undefined;
    this.active.delete(keyOf(m));
    this.bucket.delete(Buffer.from(AlarmMember.encode(m).finish()));
    return existing;
  }

  /** etcd's AlarmStore.Get: every alarm, or those of one type. */
  list(type: AlarmType = AlarmType.NONE): AlarmMember[] {
    return [...this.active.values()].filter((a) => type === AlarmType.NONE || a.alarm === type);
  }

  hasNoSpace(): boolean {
    return this.list(AlarmType.NOSPACE).length > 0;
  }

  hasCorrupt(): boolean {
    return this.list(AlarmType.CORRUPT).length > 0;
  }
}

function keyOf(m: AlarmMember): string {
  return `${m.memberID}:${m.alarm}`;
}
