package stack

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
)

// Upstream is the demo application behind nginx: it answers 200 to every request and
// echoes back what it received, so a user (or a test) sees that an allowed request arrives
// intact. The body is:
//
//	METHOD URI
//	<the request body, byte for byte>
//
// and the method and body length are repeated in X-Echo-Method and X-Echo-Body-Length.
type Upstream struct {
	Addr string // host:port it listens on
	srv  *http.Server
	ln   net.Listener
}

// StartUpstream listens on addr ("127.0.0.1:0" for any free port) and serves until Close.
func StartUpstream(addr string) (*Upstream, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("stack: upstream: %w", err)
	}
	u := &Upstream{Addr: ln.Addr().String(), ln: ln}
	u.srv = &http.Server{Handler: http.HandlerFunc(echo)}
	go u.srv.Serve(ln)
	return u, nil
}

// Close stops the upstream.
func (u *Upstream) Close() error { return u.srv.Close() }

func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Echo-Method", r.Method)
	w.Header().Set("X-Echo-Body-Length", strconv.Itoa(len(body)))
	fmt.Fprintf(w, "%s %s\n", r.Method, r.RequestURI)
	w.Write(body)
}
