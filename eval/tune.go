package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sidewall/sidewall/eval/corpus"
	"github.com/sidewall/sidewall/tune"
)

// tuningResult measures `sidewall tune` the way an operator would use it: its proposals
// from the denials of one half of the benign corpus (the "site's traffic" it learned
// from), applied by a reload, against the other half and against every attack.
type tuningResult struct {
	Proposals      int      `json:"proposals"`
	TrainDenied    int      `json:"train_denied"`    // denied benign requests it learned from
	TestTotal      int      `json:"test_total"`      // benign requests of the other half
	TestBefore     int      `json:"test_before"`     // of those, denied before tuning
	TestAfter      int      `json:"test_after"`      // and after
	AttacksBefore  int      `json:"attacks_before"`  // attack samples detected before tuning
	AttacksAfter   int      `json:"attacks_after"`   // and after
	AttacksExcused []string `json:"attacks_excused"` // detected before, passed after
	StillDenied    []string `json:"still_denied"`    // benign requests of the other half denied after tuning
	TOML           string   `json:"toml"`            // the proposals
}

// inTrainingHalf splits the benign corpus in two halves by a hash of the request id: the
// same every run, and mixed over kinds and sites.
func inTrainingHalf(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%2 == 0
}

// tuneAndReplay runs the tuning measurement on setting s (whose outcomes before tuning
// are outs): it feeds sidewall's log lines of the training half's denials to tune,
// reloads sidewall with the proposals added to its configuration, and replays the other
// half and the attacks.
func (b *bench) tuneAndReplay(ctx context.Context, s setting, reqs []*corpus.Request, outs []outcome, firstAddr, conc int, stderr io.Writer) (*tuningResult, error) {
	res := &tuningResult{}
	train := map[string]bool{} // request ids of the training half's denials
	var test []*corpus.Request
	before := map[string]string{} // corpus id -> outcome before tuning
	for i, r := range reqs {
		before[r.ID] = outs[i].Outcome
		switch {
		case r.Class != "":
			test = append(test, r)
			if outs[i].Outcome == outDenied {
				res.AttacksBefore++
			}
		case inTrainingHalf(r.ID):
			if outs[i].Outcome == outDenied {
				train[outs[i].RequestID] = true
				res.TrainDenied++
			}
		default:
			test = append(test, r)
			res.TestTotal++
			if outs[i].Outcome == outDenied {
				res.TestBefore++
			}
		}
	}
	var lines strings.Builder
	for line := range strings.Lines(b.sw.Logs()) {
		for id := range train {
			if strings.Contains(line, `"request_id":"`+id+`"`) {
				lines.WriteString(line)
				break
			}
		}
	}
	ds, err := tune.Read(strings.NewReader(lines.String()))
	if err != nil {
		return nil, err
	}
	ps := tune.Propose(ds, tune.Options{})
	res.Proposals = len(ps)
	var toml strings.Builder
	if err := tune.WriteTOML(&toml, ps, len(ds)); err != nil {
		return nil, err
	}
	res.TOML = toml.String()

	// Reload with the proposals, as an operator would after reviewing them.
	cfg, err := os.ReadFile(b.cfgPath)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(b.cfgPath, append(cfg, "\n"+res.TOML...), 0o644); err != nil {
		return nil, err
	}
	reloaded := func() int { return len(b.sw.LogLines(`"msg":"reloaded"`)) }
	n := reloaded()
	if err := b.sw.Signal(syscall.SIGHUP); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(20 * time.Second); reloaded() == n; time.Sleep(50 * time.Millisecond) {
		if refused := b.sw.LogLines("reload refused"); len(refused) > 0 {
			return nil, fmt.Errorf("reload with the proposals refused: %s", refused[len(refused)-1])
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("sidewall did not reload with the proposals within 20s")
		}
	}
	fmt.Fprintf(stderr, "eval: tuned with %d proposals from %d denials of the training half; replaying the other half and the attacks\n", len(ps), res.TrainDenied)
	after := b.replay(ctx, s, test, firstAddr, conc, func(int) {})
	for i, r := range test {
		denied := after[i].Outcome == outDenied
		switch {
		case r.Class == "" && denied:
			res.TestAfter++
			res.StillDenied = append(res.StillDenied, r.ID)
		case r.Class != "" && denied:
			res.AttacksAfter++
		case r.Class != "" && before[r.ID] == outDenied:
			res.AttacksExcused = append(res.AttacksExcused, r.ID)
		}
	}
	slices.Sort(res.AttacksExcused)
	return res, os.WriteFile(filepath.Join(filepath.Dir(b.cfgPath), "tune.toml"), []byte(res.TOML), 0o644)
}

// markdown writes the tuning section of the report.
func (t *tuningResult) markdown(w io.Writer) {
	fmt.Fprint(w, "\n## Tuning for the site's own traffic\n\n")
	fmt.Fprintf(w, "`sidewall tune` read sidewall's log of the %d benign requests denied in one half of the benign corpus (split by a hash of the request id) and proposed %d exclusions (`eval/out/tune.toml`). With them added to the configuration (a reload), the other half of the benign corpus and every attack sample were replayed again under the shipped defaults:\n\n",
		t.TrainDenied, t.Proposals)
	fmt.Fprintln(w, "| | before tuning | after tuning |")
	fmt.Fprintln(w, "|---|---:|---:|")
	fmt.Fprintf(w, "| benign requests denied, the other half (%d) | %d | %d |\n", t.TestTotal, t.TestBefore, t.TestAfter)
	fmt.Fprintf(w, "| attack samples detected | %d | %d |\n", t.AttacksBefore, t.AttacksAfter)
	fmt.Fprintln(w)
	removed := 0.0
	if t.TestBefore > 0 {
		removed = 100 * float64(t.TestBefore-t.TestAfter) / float64(t.TestBefore)
	}
	fmt.Fprintf(w, "The proposals removed %.0f%% of the false positives of the half they did not learn from", removed)
	if len(t.AttacksExcused) == 0 {
		fmt.Fprintln(w, ", and excused no attack sample.")
	} else {
		fmt.Fprintf(w, "; they excused %d attack samples: %s.\n", len(t.AttacksExcused), strings.Join(t.AttacksExcused, ", "))
	}
}
