// An in-memory V2Member: proposals apply straight to a V2Store (a one-member cluster whose log
// commits at once), served by a real node:http server on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleV2, MembershipError, type V2Member, type V2MemberInfo } from '../../../src/api/v2/index.js';
import type { Request } from '../../../src/proto/etcdserver/etcdserverpb/etcdserver.js';
import { applyV2Request, V2Error, type V2Event, V2Store } from '../../../src/v2store/index.js';

export const CLUSTER_ID = 0xcdf818194e3a8c32n;
export const MEMBER_ID = 0x8e9e05c52164694dn;

export class FixtureMember implements V2Member {
  readonly v2Store = new V2Store({ namespaces: ['/0', '/1'] });
  readonly clusterId = CLUSTER_ID;
  readonly memberId = MEMBER_ID;
  private committed = 4;
  private readonly list: V2MemberInfo[] = [];
  private readonly removed = new Set<bigint>();
  /** Requests proposed so far, for assertions. */
  readonly proposed: Request[] = [];

  constructor(clientURL: string) {
    this.list.push({ id: MEMBER_ID, name: 'default', peerURLs: ['http://127.0.0.1:2380'], clientURLs: [clientURL] });
  }

  async v2Propose(req: Request): Promise<V2Event | V2Error> {
    this.proposed.push(req);
    this.committed++;
    const result = applyV2Request(this.v2Store, req);
    if (result === null) throw new Error('fixture: SYNC answers nothing');
    return result;
  }

  raftIndex(): number {
    return this.committed;
  }

  raftTerm(): number {
    return 2;
  }

  members(): readonly V2MemberInfo[] {
    return this.list;
  }

  leaderId(): bigint {
    return MEMBER_ID;
  }

  async addMember(peerURLs: readonly string[]): Promise<V2MemberInfo> {
    if (this.list.some((m) => m.peerURLs.some((u) => peerURLs.includes(u)))) throw new MembershipError('peer-url-exists');
    const m: V2MemberInfo = { id: 0x1000n + BigInt(this.list.length), name: '', peerURLs: [...peerURLs], clientURLs: [] };
    this.list.push(m);
    return m;
  }

  async removeMember(id: bigint): Promise<void> {
    if (this.removed.has(id)) throw new MembershipError('id-removed');
    const i = this.list.findIndex((m) => m.id === id);
    if (i < 0) throw new MembershipError('id-not-found');
    this.list.splice(i, 1);
    this.removed.add(id);
  }

  async updateMember(id: bigint, peerURLs: readonly string[]): Promise<void> {
    const i = this.list.findIndex((m) => m.id === id);
    if (i < 0) throw new MembershipError('id-not-found');
    this.list[i] = { ...this.list[i]!, peerURLs: [...peerURLs] };
  }

  selfStats(): string {
    return `{"name":"default","id":"${MEMBER_ID.toString(16)}","state":"StateLeader"}`;
  }

  leaderStats(): string | null {
    return `{"leader":"${MEMBER_ID.toString(16)}","followers":{}}`;
  }
}

export interface FixtureServer {
  readonly url: string;
  readonly member: FixtureMember;
  close(): Promise<void>;
}

/** A fixture member behind a node:http server on 127.0.0.1:<random>. */
export async function startFixture(): Promise<FixtureServer> {
  let member: FixtureMember | undefined;
  const server: Server = createServer((req, res) => {
    if (!handleV2(req, res, member!)) {
      res.statusCode = 404;
      res.end('not v2\n');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  member = new FixtureMember(url);
  return {
    url,
    member,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
