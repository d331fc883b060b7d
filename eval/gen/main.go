// Command gen writes the corpora of `make eval` into eval/testdata from the generators
// of package corpus: go run ./eval/gen. The output is the same on every run; a test in
// eval/corpus checks that the committed files equal it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sidewall/sidewall/eval/corpus"
	"github.com/sidewall/sidewall/internal/stack"
)

func main() {
	dir := flag.String("dir", "", "testdata directory to write (default: eval/testdata of the project)")
	flag.Parse()
	if *dir == "" {
		root, err := stack.ProjectDir()
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		*dir = filepath.Join(root, "eval", "testdata")
	}
	files, err := corpus.Generate()
	if err == nil {
		err = corpus.Write(*dir, files)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	n := map[string]int{}
	for _, f := range files {
		n[f.Corpus] += len(f.Requests)
	}
	fmt.Printf("gen: wrote %d benign and %d attack requests to %s\n", n[corpus.Benign], n[corpus.Attack], *dir)
}
