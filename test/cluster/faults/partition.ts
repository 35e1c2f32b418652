// Network partitions between tetcd members on loopback, without root-only tools: every member
// advertises the port of a small TCP proxy in front of its real peer listener, so all peer
// traffic to it passes the proxy. Peer connections say who dialled them (the stream path
// /raft/stream/message/<from>, or the X-Server-From header), so a proxy can refuse — and cut,
// when a partition starts — exactly the links that cross the partition, in both directions.
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';

/** A peer request's head is small; more than this without a blank line is not a peer request. */
const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

/** Which members cannot reach which: a set of isolated member IDs (hex), each cut off from all others. */
export class Partitions {
  private readonly isolated = new Set<string>();
  private readonly proxies: PeerProxy[] = [];

  register(p: PeerProxy): void {
    this.proxies.push(p);
  }

  /** Is traffic from member `from` (hex, or undefined when unknown) to member `to` cut? */
  blocked(from: string | undefined, to: string): boolean {
    if (from !== undefined && from === to) return false;
    return this.isolated.has(to) || (from !== undefined && this.isolated.has(from));
  }

  /** Cut member `id` off from every other member, both ways; open links are closed now. */
  isolate(id: bigint): void {
    this.isolated.add(id.toString(16));
    for (const p of this.proxies) p.enforce();
  }

  heal(): void {
    this.isolated.clear();
  }

  /** Links refused or cut so far, over all proxies. */
  cutCount(): number {
    return this.proxies.reduce((n, p) => n + p.cut, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.proxies.map((p) => p.close()));
  }
}

interface Link {
  from: string | undefined;
  client: Socket;
  upstream: Socket;
}

/** The proxy in front of one member's peer port. `owner()` is that member's ID once known. */
export class PeerProxy {
  private server: Server | undefined;
  private readonly links = new Set<Link>();
  /** Connections refused or cut, for the test to show the partition really happened. */
  cut = 0;

  constructor(
    readonly listenPort: number,
    readonly targetPort: number,
    private readonly owner: () => bigint,
    private readonly partitions: Partitions,
  ) {
    partitions.register(this);
  }

  private ownerHex(): string {
    return this.owner().toString(16);
  }

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
  }

  private accept(client: Socket): void {
    let head = Buffer.alloc(0);
    client.on('error', () => client.destroy());
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.indexOf(HEAD_END) < 0 && head.length < MAX_HEAD_BYTES) return;
      client.off('data', onData);
      client.pause();
      const from = senderOf(head);
      if (this.partitions.blocked(from, this.ownerHex())) {
        this.cut++;
        client.destroy();
        return;
      }
      const upstream = tcpConnect(this.targetPort, '127.0.0.1');
      const link: Link = { from, client, upstream };
      this.links.add(link);
      const drop = () => {
        this.links.delete(link);
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', drop).on('close', drop);
      client.on('close', drop);
      upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    };
    client.on('data', onData);
  }

  /** Closes the open links the partition now forbids. */
  enforce(): void {
    for (const l of [...this.links]) {
      if (this.partitions.blocked(l.from, this.ownerHex())) {
        this.cut++;
        this.links.delete(l);
        l.client.destroy();
        l.upstream.destroy();
      }
    }
  }

  async close(): Promise<void> {
    for (const l of this.links) {
      l.client.destroy();
      l.upstream.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The dialling member's ID (hex) from a peer request head, if it names one. */
export function senderOf(head: Buffer): string | undefined {
  const text = head.toString('latin1');
  const stream = /^[A-Z]+ \/raft\/stream\/message\/([0-9a-f]+)/.exec(text);
  if (stream) return stream[1];
  const header = /\r\nx-server-from:\s*([0-9a-f]+)/i.exec(text);
  return header ? header[1]!.toLowerCase() : undefined;
}
