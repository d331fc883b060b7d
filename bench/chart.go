package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// The chart is hand-written SVG: two panels over the measured rows. The first has a bar
// per row for its throughput relative to the baseline (median ratio, with the min-max of
// the rounds as a whisker); the second the p50 and p99 latency on a log scale, since the
// WAF rows are one to two orders of magnitude slower than the rest.
const (
	chartWidth = 960
	labelWidth = 390
	plotWidth  = chartWidth - labelWidth - 70
	rowHeight  = 22
	panelGap   = 56
	chartTop   = 44
)

func (r *report) chart() string {
	var rows []*row
	for _, w := range r.Rows {
		if w.Sum != nil {
			rows = append(rows, w)
		}
	}
	panelH := len(rows)*rowHeight + 10
	height := chartTop + 2*panelH + panelGap + 70
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="15" font-weight="bold">%s</text>`+"\n",
		esc(fmt.Sprintf("sidewall bench, %d × %s, %s", r.Machine.CPUs, r.Machine.CPUModel, r.Started.Format("2006-01-02"))))

	// Panel 1: throughput relative to the baseline.
	y0 := chartTop
	maxRatio := 1.0
	for _, w := range rows {
		if w.Sum.VsBaselineMax != nil {
			maxRatio = math.Max(maxRatio, *w.Sum.VsBaselineMax)
		}
	}
	maxRatio = math.Ceil(maxRatio*5) / 5
	fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">Throughput relative to nginx → app with the same method (median of rounds; whisker: min–max)</text>`+"\n", y0-6)
	x := func(v float64) float64 { return float64(labelWidth) + v/maxRatio*float64(plotWidth) }
	for v := 0.0; v <= maxRatio+1e-9; v += 0.2 {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x(v), y0, x(v), y0+panelH)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#666">%.1f</text>`+"\n", x(v), y0+panelH+14, v)
	}
	for i, w := range rows {
		y := y0 + i*rowHeight + 4
		label(&b, w, y)
		if w.Sum.VsBaseline == nil {
			fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#666">no baseline</text>`+"\n", labelWidth+4, y+13)
			continue
		}
		v := *w.Sum.VsBaseline
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`+"\n",
			labelWidth, y+2, x(v)-float64(labelWidth), rowHeight-8, color(w), esc(fmt.Sprintf("%s: %.2f × baseline, %.0f req/s", w.ID, v, w.Sum.RPS)))
		if w.Sum.VsBaselineMin != nil {
			ym := float64(y) + float64(rowHeight-4)/2
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`+"\n", x(*w.Sum.VsBaselineMin), ym, x(*w.Sum.VsBaselineMax), ym)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%.2f · %.0f/s</text>`+"\n", x(math.Max(v, *w.Sum.VsBaselineMax))+5, y+13, v, w.Sum.RPS)
	}

	// Panel 2: latency, log scale from 0.1 ms to the next power of ten above the worst p99.
	y0 += panelH + panelGap
	hi := 1.0
	for _, w := range rows {
		hi = math.Max(hi, w.Sum.P99US/1000)
	}
	decades := math.Ceil(math.Log10(hi)) + 1 // from 0.1 ms
	lx := func(ms float64) float64 {
		ms = math.Max(ms, 0.1)
		return float64(labelWidth) + (math.Log10(ms)+1)/decades*float64(plotWidth)
	}
	fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">Latency, ms, log scale: p50 (dark) and p99 (light), median of rounds</text>`+"\n", y0-6)
	for d := 0.0; d <= decades; d++ {
		ms := math.Pow(10, d-1)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", lx(ms), y0, lx(ms), y0+panelH)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#666">%g</text>`+"\n", lx(ms), y0+panelH+14, ms)
	}
	for i, w := range rows {
		y := y0 + i*rowHeight + 4
		label(&b, w, y)
		p50, p99 := w.Sum.P50US/1000, w.Sum.P99US/1000
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s" opacity="0.35"><title>%s p99 %.2f ms</title></rect>`+"\n",
			labelWidth, y+2, lx(p99)-float64(labelWidth), rowHeight-8, color(w), esc(w.ID), p99)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s p50 %.2f ms</title></rect>`+"\n",
			labelWidth, y+2, lx(p50)-float64(labelWidth), rowHeight-8, color(w), esc(w.ID), p50)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s / %s</text>`+"\n", lx(p99)+5, y+13, fmtMS(w.Sum.P50US), fmtMS(w.Sum.P99US))
	}
	fmt.Fprintf(&b, `<text x="10" y="%d" fill="#666">%s</text>`+"\n", height-12,
		esc(fmt.Sprintf("%d rounds of %s; wrk -t%d -c%d; nginx workers %d. Attack rows are 403s, counted as completed requests.",
			r.Settings.Rounds, r.Settings.Duration, r.Settings.Threads, r.Settings.Conns, r.Settings.Workers)))
	b.WriteString("</svg>\n")
	return b.String()
}

func label(b *strings.Builder, w *row, y int) {
	fmt.Fprintf(b, `<text x="10" y="%d">%s</text>`+"\n", y+13, esc(w.Title+", "+kindLabel(w.Kind)))
}

// color groups the rows: grey for nginx alone, blue for sidewall's architecture, orange
// for the alternatives.
func color(w *row) string {
	switch {
	case w.Target == "baseline":
		return "#888"
	case w.Target == "authnop" || w.Target == "bodynop":
		return "#9ecae1"
	case w.Target == "lite" || w.Target == "literedis" || w.Target == "sidewall" || w.Target == "sidewallbody":
		return "#3182bd"
	}
	return "#e6550d"
}

func esc(s string) string { return html.EscapeString(s) }
