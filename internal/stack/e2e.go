//go:build e2e

package stack

// E2E reports whether the tests were built with the e2e tag, as make test builds them.
// The tag builds the tests that run real nginx (the end-to-end tests, eval's slice, the
// bench's smoke test), and says that the programs make test installs are there: a test
// outside them that needs one (systemd-analyze) fails when it is missing instead of
// skipping, so that CI cannot pass by skipping. Without the tag (go test ./... on a
// machine without them) the end-to-end tests are not built and the others skip.
const E2E = true
