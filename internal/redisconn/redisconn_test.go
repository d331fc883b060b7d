package redisconn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
)

// The tests run real redis-server processes (a standalone server with TLS and an ACL
// user, a cluster, a Sentinel set), as `make test` installs them; without redis-server
// they skip, unless stack.RedisRequired.

func skipWithoutRedis(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, stack.ErrNoRedis) && !stack.RedisRequired() {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// events records what a Conn reports.
type events struct {
	mu  sync.Mutex
	all []Event
}

func (e *events) report(ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func (e *events) of(kind EventKind) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Event
	for _, ev := range e.all {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// waitFor polls cond until it holds, for 20 s at most: a deadline for what never
// happens, not a measure of how fast it does.
func waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("%s: not after %v", what, time.Since(start))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// roundTrip writes and reads key through c's client, with a short timeout.
func roundTrip(c *Conn, key string) error {
	client, err := c.Client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := client.Do(ctx, client.B().Set().Key(key).Value("v").Build()).Error(); err != nil {
		return err
	}
	v, err := client.Do(ctx, client.B().Get().Key(key).Build()).ToString()
	if err == nil && v != "v" {
		err = fmt.Errorf("read %q back", v)
	}
	return err
}

func TestDialRefusesBadOptions(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    Options
		want []string
	}{
		{"no shape", Options{}, []string{"exactly one"}},
		{"two shapes", Options{Addr: "127.0.0.1:1", Cluster: []string{"127.0.0.1:2"}}, []string{"exactly one"}},
		{"sentinels without a set", Options{Sentinels: []string{"127.0.0.1:1"}}, []string{"go together"}},
		{"a set without sentinels", Options{Addr: "127.0.0.1:1", MasterSet: "m"}, []string{"go together"}},
		{"cluster database", Options{Cluster: []string{"127.0.0.1:1"}, DB: 2}, []string{"database 0 only, got 2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Dial(tt.o)
			if c != nil || err == nil {
				t.Fatalf("Dial = %v, %v; want an error", c, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestStandaloneDownAtStart: a standalone Conn has its client even when nothing listens;
// calls fail until Redis answers.
func TestStandaloneDownAtStart(t *testing.T) {
	port, err := stack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Dial(Options{Addr: fmt.Sprintf("127.0.0.1:%d", port)})
	if c == nil || err == nil || !strings.HasPrefix(err.Error(), "redisconn: 127.0.0.1:") {
		t.Fatalf("Dial of a closed port = %v, %v; want a Conn and the error", c, err)
	}
	defer c.Close()
	if client, err := c.Client(); client == nil || err != nil {
		t.Errorf("Client() = %v, %v; want the standalone client", client, err)
	}
	if err := roundTrip(c, "k"); err == nil {
		t.Error("a call to a closed port succeeded")
	}
}

// TestClusterConnectsLateAndFollowsFailover: a Conn to a cluster whose nodes are all down
// at start has no client and says why; it connects once they are back, reports the
// masters, and when a master is killed reports its replica taking over, and calls to its
// slots work again.
func TestClusterConnectsLateAndFollowsFailover(t *testing.T) {
	ctx := context.Background()
	cl, err := stack.StartRedisCluster(ctx, t.TempDir(), 3, 1)
	skipWithoutRedis(t, err)
	defer cl.Stop()
	cl.Stop() // the nodes keep their cluster configuration (nodes.conf) for the restart

	var ev events
	c, err := Dial(Options{Cluster: cl.Seeds(), Report: ev.report})
	if c == nil || err == nil {
		t.Fatalf("Dial with every node down = %v, %v; want a Conn and the error", c, err)
	}
	defer c.Close()
	if _, err := c.Client(); !errors.Is(err, ErrNotConnected) || !strings.Contains(err.Error(), "cluster 127.0.0.1:") {
		t.Fatalf("Client() before the cluster is up: %v; want ErrNotConnected naming the cluster", err)
	}
	for _, n := range cl.Nodes {
		if err := n.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "connected and the masters reported", func() bool { return len(ev.of(EventMasters)) == 1 })
	if len(ev.of(EventConnected)) != 1 {
		t.Errorf("EventConnected reported %d times, want once", len(ev.of(EventConnected)))
	}
	if m := ev.of(EventMasters)[0].Masters; len(m) != 3 || !strings.HasPrefix(m[0], "slots ") {
		t.Errorf("masters reported: %q; want three slot ranges", m)
	}

	const key = "redisconn:test"
	if err := roundTrip(c, key); err != nil {
		t.Fatal(err)
	}
	master, err := cl.MasterOf(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	master.Kill()
	took := waitFor(t, "the new master reported", func() bool { return len(ev.of(EventNewMaster)) > 0 })
	e := ev.of(EventNewMaster)[0]
	if e.From != master.Addr || e.To == master.Addr || !strings.HasPrefix(e.Where, "slots ") {
		t.Errorf("reported %+v; want the slots of %s moving to another node", e, master.Addr)
	}
	waitFor(t, "calls to the killed master's slots work again", func() bool { return roundTrip(c, key) == nil })
	t.Logf("after the kill: the new master reported in %v, calls work again after %v",
		took.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
}

// TestSentinelConnectsLateAndFollowsFailover: the same through Sentinels.
func TestSentinelConnectsLateAndFollowsFailover(t *testing.T) {
	ctx := context.Background()
	set, err := stack.StartRedisSentinel(ctx, t.TempDir())
	skipWithoutRedis(t, err)
	defer set.Stop()
	for _, s := range set.Sentinels {
		s.Stop()
	}

	var ev events
	c, err := Dial(Options{Sentinels: set.Addrs(), MasterSet: stack.SentinelMasterSet, Report: ev.report})
	if c == nil || err == nil {
		t.Fatalf("Dial with the sentinels down = %v, %v; want a Conn and the error", c, err)
	}
	defer c.Close()
	if _, err := c.Client(); !errors.Is(err, ErrNotConnected) || !strings.Contains(err.Error(), "sentinel "+stack.SentinelMasterSet) {
		t.Fatalf("Client() before the sentinels are up: %v; want ErrNotConnected naming the set", err)
	}
	for _, s := range set.Sentinels {
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "connected and the master reported", func() bool { return len(ev.of(EventMasters)) == 1 })
	master, err := set.Master(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m := ev.of(EventMasters)[0].Masters; len(m) != 1 || m[0] != stack.SentinelMasterSet+" "+master.Addr {
		t.Errorf("masters reported: %q; want %s %s", m, stack.SentinelMasterSet, master.Addr)
	}
	if err := roundTrip(c, "k"); err != nil {
		t.Fatal(err)
	}
	if err := set.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}

	killed := time.Now()
	master.Kill()
	took := waitFor(t, "the new master reported", func() bool { return len(ev.of(EventNewMaster)) > 0 })
	e := ev.of(EventNewMaster)[0]
	if e.Where != stack.SentinelMasterSet || e.From != master.Addr || e.To == master.Addr {
		t.Errorf("reported %+v; want %s moving from %s", e, stack.SentinelMasterSet, master.Addr)
	}
	waitFor(t, "calls work again", func() bool { return roundTrip(c, "k") == nil })
	t.Logf("after the kill: the new master reported in %v, calls work again after %v",
		took.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
}

// TestTLSAndACL runs a Redis that speaks TLS only, requires a client certificate, and
// has an ACL user, with a throwaway CA: the right CA, certificate, server name and
// password connect as that user; each wrong one fails.
func TestTLSAndACL(t *testing.T) {
	dir := t.TempDir()
	pki := newPKI(t, dir)
	srv, err := stack.StartRedisWith(context.Background(), dir, stack.RedisOptions{
		TLS: pki.client("redis.test", true),
		Args: []string{
			"--tls-cert-file", pki.serverCert, "--tls-key-file", pki.serverKey,
			"--tls-ca-cert-file", pki.caFile, "--tls-auth-clients", "yes",
			"--user", "sidewall", "on", ">s3cret", "~*", "&*", "+@all",
		},
	})
	skipWithoutRedis(t, err)
	defer srv.Stop()

	for _, tt := range []struct {
		name     string
		tls      *tls.Config
		password string
		want     string // "" for success, "any" for any error, else part of the error
	}{
		{"verified, with a certificate", pki.client("redis.test", true), "s3cret", ""},
		// The server resets these; how the client sees it depends on timing.
		{"no TLS", nil, "s3cret", "any"},
		{"no client certificate", pki.client("redis.test", false), "s3cret", "any"},
		{"wrong server name", pki.client("other.test", true), "s3cret", "certificate is valid for"},
		{"unknown CA", &tls.Config{ServerName: "redis.test", Certificates: pki.client("", true).Certificates}, "s3cret", "unknown authority"},
		{"wrong password", pki.client("redis.test", true), "wrong", "WRONGPASS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Dial(Options{Addr: srv.Addr, Username: "sidewall", Password: tt.password, TLS: tt.tls})
			if c == nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err == nil {
				err = roundTrip(c, "tls")
			}
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				client, _ := c.Client()
				who, err := client.Do(context.Background(), client.B().AclWhoami().Build()).ToString()
				if err != nil || who != "sidewall" {
					t.Errorf("ACL WHOAMI = %q, %v; want sidewall", who, err)
				}
				return
			}
			if err == nil || (tt.want != "any" && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("error %v; want one with %q", err, tt.want)
			}
		})
	}
}

// pki is a throwaway CA with a server and a client certificate, in PEM files.
type pki struct {
	caFile, serverCert, serverKey string
	ca                            *x509.CertPool
	clientCert                    tls.Certificate
}

func newPKI(t *testing.T, dir string) *pki {
	t.Helper()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sidewall test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		if usage == x509.ExtKeyUsageServerAuth {
			tmpl.DNSNames = []string{"redis.test"}
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	p := &pki{caFile: filepath.Join(dir, "ca.pem"), serverCert: filepath.Join(dir, "server.pem"),
		serverKey: filepath.Join(dir, "server.key"), ca: x509.NewCertPool()}
	p.ca.AddCert(ca)
	writePEM(t, p.caFile, "CERTIFICATE", caDER)
	der, key := leaf(2, "redis.test", x509.ExtKeyUsageServerAuth)
	writePEM(t, p.serverCert, "CERTIFICATE", der)
	writePEM(t, p.serverKey, "PRIVATE KEY", marshalKey(t, key))
	der, key = leaf(3, "sidewall", x509.ExtKeyUsageClientAuth)
	p.clientCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return p
}

// client is a TLS configuration trusting the CA, for serverName, with the client
// certificate or without.
func (p *pki) client(serverName string, withCert bool) *tls.Config {
	c := &tls.Config{RootCAs: p.ca, ServerName: serverName}
	if withCert {
		c.Certificates = []tls.Certificate{p.clientCert}
	}
	return c
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func marshalKey(t *testing.T, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	b, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
