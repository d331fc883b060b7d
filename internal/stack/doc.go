// Package stack starts the real parts of a sidewall deployment on loopback: Debian's nginx
// running the project's own files from nginx/, the sidewall binary, a small echo
// upstream, and Debian's redis-server for the shared rate limits. The end-to-end tests, the demo (make run) and the bench suite all use it, so
// what the tests prove is what a user runs.
//
// nginx runs with a generated main configuration (temp paths, pid and logs in a private
// directory) that includes the project's files exactly as shipped, except for the
// addresses: the listen port of the example site, the address of sidewall and of the demo
// upstream are rewritten to the free ports a test was given. Rewriting is strict: a default
// address that is no longer in the files fails the start, so the files and this package
// cannot drift apart silently.
package stack
