//go:build !e2e

package stack

// E2E is false without the e2e tag (see e2e.go).
const E2E = false
