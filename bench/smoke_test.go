//go:build e2e

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs one very short round of two configurations through real nginx, the
// baseline and the do-nothing auth_request responder, and checks that the report is
// written and the ratios are computed. It asserts nothing about timing: CI machines are
// too noisy for that, and the figures belong to `make bench`.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nginx and wrk")
	}
	o := defaultOptions()
	o.Only = []string{"baseline/get", "authnop/get"}
	o.Duration, o.Rounds, o.Warmup = time.Second, 1, 0
	o.Out = t.TempDir()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := runSuite(ctx, o, &stdout, &stderr)
	if err != nil {
		t.Fatalf("runSuite: %v\n%s", err, stderr.String())
	}
	if len(rep.Rows) != 2 {
		t.Fatalf("rows = %d, want 2", len(rep.Rows))
	}
	for _, w := range rep.Rows {
		if w.Sum == nil || len(w.Samples) != 1 || w.Samples[0].Requests == 0 {
			t.Fatalf("%s: not measured: %+v", w.ID, w)
		}
		if len(w.Problems) > 0 {
			t.Errorf("%s: probe: %v", w.ID, w.Problems)
		}
	}
	base, nop := rep.row("baseline/get").Sum, rep.row("authnop/get").Sum
	if base.VsBaseline == nil || *base.VsBaseline != 1 {
		t.Errorf("baseline ratio to itself = %v, want 1", base.VsBaseline)
	}
	if nop.VsBaseline == nil || *nop.VsBaseline <= 0 || nop.VsFloor == nil || *nop.VsFloor != 1 {
		t.Errorf("responder ratios: to baseline %v, to itself %v", nop.VsBaseline, nop.VsFloor)
	}
	if base.VsFloor == nil {
		t.Error("baseline ratio to the responder not computed")
	}
	if nop.NginxUS <= 0 && nop.CheckerUS <= 0 {
		t.Error("no CPU time accounted to nginx or the responder")
	}

	md, err := os.ReadFile(filepath.Join(o.Out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| configuration |", "nginx → app (baseline)", "+ auth_request, do-nothing responder"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	svg, err := os.ReadFile(filepath.Join(o.Out, "report.svg"))
	if err != nil {
		t.Fatal(err)
	}
	checkXML(t, svg)
	var back report
	js, err := os.ReadFile(filepath.Join(o.Out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &back); err != nil || len(back.Rows) != 2 {
		t.Errorf("results.json: %v, %d rows", err, len(back.Rows))
	}
	if !strings.Contains(stdout.String(), "authnop/get") {
		t.Errorf("terminal table lacks the responder row:\n%s", stdout.String())
	}
}
