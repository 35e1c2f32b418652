package main

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// nowUs is CLOCK_MONOTONIC in microseconds: the clock Node's process.hrtime reads, so start and
// end times compare with the harness's and with other generator processes'.
func nowUs() float64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err)
	}
	return float64(ts.Sec)*1e6 + float64(ts.Nsec)/1e3
}

func sinceUs(t0 time.Time) float64 { return float64(time.Since(t0).Nanoseconds()) / 1e3 }

// tally collects the samples and errors of concurrent goroutines; each goroutine keeps its own
// samples and adds them once at the end, so recording a request takes no lock.
type tally struct {
	mu         sync.Mutex
	samples    []float64
	errors     int
	firstError string
}

func (t *tally) add(samples []float64, errors int, firstError string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.samples = append(t.samples, samples...)
	t.errors += errors
	if t.firstError == "" {
		t.firstError = firstError
	}
}

func (t *tally) result(startUs, endUs float64) Result {
	return Result{SamplesUs: t.samples, Ops: len(t.samples) - t.errors, Errors: t.errors, FirstError: t.firstError, StartUs: startUs, EndUs: endUs}
}

// keyOf is key number n as a fixed-width decimal of size bytes (bench/requests.ts keyOf).
func keyOf(n, size int) string {
	s := fmt.Sprintf("%0*d", size, n)
	return s[len(s)-size:]
}
