package stack

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. Another process can
// take it before the caller listens; on this single-user test machine that does not happen
// in practice, and the start of each server fails loudly if it does.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("stack: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// WaitHTTP polls url until it answers with any HTTP status, or ctx ends.
func WaitHTTP(ctx context.Context, url string) error {
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stack: %s did not answer: %w", url, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// WaitTCP polls addr until it accepts a connection, or ctx ends.
func WaitTCP(ctx context.Context, network, addr string) error {
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stack: %s did not accept: %w", addr, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
