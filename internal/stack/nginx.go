package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The addresses written in the shipped nginx files, which NginxOptions rewrite.
const (
	DefaultSidewallAddr = "127.0.0.1:9090" // nginx/sidewall-http.conf, upstream sidewall
	DefaultSiteListen   = "127.0.0.1:8080" // nginx/example-site.conf, listen
	DefaultAppAddr      = "127.0.0.1:8081" // nginx/example-site.conf, the demo upstream
	DefaultReadTimeout  = "5s"             // nginx/sidewall-request-headers.conf, proxy_read_timeout
)

// NginxOptions describe one nginx instance.
type NginxOptions struct {
	// Dir is a private scratch directory for the configuration, logs, pid and temp files.
	Dir string
	// ProjectNginx is the project's nginx/ directory; "" finds it from the working
	// directory (see ProjectDir).
	ProjectNginx string
	// Sidewall is sidewall's address for the upstream block: "127.0.0.1:PORT" or
	// "unix:/path/to.sock". "" keeps the shipped default.
	Sidewall string
	// Listen is the example site's listen address ("127.0.0.1:PORT"). "" keeps the default.
	Listen string
	// App is the demo upstream's address. "" keeps the default.
	App string
	// NoExampleSite leaves nginx/example-site.conf out, for callers that bring their own
	// servers only.
	NoExampleSite bool
	// Servers are extra server { } blocks, placed after the example site. They may include
	// the project's files (include sidewall/...).
	Servers []string
	// Workers is worker_processes; 0 means 1.
	Workers int
	// HTTP is extra text for the http { } block (e.g. a log_format).
	HTTP string
	// Main is extra text for the main context, before events { }: load_module lines for
	// dynamic modules (the bench's ModSecurity), which the generated configuration does
	// not load otherwise.
	Main string
	// ReadTimeout replaces the shipped proxy_read_timeout of the requests to sidewall
	// (DefaultReadTimeout, in nginx/sidewall-request-headers.conf), so that a test of a
	// sidewall that hangs need not wait that long. "" keeps the shipped value.
	ReadTimeout string
}

// Nginx is a running nginx.
type Nginx struct {
	Dir       string
	ErrorLog  string // path of the error log
	AccessLog string // path of the access log of the example site and of Servers
	cmd       *exec.Cmd
	exited    chan struct{} // closed when the process has exited
	err       error         // its exit status, once exited is closed
}

// NginxBinary finds Debian's nginx: on PATH, or in /usr/sbin (not on a non-root PATH).
func NginxBinary() (string, error) {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx", nil
	}
	return "", errors.New("stack: nginx not found; install it with `apt-get install nginx` (make test does)")
}

// ProjectDir returns the repository root: the nearest directory upward from the working
// directory that holds go.mod and nginx/.
func ProjectDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fileExists(filepath.Join(dir, "go.mod")) && fileExists(filepath.Join(dir, "nginx", "sidewall-http.conf")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("stack: project directory (go.mod beside nginx/) not found above the working directory")
		}
		dir = parent
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// StartNginx installs the project's nginx files into opts.Dir, starts nginx in the
// foreground (it stops with Stop, or when the test process dies) and waits until the
// example site or the first extra server accepts connections.
func StartNginx(ctx context.Context, opts NginxOptions) (*Nginx, error) {
	bin, err := NginxBinary()
	if err != nil {
		return nil, err
	}
	if opts.ProjectNginx == "" {
		root, err := ProjectDir()
		if err != nil {
			return nil, err
		}
		opts.ProjectNginx = filepath.Join(root, "nginx")
	}
	n := &Nginx{
		Dir:       opts.Dir,
		ErrorLog:  filepath.Join(opts.Dir, "logs", "error.log"),
		AccessLog: filepath.Join(opts.Dir, "logs", "access.log"),
	}
	if err := n.install(opts); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-p", opts.Dir, "-c", filepath.Join(opts.Dir, "nginx.conf"), "-e", n.ErrorLog)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("stack: start nginx: %w", err)
	}
	n.cmd = cmd
	exited := make(chan struct{})
	n.exited = exited
	go func() { n.err = cmd.Wait(); close(exited) }()

	listen := opts.Listen
	if opts.NoExampleSite || listen == "" {
		listen = firstListen(opts)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ready := make(chan error, 1)
	go func() { ready <- WaitTCP(waitCtx, "tcp", listen) }()
	select {
	case err := <-ready:
		if err != nil {
			n.Stop()
			return nil, fmt.Errorf("stack: nginx did not start: %w\n%s%s", err, stderr.String(), n.readErrorLog())
		}
	case <-n.exited:
		return nil, fmt.Errorf("stack: nginx exited at start: %v\n%s%s", n.err, stderr.String(), n.readErrorLog())
	}
	return n, nil
}

// firstListen finds the address nginx should be listening on when the caller gave none.
func firstListen(opts NginxOptions) string {
	if !opts.NoExampleSite {
		return DefaultSiteListen
	}
	for _, s := range opts.Servers {
		for _, line := range strings.Split(s, "\n") {
			f := strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), ";"))
			if len(f) >= 2 && f[0] == "listen" {
				return f[1]
			}
		}
	}
	return DefaultSiteListen
}

