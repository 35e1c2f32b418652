// Applies one committed InternalRaftRequest to the member's state (etcd's applierV3backend plus
// the v2 requests that etcd 3.4 still uses for membership attributes and the cluster version).
// Deterministic: every member applying the same entry makes the same change. Responses come
// back without a header; `rev` is the revision the server reports in it.
import type { InternalRaftRequest } from '../proto/etcdserver/etcdserverpb/raft_internal.js';
import type { Request as V2Request } from '../proto/etcdserver/etcdserverpb/etcdserver.js';
import { applyV2Request, type V2Store } from '../v2store/index.js';
import { AlarmRequest_AlarmAction, type AlarmMember } from '../proto/etcdserver/etcdserverpb/rpc.js';
import type { KVStore } from '../mvcc/index.js';
import type { Lessor } from '../lease/index.js';
import { applyCompaction, applyDeleteRange, applyPut, applyTxn, type LeaseView } from './apply/kv.js';
import type { AlarmStore } from './alarms.js';
import type { ClusterStore } from './cluster-store.js';
import type { AuthStore } from '../auth/index.js';
import { applyAuthRequest, checkAppliedPermission } from './apply/auth.js';
import { EtcdServerError } from './errors.js';

export type ApplyResult =
  | { response: unknown; rev: number; physicalDone?: Promise<void> }
  | { error: Error };

export interface ApplierDeps {
  kv: KVStore;
  lessor: Lessor;
  alarms: AlarmStore;
  cluster: ClusterStore;
  v2: V2Store;
  auth: AuthStore;
}

export class Applier {
  readonly leases: LeaseView;

  constructor(private readonly d: ApplierDeps) {
    const lessor = d.lessor;
    this.leases = {
      exists: (id) => lessor.exists(id),
      attach: (id, key) => lessor.attach(id, [key]),
      detach: (id, key) => void lessor.detach(id, [key]),
    };
  }

  apply(req: InternalRaftRequest, index: number): ApplyResult {
    try {
      return this.dispatch(req, index);
    } catch (err) {
      return { error: err as Error };
    }
  }

  /**
   * A v2 request (etcd 3.4 proposes them as a bare etcdserverpb.Request). The v2 store is rebuilt
   * from the raft snapshot and the log on every start, so these are applied on every replay; the
   * cluster's own keys under /0 also update the membership kept in the backend.
   */
  applyV2(req: V2Request): ApplyResult {
    try {
      const result = applyV2Request(this.d.v2, req);
      if (req.Method === 'PUT' && req.Path?.startsWith('/0/') && !(result instanceof Error)) {
        this.d.cluster.applyV2(req.Method, req.Path, req.Val ?? '');
      }
      return { response: result, rev: this.d.kv.rev() };
    } catch (err) {
      return { error: err as Error };
    }
  }

  private dispatch(r: InternalRaftRequest, index: number): ApplyResult {
    const kv = this.d.kv;
    // etcd's authApplierV3: the proposer's permissions, as of the auth revision it saw
    const lessor = this.d.lessor;
    checkAppliedPermission(this.d.auth, r, (id) => (lessor.exists(id) ? lessor.timeToLive(id, true).keys : []));
    const authBody = applyAuthRequest(this.d.auth, r, index);
    if (authBody !== undefined) return { response: authBody, rev: kv.rev() };
    if (r.put) {
      const response = kv.write(index, (txn) => applyPut(txn, r.put!, this.leases));
      return { response, rev: kv.rev() };
    }
    if (r.delete_range) {
      const response = kv.write(index, (txn) => applyDeleteRange(txn, r.delete_range!, this.leases));
      return { response, rev: kv.rev() };
    }
    if (r.txn) {
      const { resp, rev } = applyTxn(kv, index, r.txn, this.leases);
      return { response: resp, rev };
    }
    if (r.compaction) {
      const { rev, done } = applyCompaction(kv, r.compaction);
      // A failed physical compaction is logged by whoever awaits it; never unhandled.
      done.catch(() => undefined);
      return { response: {}, rev, physicalDone: done };
    }
    if (r.lease_grant) {
      const l = this.d.lessor.grant(r.lease_grant.ID, Number(r.lease_grant.TTL));
      return { response: { ID: l.id, TTL: BigInt(l.ttl), error: '' }, rev: kv.rev() };
    }
    if (r.lease_revoke) {
      const keys = this.d.lessor.revoke(r.lease_revoke.ID);
      if (keys.length > 0) {
        kv.write(index, (txn) => {
          for (const key of keys) txn.deleteRange(key, undefined);
        });
      }
      return { response: {}, rev: kv.rev() };
    }
    if (r.lease_checkpoint) {
      for (const cp of r.lease_checkpoint.checkpoints) this.d.lessor.checkpoint(cp.ID, Number(cp.remaining_TTL));
      return { response: {}, rev: kv.rev() };
    }
    if (r.alarm) {
      const a = r.alarm;
      let alarms: AlarmMember[] = [];
      if (a.action === AlarmRequest_AlarmAction.ACTIVATE) alarms = [this.d.alarms.activate(a.memberID, a.alarm)];
      else if (a.action === AlarmRequest_AlarmAction.DEACTIVATE) {
        const m = this.d.alarms.deactivate(a.memberID, a.alarm);
        alarms = m ? [m] : [];
      } else alarms = this.d.alarms.list(a.alarm);
      return { response: { alarms }, rev: kv.rev() };
    }
    return { error: new EtcdServerError('etcdserver: not capable') };
  }
}
