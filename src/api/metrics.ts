// The Prometheus metrics served on /metrics, under etcd's names, for what tetcd really measures.
// The API layer counts gRPC calls and bytes; the member updates the server and mvcc gauges
// through the same object (passed to serveClientUrls in the options).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { CLUSTER_VERSION, ETCD_API_VERSION } from '../config/version.js';

export class Metrics {
  readonly registry = new Registry();

  readonly hasLeader = this.gauge('etcd_server_has_leader', 'Whether or not a leader exists. 1 is existence, 0 is not.');
  readonly isLeader = this.gauge('etcd_server_is_leader', 'Whether or not this member is a leader. 1 if is, 0 otherwise.');
  readonly leaderChanges = this.counter('etcd_server_leader_changes_seen_total', 'The number of leader changes seen.');
  readonly proposalsCommitted = this.gauge('etcd_server_proposals_committed_total', 'The total number of consensus proposals committed.');
  readonly proposalsApplied = this.gauge('etcd_server_proposals_applied_total', 'The total number of consensus proposals applied.');
  readonly proposalsPending = this.gauge('etcd_server_proposals_pending', 'The current number of pending proposals to commit.');
  readonly proposalsFailed = this.counter('etcd_server_proposals_failed_total', 'The total number of failed proposals seen.');
  readonly healthSuccess = this.counter('etcd_server_health_success', 'The total number of successful health checks');
  readonly healthFailures = this.counter('etcd_server_health_failures', 'The total number of failed health checks');
  readonly dbTotalSize = this.gauge('etcd_mvcc_db_total_size_in_bytes', 'Total size of the underlying database physically allocated in bytes.');
  readonly dbTotalSizeInUse = this.gauge('etcd_mvcc_db_total_size_in_use_in_bytes', 'Total size of the underlying database logically in use in bytes.');
  readonly keysTotal = this.gauge('etcd_debugging_mvcc_keys_total', 'Total number of keys.');
  readonly grpcReceivedBytes = this.counter('etcd_network_client_grpc_received_bytes_total', 'The total number of bytes received from grpc clients.');
  readonly grpcSentBytes = this.counter('etcd_network_client_grpc_sent_bytes_total', 'The total number of bytes sent to grpc clients.');
  readonly grpcStarted = new Counter({
    name: 'grpc_server_started_total',
    help: 'Total number of RPCs started on the server.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'],
    registers: [this.registry],
  });
  readonly grpcHandled = new Counter({
    name: 'grpc_server_handled_total',
    help: 'Total number of RPCs completed on the server, regardless of success or failure.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'],
    registers: [this.registry],
  });

  constructor() {
    new Gauge({
      name: 'etcd_server_version',
      help: 'Which version is running. 1 for \'server_version\' label with current version.',
      labelNames: ['server_version'],
      registers: [this.registry],
    }).set({ server_version: ETCD_API_VERSION }, 1);
    // etcd labels the cluster version as major.minor.
    new Gauge({
      name: 'etcd_cluster_version',
      help: 'Which version is running. 1 for \'cluster_version\' label with current cluster version',
      labelNames: ['cluster_version'],
      registers: [this.registry],
    }).set({ cluster_version: CLUSTER_VERSION.split('.').slice(0, 2).join('.') }, 1);
    collectDefaultMetrics({ register: this.registry });
  }

  private gauge(name: string, help: string): Gauge {
    return new Gauge({ name, help, registers: [this.registry] });
  }

  private counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }
}