func (n *Nginx) readErrorLog() string {
	b, _ := os.ReadFile(n.ErrorLog)
	return string(b)
}

// ErrorLogText returns the error log so far.
func (n *Nginx) ErrorLogText() string { return n.readErrorLog() }

// Reload asks nginx to re-read its configuration (SIGHUP), as `nginx -s reload` does.
func (n *Nginx) Reload() error { return n.cmd.Process.Signal(syscall.SIGHUP) }

// Stop shuts nginx down gracefully (SIGQUIT) and kills it if it has not stopped within
// five seconds. Calling it again after nginx stopped returns at once.
func (n *Nginx) Stop() error {
	if n.cmd == nil || n.cmd.Process == nil {
		return nil
	}
	_ = n.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-n.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-n.exited
	}
	return nil
}

// install writes nginx.conf and copies the project's files, with addresses rewritten.
func (n *Nginx) install(opts NginxOptions) error {
	for _, d := range []string{"sidewall", "sites", "logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(opts.Dir, d), 0o755); err != nil {
			return fmt.Errorf("stack: %w", err)
		}
	}
	entries, err := os.ReadDir(opts.ProjectNginx)
	if err != nil {
		return fmt.Errorf("stack: read nginx files: %w", err)
	}
	logDir := filepath.Join(opts.Dir, "logs") + "/"
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".conf") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(opts.ProjectNginx, e.Name()))
		if err != nil {
			return fmt.Errorf("stack: %w", err)
		}
		text := string(b)
		switch e.Name() {
		case "sidewall-http.conf":
			if opts.Sidewall != "" {
				if text, err = replaceOnce(e.Name(), text, "server "+DefaultSidewallAddr+";", "server "+opts.Sidewall+";"); err != nil {
					return err
				}
			}
		case "sidewall-request-headers.conf":
			if opts.ReadTimeout != "" {
				old := "proxy_read_timeout " + DefaultReadTimeout + ";"
				if text, err = replaceOnce(e.Name(), text, old, "proxy_read_timeout "+opts.ReadTimeout+";"); err != nil {
					return err
				}
			}
		case "example-site.conf":
			if opts.NoExampleSite {
				continue
			}
			if opts.Listen != "" {
				if text, err = replaceOnce(e.Name(), text, "listen "+DefaultSiteListen+";", "listen "+opts.Listen+";"); err != nil {
					return err
				}
			}
			if opts.App != "" {
				if text, err = replaceOnce(e.Name(), text, "server "+DefaultAppAddr+";", "server "+opts.App+";"); err != nil {
					return err
				}
			}
			text = strings.ReplaceAll(text, "/var/log/nginx/sidewall-example.access.log", n.AccessLog)
			if err := os.WriteFile(filepath.Join(opts.Dir, "sites", e.Name()), []byte(text), 0o644); err != nil {
				return fmt.Errorf("stack: %w", err)
			}
			continue
		}
		text = strings.ReplaceAll(text, "/var/log/nginx/", logDir)
		if err := os.WriteFile(filepath.Join(opts.Dir, "sidewall", e.Name()), []byte(text), 0o644); err != nil {
			return fmt.Errorf("stack: %w", err)
		}
	}
	for i, s := range opts.Servers {
		name := filepath.Join(opts.Dir, "sites", fmt.Sprintf("extra-%02d.conf", i))
		if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
			return fmt.Errorf("stack: %w", err)
		}
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = 1
	}
	user := ""
	if os.Geteuid() == 0 {
		// Workers would otherwise drop to nobody, who cannot enter the private 0700
		// directories tests run in (temp files, unix sockets).
		user = "user root;"
	}
	tmp := filepath.Join(opts.Dir, "tmp")
	conf := fmt.Sprintf(`# generated by internal/stack: the project's files from nginx/ are in sidewall/ and sites/
%s
worker_processes %d;
daemon off;
pid %s;
error_log %s info;
%s
events { worker_connections 4096; }
http {
    default_type application/octet-stream;
    client_body_temp_path %s/body;
    proxy_temp_path %s/proxy;
    fastcgi_temp_path %s/fastcgi;
    uwsgi_temp_path %s/uwsgi;
    scgi_temp_path %s/scgi;
    include sidewall/sidewall-http.conf;
    access_log %s sidewall;
%s
    include sites/*.conf;
}
`, user, workers, filepath.Join(opts.Dir, "nginx.pid"), n.ErrorLog, opts.Main, tmp, tmp, tmp, tmp, tmp, n.AccessLog, opts.HTTP)
	return os.WriteFile(filepath.Join(opts.Dir, "nginx.conf"), []byte(conf), 0o644)
}

// replaceOnce replaces old by new in text and fails when old is not there exactly once: the
// shipped files and this package must agree on the defaults.
func replaceOnce(file, text, old, new string) (string, error) {
	if c := strings.Count(text, old); c != 1 {
		return "", fmt.Errorf("stack: nginx/%s: expected %q once, found it %d times", file, old, c)
	}
	return strings.Replace(text, old, new, 1), nil
}
