package main

import (
	"fmt"
	"io"
	"io/ioutil"
	"math/rand"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// v2Load is v2-set-get: Clients goroutines, each with its own HTTP/1.1 keep-alive connection
// (HTTP/1.1 carries one request at a time, so clients = conns), each setting a key
// (PUT /v2/keys/bench/<key>) and then getting it, in a closed loop. Every request is one op.
type v2Load struct {
	job     Job
	base    string
	clients []*http.Client
	value   string
}

func prepareV2(j Job) (Load, error) {
	v := &v2Load{job: j, base: strings.TrimSuffix(j.Endpoint, "/"), value: printableValue(j.ValueSize)}
	for c := 0; c < j.Clients; c++ {
		client := &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true},
			Timeout:   requestSlack,
		}
		// Open the connection now, so connecting is not timed.
		if err := v.do(client, http.MethodGet, v.base+"/version", nil); err != nil {
			v.Close()
			return nil, fmt.Errorf("connecting to %s: %w", v.base, err)
		}
		v.clients = append(v.clients, client)
	}
	return v, nil
}

func (v *v2Load) Close() {
	for _, c := range v.clients {
		c.CloseIdleConnections()
	}
}

func (v *v2Load) Run() Result {
	j := v.job
	stopAt := time.Now().Add(time.Duration(j.MaxDurationMs) * time.Millisecond)
	form := url.Values{"value": {v.value}}.Encode()
	seq := int64(j.KeyOffset) - 1
	var issued int64
	var t tally
	var wg sync.WaitGroup
	startUs := nowUs()
	for _, client := range v.clients {
		wg.Add(1)
		go func(client *http.Client) {
			defer wg.Done()
			var samples []float64
			errors, firstError := 0, ""
			timed := func(method, u string, body io.Reader) {
				t0 := time.Now()
				err := v.do(client, method, u, body)
				samples = append(samples, sinceUs(t0))
				if err != nil {
					errors++
					if firstError == "" {
						firstError = err.Error()
					}
				}
			}
			for atomic.AddInt64(&issued, 2) <= int64(j.Total) && time.Now().Before(stopAt) {
				u := v.base + "/v2/keys/bench/" + keyOf(int(atomic.AddInt64(&seq, 1)), j.KeySize)
				timed(http.MethodPut, u, strings.NewReader(form))
				timed(http.MethodGet, u, nil)
			}
			t.add(samples, errors, firstError)
		}(client)
	}
	wg.Wait()
	return t.result(startUs, nowUs())
}

// do sends one request and reads the whole answer (so the connection is reused); a status
// other than 200 or 201 is an error.
func (v *v2Load) do(client *http.Client, method, u string, body io.Reader) error {
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(ioutil.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("%s %s: HTTP %d", method, u, resp.StatusCode)
	}
	return nil
}

// printableValue is size random letters: v2 values travel in JSON and form bodies.
func printableValue(size int) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, size)
	for i := range b {
		b[i] = letters[rand.Intn(len(letters))]
	}
	return string(b)
}
