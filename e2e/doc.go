// Package e2e holds sidewall's end-to-end tests: real nginx (Debian's package) running the
// project's own files from nginx/, the sidewall binary built from this tree with the
// project's config.toml, and an echo upstream, all on free loopback ports (see
// internal/stack). They check what an operator sees from the client side.
package e2e
