// The auth buckets exactly as etcd 3.4 lays them out: `auth` holds authEnabled (one byte, 1 or 0)
// and authRevision (uint64 big-endian); `authUsers` maps a user name to an authpb.User and
// `authRoles` a role name to an authpb.Role, both protobuf-encoded.
import type { BatchTx, ReadTx } from '../backend/index.js';
import { Role, User } from '../proto/auth/authpb/auth.js';

const ENABLED_KEY = Buffer.from('authEnabled');
const REVISION_KEY = Buffer.from('authRevision');
const ENABLED = Buffer.from([1]);
const DISABLED = Buffer.from([0]);
/** Below every non-empty name; etcd lists roles over [0x00, 0xff) and users with ForEach. */
const FIRST = Buffer.alloc(0);

export function readEnabled(tx: ReadTx): boolean {
  const v = tx.get('auth', ENABLED_KEY);
  return v !== undefined && v.equals(ENABLED);
}

export function writeEnabled(tx: BatchTx, enabled: boolean): void {
  tx.put('auth', ENABLED_KEY, enabled ? ENABLED : DISABLED);
}

/** The auth revision; 0 before the store first opened the backend. */
export function readRevision(tx: ReadTx): number {
  const v = tx.get('auth', REVISION_KEY);
  if (v === undefined || v.length !== 8) return 0;
  return Number(v.readBigUInt64BE(0));
}

export function writeRevision(tx: BatchTx, rev: number): void {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(rev));
  tx.put('auth', REVISION_KEY, b);
}

export function getUser(tx: ReadTx, name: string): User | undefined {
  const v = tx.get('authUsers', Buffer.from(name));
  return v === undefined ? undefined : User.decode(v);
}

export function putUser(tx: BatchTx, user: User): void {
  tx.put('authUsers', user.name, Buffer.from(User.encode(user).finish()));
}

export function deleteUser(tx: BatchTx, name: string): void {
  tx.delete('authUsers', Buffer.from(name));
}

export function allUsers(tx: ReadTx): User[] {
  return [...tx.range('authUsers', FIRST)].map((kv) => User.decode(kv.value));
}

export function getRole(tx: ReadTx, name: string): Role | undefined {
  const v = tx.get('authRoles', Buffer.from(name));
  return v === undefined ? undefined : Role.decode(v);
}

export function putRole(tx: BatchTx, role: Role): void {
  tx.put('authRoles', role.name, Buffer.from(Role.encode(role).finish()));
}

export function deleteRole(tx: BatchTx, name: string): void {
  tx.delete('authRoles', Buffer.from(name));
}

export function allRoles(tx: ReadTx): Role[] {
  return [...tx.range('authRoles', Buffer.from([0]), Buffer.from([0xff]))].map((kv) => Role.decode(kv.value));
}
