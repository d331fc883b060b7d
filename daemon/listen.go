package daemon

import (
	"fmt"
	"io/fs"
	"net"
	"os"
)

// listen opens a TCP listener on addr and a unix socket at socket with the file mode
// mode, each unless it is "": the decision server's listeners and the admin API's alike.
// On error it closes what it opened.
func listen(addr, socket string, mode fs.FileMode) ([]net.Listener, error) {
	var lns []net.Listener
	fail := func(err error) ([]net.Listener, error) {
		for _, ln := range lns {
			ln.Close()
		}
		return nil, err
	}
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fail(fmt.Errorf("listen on %s: %w", addr, err))
		}
		lns = append(lns, ln)
	}
	if socket != "" {
		// A socket file left by a process that died would make the bind fail. Only a
		// socket is removed: a regular file at the path is a mistake to report.
		if fi, err := os.Lstat(socket); err == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(socket)
		}
		ln, err := net.Listen("unix", socket)
		if err != nil {
			return fail(fmt.Errorf("listen on %s: %w", socket, err))
		}
		lns = append(lns, ln)
		if err := os.Chmod(socket, mode); err != nil {
			return fail(fmt.Errorf("chmod %s: %w", socket, err))
		}
	}
	return lns, nil
}
