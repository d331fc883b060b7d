// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package corazawaf

import (
	"io"
	"strings"
	"testing"

	"github.com/corazawaf/coraza/v3/internal/environment"
	"github.com/corazawaf/coraza/v3/types"
)

// TestBodyReaderWriteToAfterRead: io.Copy uses the reader's WriteTo (sidewall's
// patch), which must write what Read has not yet returned, once, from memory and from
// a temporary file alike.
func TestBodyReaderWriteToAfterRead(t *testing.T) {
	limits := map[string]int64{"memory": 1000}
	if environment.HasAccessToFS {
		limits["file"] = 1
	}
	body := strings.Repeat("0123456789", 50)
	for name, memLimit := range limits {
		br := NewBodyBuffer(types.BodyBufferOptions{TmpPath: t.TempDir(), MemoryLimit: memLimit, Limit: 1000})
		if _, err := br.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
		reader, err := br.Reader()
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 7)
		if _, err := io.ReadFull(reader, head); err != nil {
			t.Fatal(err)
		}
		var rest strings.Builder
		if n, err := io.Copy(&rest, reader); err != nil || n != int64(len(body)-7) {
			t.Errorf("%s: io.Copy = %d, %v; want %d bytes", name, n, err, len(body)-7)
		}
		if got := string(head) + rest.String(); got != body {
			t.Errorf("%s: read %q; want the body", name, got)
		}
		if n, _ := io.Copy(io.Discard, reader); n != 0 {
			t.Errorf("%s: a second copy got %d bytes", name, n)
		}
		_ = br.Reset()
	}
}
