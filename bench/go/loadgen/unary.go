package main

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/clientv3"
)

const dialTimeout = 10 * time.Second

// requestSlack lets a request sent just before the time cap finish; a request still
// unanswered after it is cancelled and counted as an error, so a stuck server ends the run.
const requestSlack = 10 * time.Second

// unaryLoad is etcd benchmark's closed loop: Clients goroutines share Conns clientv3 clients
// (each its own TCP connection) round-robin; each sends its next request when the last answered.
type unaryLoad struct {
	job     Job
	clients []*clientv3.Client
	send    func(ctx context.Context, c *clientv3.Client) error
}

func prepareUnary(j Job) (Load, error) {
	clients, err := openClients(j.Endpoint, j.Conns)
	if err != nil {
		return nil, err
	}
	return &unaryLoad{job: j, clients: clients, send: sender(j)}, nil
}

// openClients dials n clientv3 clients, each on its own connection, connected before returning.
func openClients(endpoint string, n int) ([]*clientv3.Client, error) {
	clients := make([]*clientv3.Client, 0, n)
	for i := 0; i < n; i++ {
		c, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: dialTimeout})
		if err != nil {
			closeClients(clients)
			return nil, fmt.Errorf("connecting to %s: %w", endpoint, err)
		}
		clients = append(clients, c)
	}
	return clients, nil
}

func closeClients(clients []*clientv3.Client) {
	for _, c := range clients {
		c.Close()
	}
}

func (u *unaryLoad) Close() { closeClients(u.clients) }

func (u *unaryLoad) Run() Result {
	j := u.job
	limit := time.Duration(j.MaxDurationMs) * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), limit+requestSlack)
	defer cancel()
	stopAt := time.Now().Add(limit)
	var issued int64
	var t tally
	var wg sync.WaitGroup
	startUs := nowUs()
	for c := 0; c < j.Clients; c++ {
		wg.Add(1)
		go func(cli *clientv3.Client) {
			defer wg.Done()
			samples := make([]float64, 0, j.Total/j.Clients+1)
			errors, firstError := 0, ""
			for atomic.AddInt64(&issued, 1) <= int64(j.Total) && time.Now().Before(stopAt) {
				t0 := time.Now()
				err := u.send(ctx, cli)
				samples = append(samples, sinceUs(t0))
				if err != nil {
					errors++
					if firstError == "" {
						firstError = err.Error()
					}
				}
			}
			t.add(samples, errors, firstError)
		}(u.clients[c%len(u.clients)])
	}
	wg.Wait()
	return t.result(startUs, nowUs())
}

// sender builds the job's request; keys come from one counter (sequential) or are uniform in
// [0, KeySpace), as in bench/load-unary.ts.
func sender(j Job) func(ctx context.Context, c *clientv3.Client) error {
	value := randomValue(j.ValueSize)
	var seq int64 = int64(j.KeyOffset) - 1
	nextKey := func() string {
		if j.SequentialKeys {
			return keyOf(int(atomic.AddInt64(&seq, 1)), j.KeySize)
		}
		return keyOf(mrand.Intn(j.KeySpace), j.KeySize)
	}
	switch j.Op {
	case "put":
		return func(ctx context.Context, c *clientv3.Client) error {
			_, err := c.Put(ctx, nextKey(), value)
			return err
		}
	case "range-linearizable", "range-serializable":
		var opts []clientv3.OpOption
		if j.Op == "range-serializable" {
			opts = append(opts, clientv3.WithSerializable())
		}
		return func(ctx context.Context, c *clientv3.Client) error {
			_, err := c.Get(ctx, j.RangeKey, opts...)
			return err
		}
	case "txn-put", "txn-fill":
		puts := 1
		if j.Op == "txn-fill" {
			puts = j.OpsPerTxn
		}
		return func(ctx context.Context, c *clientv3.Client) error {
			ops := make([]clientv3.Op, puts)
			for i := range ops {
				ops[i] = clientv3.OpPut(nextKey(), value)
			}
			_, err := c.Txn(ctx).Then(ops...).Commit()
			return err
		}
	}
	return func(context.Context, *clientv3.Client) error { return fmt.Errorf("unknown op %q", j.Op) }
}

// randomValue is size random bytes, made once and reused (the server stores them as opaque bytes).
func randomValue(size int) string {
	b := make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return string(b)
}
