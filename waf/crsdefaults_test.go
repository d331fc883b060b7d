package waf

import (
	"strings"
	"testing"

	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

// TestCRSDefaultsFound: every default rule of the CRS's REQUEST-901 is read, in order,
// and nothing else (901001 denies a request when no setup was loaded; it stays).
func TestCRSDefaultsFound(t *testing.T) {
	ds, err := crsDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 22 {
		t.Errorf("%d default rules, want the 22 of CRS 4.25", len(ds))
	}
	got := map[int]crsDefault{}
	for i, d := range ds {
		got[d.id] = d
		if d.id < 901100 || d.id > 901999 {
			t.Errorf("rule %d is not one of 901's defaults", d.id)
		}
		if i > 0 && ds[i-1].name == "detection_paranoia_level" && d.name == "blocking_paranoia_level" {
			t.Error("blocking_paranoia_level comes after the default that expands it")
		}
	}
	for id, want := range map[int]crsDefault{
		901120: {901120, "blocking_paranoia_level", "1"},
		901125: {901125, "detection_paranoia_level", "%{TX.blocking_paranoia_level}"},
		901160: {901160, "allowed_methods", "GET HEAD POST OPTIONS"},
		901510: {901510, "allow_method_override_parameter", "0"},
	} {
		if got[id] != want {
			t.Errorf("rule %d read as %+v, want %+v", id, got[id], want)
		}
	}
	if _, ok := got[901001]; ok {
		t.Error("901001 (no setup loaded: deny) taken for a default")
	}
}

// TestCRSDefaultsAsTheRulesSetThem: the action leaves TX as the CRS's 22 rules, run as
// written, leave it, whatever of it a setup set before them: nothing, the paranoia level
// the default of the detection level expands, both levels, lists.
func TestCRSDefaultsAsTheRulesSetThem(t *testing.T) {
	registerPlugins()
	ds, err := crsDefaults()
	if err != nil {
		t.Fatal(err)
	}
	var rules strings.Builder
	for _, d := range ds {
		text, err := crsRule(crsDefaultsFile, d.id)
		if err != nil {
			t.Fatal(err)
		}
		rules.WriteString(text + "\n")
	}
	action, _, err := crsDefaultsSecLang()
	if err != nil {
		t.Fatal(err)
	}
	tx := func(t *testing.T, directives string) map[string][]string {
		t.Helper()
		w, err := coraza.NewWAF(coraza.NewWAFConfig().WithDirectives("SecRuleEngine On\n" + directives))
		if err != nil {
			t.Fatal(err)
		}
		tx := w.NewTransaction()
		defer tx.Close()
		tx.ProcessURI("/", "GET", "HTTP/1.1")
		tx.ProcessRequestHeaders()
		out := map[string][]string{}
		for _, d := range ds {
			out[d.name] = tx.(plugintypes.TransactionState).Variables().TX().Get(d.name)
		}
		return out
	}
	for name, setup := range map[string]string{
		"no setup":    "",
		"paranoia 3":  `SecAction "id:1,phase:1,pass,nolog,setvar:tx.blocking_paranoia_level=3"`,
		"both levels": `SecAction "id:1,phase:1,pass,nolog,setvar:tx.blocking_paranoia_level=2,setvar:tx.detection_paranoia_level=4"`,
		"lists":       `SecAction "id:1,phase:1,pass,nolog,setvar:'tx.allowed_methods=GET PUT',setvar:'tx.restricted_headers_extended=/x-debug/'"`,
	} {
		t.Run(name, func(t *testing.T) {
			want := tx(t, setup+"\n"+rules.String())
			got := tx(t, setup+"\n"+action)
			for _, d := range ds {
				if strings.Join(got[d.name], "|") != strings.Join(want[d.name], "|") || len(got[d.name]) != len(want[d.name]) {
					t.Errorf("tx.%s = %q, the CRS's rule %d sets %q", d.name, got[d.name], d.id, want[d.name])
				}
			}
			if name == "paranoia 3" && strings.Join(got["detection_paranoia_level"], "") != "3" {
				t.Errorf("detection_paranoia_level = %q, want 3", got["detection_paranoia_level"])
			}
		})
	}
}
