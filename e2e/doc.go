//go:build e2e

// Package e2e holds sidewall's end-to-end tests: real nginx (Debian's package) running the
// project's own files from nginx/, the sidewall binary built from this tree with the
// project's config.toml, and an echo upstream, all on free loopback ports (see
// internal/stack). They check what an operator sees from the client side.
//
// They build only with the e2e tag, which make test sets (go test -tags e2e ./e2e), so
// that go test ./... passes on a machine without nginx.
package e2e
