//go:build e2e

package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnixSocket runs sidewall on a unix socket (server.socket) and nginx's upstream
// pointed at it, as the comment in nginx/sidewall-http.conf describes.
func TestUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "auth.sock")
	st := startOwnStack(t, ownOptions{
		edit: func(cfg string) string {
			return strings.Replace(cfg, `socket = ""`, `socket = "`+sock+`"`, 1)
		},
		upstream: "unix:" + sock,
	})
	sw, listen := st.sw, strings.TrimPrefix(st.site, "http://")
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket %s: %v %v, want a socket with mode 0660", sock, fi.Mode(), err)
	}

	if r := getFrom(t, "http://"+listen, "/", "192.0.2.200"); r.status != http.StatusOK {
		t.Errorf("allowed request: status %d", r.status)
	}
	if r := getFrom(t, "http://"+listen, "/", "203.0.113.200"); r.status != http.StatusForbidden {
		t.Errorf("blocklisted request: status %d", r.status)
	}
	// TCP is still served beside the socket.
	if len(sw.LogLines(`"network":"unix"`)) != 1 || len(sw.LogLines(`"network":"tcp"`)) != 1 {
		t.Errorf("want one tcp and one unix listener in the log:\n%s", sw.Logs())
	}
	// A clean stop removes the socket file.
	if err := sw.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket file left behind after SIGTERM: %v", err)
	}
}
