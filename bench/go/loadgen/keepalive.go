package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/etcd/clientv3"
	pb "go.etcd.io/etcd/etcdserver/etcdserverpb"
)

// leaseTTL is long enough that no lease expires during a run.
const leaseTTL = 600

// grantConcurrency is how many grants are in flight while preparing.
const grantConcurrency = 32

// keepAliveLoad is etcd benchmark's lease-keepalive scaled to many leases: Streams raw
// LeaseKeepAlive streams (clientv3's Lease would renew on its own timer, not in a closed loop)
// each renew their share of the leases in turn, one request in flight per stream.
type keepAliveLoad struct {
	job     Job
	clients []*clientv3.Client
	cancel  context.CancelFunc
	streams []pb.Lease_LeaseKeepAliveClient
	leases  [][]clientv3.LeaseID
}

func prepareKeepAlive(j Job) (Load, error) {
	clients, err := openClients(j.Endpoint, j.Conns)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	k := &keepAliveLoad{job: j, clients: clients, cancel: cancel}
	ids, err := grantAll(ctx, clients, j.Leases)
	if err != nil {
		k.Close()
		return nil, err
	}
	n := j.Streams
	if len(ids) < n {
		n = len(ids)
	}
	k.leases = make([][]clientv3.LeaseID, n)
	for i, id := range ids {
		k.leases[i%n] = append(k.leases[i%n], id)
	}
	for s := 0; s < n; s++ {
		stream, err := pb.NewLeaseClient(clients[s%len(clients)].ActiveConnection()).LeaseKeepAlive(ctx)
		if err != nil {
			k.Close()
			return nil, fmt.Errorf("opening keep-alive stream: %w", err)
		}
		k.streams = append(k.streams, stream)
	}
	return k, nil
}

func grantAll(ctx context.Context, clients []*clientv3.Client, count int) ([]clientv3.LeaseID, error) {
	ids := make([]clientv3.LeaseID, count)
	errs := make(chan error, count)
	next := make(chan int, count)
	for i := 0; i < count; i++ {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for c := 0; c < grantConcurrency && c < count; c++ {
		wg.Add(1)
		go func(cli *clientv3.Client) {
			defer wg.Done()
			for i := range next {
				gctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				resp, err := cli.Grant(gctx, leaseTTL)
				cancel()
				if err != nil {
					errs <- fmt.Errorf("granting lease: %w", err)
					return
				}
				ids[i] = resp.ID
			}
		}(clients[c%len(clients)])
	}
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
		return ids, nil
	}
}

func (k *keepAliveLoad) Close() {
	k.cancel()
	closeClients(k.clients)
}

func (k *keepAliveLoad) Run() Result {
	stopAt := time.Now().Add(time.Duration(k.job.MaxDurationMs) * time.Millisecond)
	var t tally
	var wg sync.WaitGroup
	startUs := nowUs()
	for s, stream := range k.streams {
		wg.Add(1)
		go func(stream pb.Lease_LeaseKeepAliveClient, mine []clientv3.LeaseID) {
			defer wg.Done()
			total := len(mine) * k.job.Rounds
			samples := make([]float64, 0, total)
			errors, firstError := 0, ""
			for sent := 0; sent < total && time.Now().Before(stopAt); sent++ {
				t0 := time.Now()
				err := stream.Send(&pb.LeaseKeepAliveRequest{ID: int64(mine[sent%len(mine)])})
				var resp *pb.LeaseKeepAliveResponse
				if err == nil {
					resp, err = stream.Recv()
				}
				if err != nil {
					// A broken stream ends this stream's share, as in bench/load-keepalive.ts.
					errors++
					firstError = err.Error()
					break
				}
				samples = append(samples, sinceUs(t0))
				if resp.TTL <= 0 {
					errors++
					if firstError == "" {
						firstError = fmt.Sprintf("lease %d expired or not found", resp.ID)
					}
				}
			}
			t.add(samples, errors, firstError)
		}(stream, k.leases[s])
	}
	wg.Wait()
	r := t.result(startUs, nowUs())
	r.Ops = len(t.samples) // every answered keep-alive counts, as in the Node worker
	return r
}
