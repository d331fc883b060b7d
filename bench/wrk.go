package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// wrkResult is the summary that the bench's wrk scripts print in done().
type wrkResult struct {
	Requests   int64   `json:"requests"`
	DurationUS int64   `json:"duration_us"`
	Bytes      int64   `json:"bytes"`
	Connect    int64   `json:"connect"` // socket errors, by kind
	Read       int64   `json:"read"`
	Write      int64   `json:"write"`
	Timeout    int64   `json:"timeout"`
	Status     int64   `json:"status"` // answers that were not 2xx or 3xx
	P50US      int64   `json:"p50_us"`
	P90US      int64   `json:"p90_us"`
	P99US      int64   `json:"p99_us"`
	MaxUS      int64   `json:"max_us"`
	MeanUS     float64 `json:"mean_us"`
}

// RPS is the completed requests per second, denials included.
func (r wrkResult) RPS() float64 {
	if r.DurationUS <= 0 {
		return 0
	}
	return float64(r.Requests) / (float64(r.DurationUS) / 1e6)
}

// SocketErrors counts the requests that got no answer at all.
func (r wrkResult) SocketErrors() int64 { return r.Connect + r.Read + r.Write + r.Timeout }

// parseWrk finds the "BENCH {json}" line in wrk's output.
func parseWrk(out []byte) (wrkResult, error) {
	for _, line := range strings.Split(string(out), "\n") {
		if js, ok := strings.CutPrefix(strings.TrimSpace(line), "BENCH "); ok {
			var r wrkResult
			if err := json.Unmarshal([]byte(js), &r); err != nil {
				return r, fmt.Errorf("wrk: summary %q: %w", js, err)
			}
			return r, nil
		}
	}
	return wrkResult{}, fmt.Errorf("wrk: no summary in its output:\n%s", out)
}

// loadgen runs wrk with the bench's settings.
type loadgen struct {
	Threads, Conns int
	CPUs           string // taskset -c list; "" unpinned
}

// wholeSeconds rounds d up to whole seconds, at least one: wrk takes no finer duration.
func wholeSeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// run sends load to url for d with the Lua script and its arguments, and returns wrk's
// summary and the CPU time wrk itself used.
func (g loadgen) run(ctx context.Context, url string, d time.Duration, script string, args ...string) (wrkResult, time.Duration, error) {
	wrk := []string{"wrk", "-t", strconv.Itoa(g.Threads), "-c", strconv.Itoa(g.Conns),
		"-d", fmt.Sprintf("%ds", wholeSeconds(d)), "--timeout", "5s", "-s", script, url}
	if len(args) > 0 {
		wrk = append(append(wrk, "--"), args...)
	}
	if g.CPUs != "" {
		wrk = append([]string{"taskset", "-c", g.CPUs}, wrk...)
	}
	cmd := exec.CommandContext(ctx, wrk[0], wrk[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return wrkResult{}, 0, fmt.Errorf("wrk: %w\n%s%s", err, stdout.Bytes(), stderr.Bytes())
	}
	r, err := parseWrk(stdout.Bytes())
	if err != nil {
		return r, 0, err
	}
	return r, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}
