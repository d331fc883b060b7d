package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sidewall/sidewall/internal/stack"
)

// TestUnixSocket runs sidewall on a unix socket (server.socket) and nginx's upstream
// pointed at it, as the comment in nginx/sidewall-http.conf describes.
func TestUnixSocket(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "auth.sock")
	swAddr, _ := freeAddr()
	listen, _ := freeAddr()
	cfg, err := stack.ProjectConfig(swAddr)
	if err != nil {
		t.Fatal(err)
	}
	cfg = strings.Replace(cfg, `socket = ""`, `socket = "`+sock+`"`, 1)
	cfgPath := filepath.Join(dir, "socket.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sw, err := stack.StartSidewall(ctx, env.bin, cfgPath, swAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Stop()
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket %s: %v %v, want a socket with mode 0660", sock, fi.Mode(), err)
	}
	ngx, err := stack.StartNginx(ctx, stack.NginxOptions{
		Dir: filepath.Join(dir, "nginx"), Sidewall: "unix:" + sock, Listen: listen, App: env.app.Addr,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ngx.Stop()

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
