// The real etcd 3.4 (Debian's /usr/bin/etcd) as the reference server.
import { existsSync } from 'node:fs';
import { startMember, type Member, type MemberOptions } from './member.js';

export const ETCD_BIN = '/usr/bin/etcd';

/** Why real etcd cannot run here, or undefined when it can. */
export function etcdSkipReason(): string | undefined {
  return existsSync(ETCD_BIN) ? undefined : `${ETCD_BIN} not installed`;
}

/** Start a single-member real etcd; zap logging so its stderr reads like tetcd's. */
export function startEtcd(opts: MemberOptions = {}): Promise<Member> {
  return startMember('etcd', ETCD_BIN, ['--logger=zap'], opts);
}
