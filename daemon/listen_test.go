package daemon

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestListenSocket: a unix socket gets its configured mode, and a stale
// socket file left by a crash does not stop the bind.
func TestListenSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "admin.sock")
	for range 2 { // the second round finds the first's file
		lns, err := listen("", sock, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(sock)
		if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
			t.Errorf("socket %v %v, want a socket with mode 0600", fi.Mode(), err)
		}
		for _, ln := range lns {
			if ul, ok := ln.(*net.UnixListener); ok {
				ul.SetUnlinkOnClose(false) // as a crash would leave it
			}
			ln.Close()
		}
	}
}
