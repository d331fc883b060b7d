package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// progress writes the line that says where a run is. On a terminal it rewrites one line in
// place; elsewhere (make's output piped to a file, CI) it writes one line per update, so
// the log still tells what ran.
type progress struct {
	w        io.Writer
	terminal bool
	width    int // of the line on screen, to blank it
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

// update replaces the progress line.
func (p *progress) update(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if !p.terminal {
		fmt.Fprintln(p.w, line)
		return
	}
	pad := ""
	if n := p.width - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
	p.width = len(line)
}

// say writes a line of its own (a setup step), below any progress line.
func (p *progress) say(format string, args ...any) {
	p.done()
	fmt.Fprintf(p.w, format+"\n", args...)
}

// done ends the progress line.
func (p *progress) done() {
	if p.terminal && p.width > 0 {
		fmt.Fprintln(p.w)
		p.width = 0
	}
}
