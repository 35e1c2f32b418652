package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/clientv3"
	"google.golang.org/grpc/metadata"
)

// stampBytes at the start of each put's value carry its send time (decimal µs, space-padded),
// as in bench/load-watch.ts.
const stampBytes = 20
const createTimeout = 60 * time.Second

// watchLoad is etcd benchmark's watch-latency: Streams watch streams over Conns clients, each
// with WatchersPerStream watchers of one key; the putter job puts on the key at a fixed rate and
// every watcher measures put-sent → event-received.
type watchLoad struct {
	job       Job
	clients   []*clientv3.Client
	putter    *clientv3.Client
	cancel    context.CancelFunc
	expected  int64
	received  int64
	lastUs    int64 // when the last event arrived (nowUs, whole µs)
	done      chan struct{}
	doneOnce  sync.Once
	mu        sync.Mutex
	samples   []float64
	streamErr atomic.Value
}

func prepareWatch(j Job) (Load, error) {
	clients, err := openClients(j.Endpoint, j.Conns)
	if err != nil {
		return nil, err
	}
	w := &watchLoad{job: j, clients: clients, done: make(chan struct{})}
	w.expected = int64(j.Puts * j.Streams * j.WatchersPerStream)
	if j.Putter != nil {
		putters, err := openClients(j.Endpoint, 1)
		if err != nil {
			closeClients(clients)
			return nil, err
		}
		w.putter = putters[0]
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	created := make(chan struct{}, j.Streams*j.WatchersPerStream)
	for s := 0; s < j.Streams; s++ {
		// clientv3 shares one gRPC watch stream between watches whose contexts carry the same
		// metadata: a distinct value per stream gives each group of watchers a stream of its own.
		streamCtx := metadata.NewOutgoingContext(ctx, metadata.Pairs("bench-watch-stream", strconv.Itoa(s)))
		cli := clients[s%len(clients)]
		for i := 0; i < j.WatchersPerStream; i++ {
			go w.watch(cli.Watch(streamCtx, j.Key, clientv3.WithCreatedNotify()), created)
		}
	}
	timeout := time.After(createTimeout)
	for n := 0; n < j.Streams*j.WatchersPerStream; n++ {
		select {
		case <-created:
		case <-timeout:
			w.Close()
			return nil, fmt.Errorf("only %d of %d watchers created", n, j.Streams*j.WatchersPerStream)
		}
	}
	return w, nil
}

// watch consumes one watcher's channel: the created notification, then events.
func (w *watchLoad) watch(ch clientv3.WatchChan, created chan<- struct{}) {
	for resp := range ch {
		if resp.Created {
			created <- struct{}{}
			continue
		}
		if err := resp.Err(); err != nil {
			w.streamErr.Store(err.Error())
			continue
		}
		if len(resp.Events) == 0 {
			continue
		}
		now := nowUs()
		w.mu.Lock()
		for _, ev := range resp.Events {
			sent, _ := strconv.ParseFloat(strings.TrimSpace(string(ev.Kv.Value[:stampBytes])), 64)
			w.samples = append(w.samples, now-sent)
		}
		w.mu.Unlock()
		atomic.StoreInt64(&w.lastUs, int64(now))
		if atomic.AddInt64(&w.received, int64(len(resp.Events))) >= w.expected {
			w.doneOnce.Do(func() { close(w.done) })
		}
	}
}

func (w *watchLoad) Close() {
	w.cancel()
	closeClients(w.clients)
	if w.putter != nil {
		w.putter.Close()
	}
}

func (w *watchLoad) Run() Result {
	j := w.job
	startUs := nowUs()
	putErrors, firstPutError := 0, ""
	stopPuts := make(chan struct{})
	var putting sync.WaitGroup
	if w.putter != nil {
		putting.Add(1)
		go func() {
			defer putting.Done()
			putErrors, firstPutError = w.put(stopPuts)
		}()
	}
	if w.expected == 0 {
		w.doneOnce.Do(func() { close(w.done) })
	}
	select {
	case <-w.done:
	case <-time.After(time.Duration(j.MaxDurationMs) * time.Millisecond):
	}
	close(stopPuts)
	putting.Wait()

	w.mu.Lock()
	samples := append([]float64(nil), w.samples...)
	w.mu.Unlock()
	received := atomic.LoadInt64(&w.received)
	missing := int(w.expected - received)
	if missing < 0 {
		missing = 0
	}
	firstError := firstPutError
	if s, ok := w.streamErr.Load().(string); ok && firstError == "" {
		firstError = s
	}
	if firstError == "" && missing > 0 {
		firstError = fmt.Sprintf("%d of %d events not received in time", missing, w.expected)
	}
	endUs := float64(atomic.LoadInt64(&w.lastUs))
	if endUs == 0 {
		endUs = nowUs()
	}
	return Result{SamplesUs: samples, Ops: int(received), Errors: missing + putErrors, FirstError: firstError, StartUs: startUs, EndUs: endUs}
}

// put makes the job's puts at the putter's rate, each value stamped with its send time.
func (w *watchLoad) put(stop <-chan struct{}) (errors int, firstError string) {
	j := w.job
	filler := strings.Repeat("v", j.Putter.ValueSize)
	ticker := time.NewTicker(time.Duration(float64(time.Second) / j.Putter.RatePerSec))
	defer ticker.Stop()
	var inflight sync.WaitGroup
	var mu sync.Mutex
	for sent := 0; sent < j.Puts; sent++ {
		if sent > 0 {
			select {
			case <-ticker.C:
			case <-stop:
				return errors, firstError
			}
		}
		value := fmt.Sprintf("%-*d", stampBytes, int64(nowUs())) + filler[stampBytes:]
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			ctx, cancel := context.WithTimeout(context.Background(), requestSlack)
			defer cancel()
			if _, err := w.putter.Put(ctx, j.Key, value); err != nil {
				mu.Lock()
				errors++
				if firstError == "" {
					firstError = "put: " + err.Error()
				}
				mu.Unlock()
			}
		}()
	}
	inflight.Wait()
	return errors, firstError
}
