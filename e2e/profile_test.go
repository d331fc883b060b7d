//go:build e2e

package e2e

import (
	"net/http"
	"testing"
)

// TestWAFProfiles checks config.toml's profiles through the example site's locations:
// /api/ (profile "api", anomaly threshold 10) lets through what [waf] denies at 5, and
// /admin/ (profile "admin", paranoia level 2) denies what paranoia level 1 lets through.
func TestWAFProfiles(t *testing.T) {
	const sqli = "?id=1%27%20OR%20%271%27%3D%271"                     // 942100 (5) + 920350 numeric Host (3): score 8
	const offsite = "?next=https%3A%2F%2Fother.example.net%2Fwelcome" // 931130 at paranoia level 2
	tests := []struct {
		uri  string
		want int
	}{
		{"/items" + sqli, http.StatusForbidden},
		{"/api/items" + sqli, http.StatusOK},
		{"/items" + offsite, http.StatusOK},
		{"/admin/login" + offsite, http.StatusForbidden},
		{"/api/items" + offsite, http.StatusOK},
	}
	for _, tc := range tests {
		if r := get(t, tc.uri, "192.0.2.210"); r.status != tc.want {
			t.Errorf("%s: status %d, want %d", tc.uri, r.status, tc.want)
		}
	}
}
