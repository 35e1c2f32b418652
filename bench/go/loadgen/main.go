// Command loadgen is the benchmark's native load generator: etcd's clientv3 (the client etcd's
// own tools/benchmark uses) driving any v3 endpoint, plus net/http for the v2 API.
//
// It speaks the same two-phase protocol as the Node workers (bench/protocol.ts), one JSON
// line at a time:
//
//	stdin  line 1: a JSON array of jobs (UnaryJob, WatchJob, KeepAliveJob or V2Job)
//	stdout        {"type":"ready"} once every job is prepared (connected, watchers created,
//	              leases granted): nothing before this line is timed
//	stdin  line 2: "go"
//	stdout        {"type":"done","results":[...]} one WorkerResult per job, in job order,
//	              with every request's latency in microseconds
//
// On any failure it prints {"type":"failed","message":...} and exits 1.
// `loadgen echo` instead serves a no-op KV service and prints {"type":"listening","endpoint":...}:
// the server the generator's own ceiling is measured against.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
)

// Job is the union of the harness's job shapes; Kind says which fields matter.
type Job struct {
	Kind          string `json:"kind"`
	Endpoint      string `json:"endpoint"`
	Conns         int    `json:"conns"`
	Clients       int    `json:"clients"`
	Total         int    `json:"total"`
	MaxDurationMs int    `json:"maxDurationMs"`
	// unary and v2
	Op             string `json:"op"`
	KeySize        int    `json:"keySize"`
	ValueSize      int    `json:"valueSize"`
	SequentialKeys bool   `json:"sequentialKeys"`
	KeySpace       int    `json:"keySpace"`
	KeyOffset      int    `json:"keyOffset"`
	OpsPerTxn      int    `json:"opsPerTxn"`
	RangeKey       string `json:"rangeKey"`
	// watch
	Streams           int     `json:"streams"`
	WatchersPerStream int     `json:"watchersPerStream"`
	Key               string  `json:"key"`
	Puts              int     `json:"puts"`
	Putter            *Putter `json:"putter"`
	// keepalive
	Leases int `json:"leases"`
	Rounds int `json:"rounds"`
}

// Putter is set on the one watch job that makes the puts.
type Putter struct {
	RatePerSec float64 `json:"ratePerSec"`
	ValueSize  int     `json:"valueSize"`
}

// Result is bench/protocol.ts's WorkerResult.
type Result struct {
	SamplesUs  []float64 `json:"samplesUs"`
	Ops        int       `json:"ops"`
	Errors     int       `json:"errors"`
	FirstError string    `json:"firstError,omitempty"`
	StartUs    float64   `json:"startUs"`
	EndUs      float64   `json:"endUs"`
	CPUSeconds float64   `json:"cpuSeconds"`
}

// Load is a prepared job: Run times it, Close releases its connections.
type Load interface {
	Run() Result
	Close()
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "echo" {
		if err := serveEcho(); err != nil {
			fail(err)
		}
		return
	}
	in := bufio.NewReader(os.Stdin)
	var jobs []Job
	line, err := in.ReadString('\n')
	if err == nil {
		err = json.Unmarshal([]byte(line), &jobs)
	}
	if err != nil {
		fail(fmt.Errorf("reading jobs: %w", err))
	}
	loads, err := prepareAll(jobs)
	if err != nil {
		fail(err)
	}
	say(map[string]string{"type": "ready"})
	if cmd, _ := in.ReadString('\n'); strings.TrimSpace(cmd) != "go" {
		fail(fmt.Errorf("expected go, got %q", cmd))
	}
	cpu0 := cpuSeconds()
	results := runAll(loads)
	// One process runs every job: its CPU is reported once, on the first result.
	results[0].CPUSeconds = cpuSeconds() - cpu0
	for _, l := range loads {
		l.Close()
	}
	say(map[string]interface{}{"type": "done", "results": results})
}

func prepareAll(jobs []Job) ([]Load, error) {
	loads := make([]Load, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			loads[i], errs[i] = prepare(jobs[i])
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			for _, l := range loads {
				if l != nil {
					l.Close()
				}
			}
			return nil, fmt.Errorf("job %d (%s): %w", i, jobs[i].Kind, err)
		}
	}
	return loads, nil
}

func prepare(j Job) (Load, error) {
	switch j.Kind {
	case "unary":
		return prepareUnary(j)
	case "watch":
		return prepareWatch(j)
	case "keepalive":
		return prepareKeepAlive(j)
	case "v2":
		return prepareV2(j)
	}
	return nil, fmt.Errorf("unknown job kind %q", j.Kind)
}

func runAll(loads []Load) []Result {
	results := make([]Result, len(loads))
	var wg sync.WaitGroup
	for i, l := range loads {
		wg.Add(1)
		go func(i int, l Load) {
			defer wg.Done()
			results[i] = l.Run()
		}(i, l)
	}
	wg.Wait()
	return results
}

// cpuSeconds is the user+system CPU this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

var stdout = json.NewEncoder(os.Stdout)

func say(v interface{}) {
	if err := stdout.Encode(v); err != nil {
		os.Exit(2)
	}
}

func fail(err error) {
	say(map[string]string{"type": "failed", "message": err.Error()})
	os.Exit(1)
}
