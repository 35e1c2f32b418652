// Shared pieces of the transport tests: transports on 127.0.0.1:0 that record
// what they receive and log, and a bounded wait.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport, type PeerMember, type Transport, type TransportOptions } from '../../src/transport/index.js';
import { makeMessage, MessageType, type Message } from '../../src/raft/index.js';

export const CLUSTER_ID = 0xc0ffee11n;

export interface LogLine {
  level: 'info' | 'warn' | 'error' | 'debug';
  msg: string;
  fields: Record<string, unknown>;
}

export function recordingLogger(lines: LogLine[]): TransportOptions['logger'] {
  const at = (level: LogLine['level']) => (o: object, m?: string) => {
    lines.push({ level, msg: m ?? '', fields: o as Record<string, unknown> });
    if (process.env['TRANSPORT_TEST_LOG'] !== undefined) console.error(level, m, o);
  };
  return { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

export interface Node {
  id: bigint;
  transport: Transport;
  url: string;
  received: Message[];
  snapshots: Array<{ m: Message; dbPath: string }>;
  logs: LogLine[];
  unreachable: bigint[];
  snapStatus: Array<{ id: bigint; ok: boolean }>;
  snapDir: string;
}

export interface NodeOptions extends Partial<TransportOptions> {
  port?: number;
  scheme?: 'http' | 'https';
}

export async function startNode(id: bigint, o: NodeOptions = {}): Promise<Node> {
  const snapDir = o.snapDir ?? (await mkdtemp(join(tmpdir(), 'tetcd-transport-')));
  const node = { id, received: [], snapshots: [], logs: [], unreachable: [], snapStatus: [], snapDir } as unknown as Node;
  const members: PeerMember[] = [{ id, name: `m${id}`, peerURLs: [], clientURLs: [] }];
  const transport = createTransport({
    memberId: id,
    clusterId: CLUSTER_ID,
    listenPeerUrls: [new URL(`${o.scheme ?? 'http'}://127.0.0.1:${o.port ?? 0}`)],
    logger: recordingLogger(node.logs),
    onMessage: (m) => node.received.push(m),
    onSnapshot: async (m, dbPath) => {
      node.snapshots.push({ m, dbPath });
    },
    snapDir,
    members: () => members,
    ...o,
  });
  transport.on('unreachable', (p) => node.unreachable.push(p));
  transport.on('snapshotStatus', (p, ok) => node.snapStatus.push({ id: p, ok }));
  const { addresses } = await transport.start();
  node.transport = transport;
  node.url = addresses[0]!;
  members[0]!.peerURLs = addresses;
  return node;
}

export async function stopNode(n: Node, keepDir = false): Promise<void> {
  await n.transport.stop();
  if (!keepDir) await rm(n.snapDir, { recursive: true, force: true });
}

/** Connects every node to every other one. */
export function mesh(nodes: Node[]): void {
  for (const a of nodes) for (const b of nodes) if (a !== b) a.transport.addPeer(b.id, [b.url]);
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function msg(from: bigint, to: bigint, index: number, type = MessageType.MsgApp): Message {
  return makeMessage({ type, from, to, term: 1, index, commit: index });
}
