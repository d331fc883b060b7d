package server

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

type inmemory struct {
	ln *fasthttputil.InmemoryListener
}

// startInmemory serves s on an in-memory listener for the duration of the test.
func startInmemory(t *testing.T, s *Server) *inmemory {
	ln := fasthttputil.NewInmemoryListener()
	go s.Serve(ln)
	t.Cleanup(func() { ln.Close() })
	return &inmemory{ln}
}

// roundTrip writes raw on a new connection and reads one response.
func (c *inmemory) roundTrip(t *testing.T, raw string) (int, string) {
	t.Helper()
	conn, err := c.ln.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	go func(conn net.Conn) { conn.Write([]byte(raw)) }(conn)
	var resp fasthttp.Response
	if err := resp.Read(bufio.NewReader(conn)); err != nil {
		t.Fatalf("no response to %.40q: %v", raw, err)
	}
	return resp.StatusCode(), string(resp.Header.Peek(HeaderAction))
}
