/**
 * Whether a peer is reachable, as etcd's peerStatus: the transitions are
 * logged once (etcd's messages), repeated failures only at debug level.
 */
import { idString } from './headers.js';
import type { TransportLogger } from './types.js';

export class PeerStatus {
  private since: Date | undefined;

  constructor(
    private readonly id: bigint,
    private readonly logger: TransportLogger,
  ) {}

  activate(): void {
    if (this.since !== undefined) return;
    this.logger.info({ 'peer-id': idString(this.id) }, 'peer became active');
    this.since = new Date();
  }

  deactivate(error: string): void {
    if (this.since === undefined) {
      this.logger.debug({ 'peer-id': idString(this.id), error }, 'peer deactivated again');
      return;
    }
    this.logger.warn({ 'peer-id': idString(this.id), error }, 'peer became inactive (message send to peer failed)');
    this.since = undefined;
  }

  get activeSince(): Date | undefined {
    return this.since;
  }
}
