// A throwaway tetcd member restored from a snapshot, on loopback, in this process: what
// `verify --restore-test` uses to prove a snapshot restores to the data the manifest describes.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restoreSnapshot } from '../backup/index.js';
import { V3Client } from '../client/v3.js';
import { startServer } from '../embed.js';

const SCRATCH_NAME = 'restore-test';

export interface RestoredFigures {
  revision: number;
  liveKeys: number;
  hashKV: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const WHOLE_KEYSPACE = Buffer.from([0]);

/** Restores `snapshotPath` into a scratch member and reads back revision, key count and HashKV at `revision`. */
export async function restoreTest(snapshotPath: string, revision: number): Promise<RestoredFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-backup-restore-test-'));
  const [peerPort, clientPort] = [await freePort(), await freePort()];
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const dataDir = join(dir, 'data');
  try {
    await restoreSnapshot({ snapshotPath, name: SCRATCH_NAME, dataDir, peerUrls: peerUrl, initialCluster: `${SCRATCH_NAME}=${peerUrl}`, initialClusterToken: 'tetcd-backup-restore-test', skipHashCheck: false });
    const member = await startServer({
      name: SCRATCH_NAME,
      dataDir,
      listenPeerUrls: [new URL(peerUrl)],
      initialAdvertisePeerUrls: [new URL(peerUrl)],
      listenClientUrls: [new URL(clientUrl)],
      advertiseClientUrls: [new URL(clientUrl)],
      initialCluster: new Map([[SCRATCH_NAME, [new URL(peerUrl)]]]),
      logger: 'silent',
    });
    const client = new V3Client({ endpoints: [clientUrl] });
    try {
      const rev = BigInt(revision);
      const status = await client.unary('maintenance', 'status', {});
      const range = await client.unary('kv', 'range', {
        key: WHOLE_KEYSPACE, range_end: WHOLE_KEYSPACE, limit: 0n, revision: rev, sort_order: 0, sort_target: 0, serializable: false,
        keys_only: false, count_only: true, min_mod_revision: 0n, max_mod_revision: 0n, min_create_revision: 0n, max_create_revision: 0n,
      });
      const h = await client.unary('maintenance', 'hashKv', { revision: rev });
      return { revision: Number(status.header?.revision ?? 0n), liveKeys: Number(range.count), hashKV: h.hash };
    } finally {
      client.close();
      await member.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
