package main

import (
	"fmt"
	"html"
	"strings"
)

// The chart is hand-written SVG, like the bench's: two panels of horizontal bars, one bar
// per configuration in each row. The first shows the share of benign requests denied by
// kind (lower is better), the second the share of attack samples detected by class
// (higher is better).
const (
	chartWidth = 900
	labelWidth = 150
	plotWidth  = chartWidth - labelWidth - 80
	barHeight  = 6
)

var settingColors = []string{"#3182bd", "#e6550d", "#31a354", "#756bb1"}

func (r *report) chart() string {
	if len(r.Settings) == 0 {
		return `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>` + "\n"
	}
	rowH := barHeight*len(r.Settings) + 8
	kinds, classes := r.Settings[0].Benign.ByKind, r.Settings[0].Attack.ByClass
	p1 := len(kinds)*rowH + 10
	p2 := len(classes)*rowH + 10
	height := 44 + 16*len(r.Settings) + 16 + p1 + 60 + p2 + 50
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", chartWidth, height, chartWidth, height)
	fmt.Fprintln(&b, `<rect width="100%" height="100%" fill="#fff"/>`)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", esc(fmt.Sprintf("sidewall precision and recall, %s: %d benign, %d attack requests", r.Started.Format("2006-01-02"), r.Benign, r.Attack)))
	for i, s := range r.Settings { // the legend, a line per configuration
		label := fmt.Sprintf("%s: benign denied %s, attacks detected %s (%s)", s.Setting.ID, pct(s.Benign.Denied, s.Benign.Total), pct(s.Attack.Detected, s.Attack.Total), s.Setting.Title)
		y := 32 + 16*i
		fmt.Fprintf(&b, `<rect x="10" y="%d" width="10" height="10" fill="%s"/><text x="24" y="%d">%s</text>`+"\n", y, settingColors[i%len(settingColors)], y+9, esc(label))
	}
	top := 44 + 16*len(r.Settings)
	panel := func(y0 int, title string, groups func(*settingResult) []count, n int) {
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y0-6, esc(title))
		h := n*rowH + 4
		for v := 0; v <= 100; v += 20 {
			px := float64(labelWidth) + float64(v)/100*float64(plotWidth)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/><text x="%.1f" y="%d" text-anchor="middle" fill="#666">%d%%</text>`+"\n", px, y0, px, y0+h, px, y0+h+14, v)
		}
		for i := range n {
			y := y0 + i*rowH + 4
			fmt.Fprintf(&b, `<text x="10" y="%d">%s</text>`+"\n", y+rowH/2+2, esc(groups(r.Settings[0])[i].Name))
			for j, s := range r.Settings {
				c := groups(s)[i]
				w := c.share() * float64(plotWidth)
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`+"\n", labelWidth, y+j*barHeight, w, barHeight-1,
					settingColors[j%len(settingColors)], esc(fmt.Sprintf("%s, %s: %d of %d (%s)", c.Name, s.Setting.ID, c.Hits, c.Total, pct(c.Hits, c.Total))))
				if j == 0 || c.Hits != groups(r.Settings[0])[i].Hits {
					fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="9" fill="#444">%s</text>`+"\n", float64(labelWidth)+w+3, y+j*barHeight+barHeight, pct(c.Hits, c.Total))
				}
			}
		}
	}
	panel(top+16, "Benign requests denied, by kind (lower is better)", func(s *settingResult) []count { return s.Benign.ByKind }, len(kinds))
	panel(top+16+p1+60, "Attack samples detected, by class (higher is better)", func(s *settingResult) []count { return s.Attack.ByClass }, len(classes))
	fmt.Fprintf(&b, `<text x="10" y="%d" fill="#666">%s</text>`+"\n", height-10, esc("Through real nginx (the body path) and sidewall; each bar is a share of the requests sidewall judged. make eval; eval/README in eval/testdata."))
	b.WriteString("</svg>\n")
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }
