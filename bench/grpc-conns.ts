// gRPC connections for the load generator. grpc-js shares one TCP connection between all
// clients of the same target unless told otherwise; etcd's benchmark opens --conns separate
// connections, so every client here gets a subchannel pool of its own.
import { credentials, type ChannelOptions, type Client } from '@grpc/grpc-js';

const CONNECT_TIMEOUT_MS = 10_000;

/** A channel that does not share its connection, and accepts large responses (snapshots, big ranges). */
export const OWN_CONNECTION: ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
};

type ClientCtor<C> = new (address: string, creds: ReturnType<typeof credentials.createInsecure>, options?: ChannelOptions) => C;

/** `count` clients of one service, each on its own connection, connected before returning. */
export async function openClients<C extends Client>(ctor: ClientCtor<C>, endpoint: string, count: number): Promise<C[]> {
  const clients = Array.from({ length: count }, () => new ctor(endpoint, credentials.createInsecure(), OWN_CONNECTION));
  try {
    await Promise.all(
      clients.map(
        (c) => new Promise<void>((resolve, reject) => c.waitForReady(Date.now() + CONNECT_TIMEOUT_MS, (err) => (err ? reject(err) : resolve()))),
      ),
    );
  } catch (err) {
    for (const c of clients) c.close();
    throw err;
  }
  return clients;
}

export function closeAll(clients: readonly Client[]): void {
  for (const c of clients) c.close();
}
