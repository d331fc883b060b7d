// Command demo brings up the whole local demo on one command (make run): the echo
// upstream on 127.0.0.1:8081, sidewall with config.toml on 127.0.0.1:9090 (its admin API
// on 127.0.0.1:9091), and Debian's nginx serving nginx/example-site.conf on
// http://127.0.0.1:8080/. Ctrl-C stops all three.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
)

func main() {
	bin := flag.String("sidewall", "bin/sidewall", "the sidewall `binary`")
	config := flag.String("config", "config.toml", "sidewall's configuration `file`")
	flag.Parse()
	if err := run(*bin, *config); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(bin, config string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp("", "sidewall-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	app, err := stack.StartUpstream(stack.DefaultAppAddr)
	if err != nil {
		return err
	}
	defer app.Close()

	sw, err := stack.StartSidewall(ctx, bin, config, stack.DefaultSidewallAddr)
	if err != nil {
		return err
	}
	defer sw.Stop()

	ngx, err := stack.StartNginx(ctx, stack.NginxOptions{Dir: filepath.Join(dir, "nginx")})
	if err != nil {
		return err
	}
	defer ngx.Stop()

	fmt.Printf(`
sidewall demo is running:
  nginx     http://127.0.0.1:8080/   (nginx/example-site.conf; access log %s)
  sidewall  http://%s        (%s; its log lines follow below)
  upstream  http://%s        (echoes back the method, URI and body it receives)
  admin API http://%s        (bans; demo token %s: demo only, it is public)

Try:
  curl -i http://127.0.0.1:8080/                                      # 200 from the upstream
  curl -i -H 'X-Forwarded-For: 203.0.113.7' http://127.0.0.1:8080/    # 403: blocklisted range
  curl -i -H 'X-Forwarded-For: 2001:db8:bad::1' http://127.0.0.1:8080/ # 403: blocklisted IPv6 range
  for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%%{http_code} ' http://127.0.0.1:8080/login; done; echo
                                                                      # 200 x5, then 429 with Retry-After
  curl -i "http://127.0.0.1:8080/?id=1%%27%%20OR%%20%%271%%27%%3D%%271"       # 403 from the OWASP CRS: 1' OR '1'='1
  curl -i -X POST --data 'name=alice&comment=hello' http://127.0.0.1:8080/form  # 200, body echoed back

  Ban a client for an hour, see it denied, list the bans, lift it:
  curl -s -H 'Authorization: Bearer %[6]s' -d '{"addr": "192.0.2.9", "ttl": "1h", "reason": "demo"}' http://%[5]s/bans
  curl -i -H 'X-Forwarded-For: 192.0.2.9' http://127.0.0.1:8080/     # 403: banned
  curl -s -H 'Authorization: Bearer %[6]s' http://%[5]s/bans
  curl -s -H 'Authorization: Bearer %[6]s' -X DELETE http://%[5]s/bans/192.0.2.9
  curl -i http://%[5]s/bans                                  # 401: no token

Press Ctrl-C to stop.

`, ngx.AccessLog, sw.Addr, config, app.Addr, stack.DefaultAdminAddr, demoToken)

	go tailLogs(ctx, sw)
	<-ctx.Done()
	fmt.Println("\nstopping the demo")
	return nil
}

// tailLogs prints sidewall's log lines as they come.
func tailLogs(ctx context.Context, sw *stack.Sidewall) {
	printed := 0
	for {
		logs := sw.Logs()
		if len(logs) > printed {
			fmt.Print(logs[printed:])
			printed = len(logs)
		}
		select {
		case <-ctx.Done():
			return
		case <-afterTick():
		}
	}
}

func afterTick() <-chan time.Time { return time.After(200 * time.Millisecond) }

// demoToken is config.toml's admin.token: public, for the demo only.
const demoToken = "demo-token-not-a-secret"
