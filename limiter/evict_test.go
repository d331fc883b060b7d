package limiter

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"
)

// floodKey writes a distinct key for i into buf, as an attacker rotating
// through addresses would present.
func floodKey(buf *[8]byte, i int) []byte {
	binary.BigEndian.PutUint64(buf[:], uint64(i)|1<<63)
	return buf[:]
}

// TestFloodKeepsCapAndLimitedKeys floods a small Window with one-off keys and
// checks that it never tracks more than MaxKeys, and that keys being limited
// when the flood starts are still limited when it ends.
//
// The second holds deterministically, whatever the hash seed: each heavy key
// has an estimate of 5, every flood key an estimate of 1 (the flood stays
// inside one fixed window, so nothing decays), and a full shard evicts the
// lightest of evictionSample distinct keys. With fewer heavy keys than that
// in the whole Window, every sample holds a flood key, and one of those goes.
func TestFloodKeepsCapAndLimitedKeys(t *testing.T) {
	// A million one-off keys: an attacker rotating through addresses.
	const maxKeys, flood, heavy = 1000, 1_000_000, evictionSample - 1
	for _, opts := range eachAlgorithm(Options{Limit: 5, Window: time.Minute, MaxKeys: maxKeys}) {
		t.Run(opts.algorithm(), func(t *testing.T) {
			w, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			heavyKey := func(i int) []byte { return []byte(fmt.Sprintf("limited-%d", i)) }
			for i := range heavy {
				for range 10 {
					w.Allow(heavyKey(i), t0)
				}
				if w.Allow(heavyKey(i), t0).Allowed {
					t.Fatalf("heavy key %d not limited before the flood", i)
				}
			}
			var buf [8]byte
			for i := range flood {
				at := t0.Add(time.Second + time.Duration(i)*(50*time.Second/flood))
				if !w.Allow(floodKey(&buf, i), at).Allowed {
					t.Fatalf("flood key %d denied on its first request", i)
				}
				if n := w.Len(); n > maxKeys {
					t.Fatalf("after %d flood keys: Len %d > MaxKeys %d", i+1, n, maxKeys)
				}
			}
			for i := range heavy {
				if r := w.Allow(heavyKey(i), t0.Add(55*time.Second)); r.Allowed {
					t.Errorf("heavy key %d was evicted by the flood: %+v", i, r)
				}
			}
			st := w.Stats()
			if st.Keys != w.Len() || st.Keys > maxKeys || st.Evictions < flood-maxKeys {
				t.Errorf("Stats %+v, Len %d: want Keys=Len<=%d, Evictions>=%d", st, w.Len(), maxKeys, flood-maxKeys)
			}
		})
	}
}

// TestIdleKeysAreSwept fills a Window, lets every key go idle for two
// windows, and checks that new keys push the dead ones out, counted as
// expired rather than evicted, before any live key is evicted.
func TestIdleKeysAreSwept(t *testing.T) {
	const maxKeys = 1000
	w, err := New(Options{Limit: 5, Window: time.Second, MaxKeys: maxKeys})
	if err != nil {
		t.Fatal(err)
	}
	var buf [8]byte
	for i := range maxKeys {
		w.Allow(floodKey(&buf, i), t0)
	}
	// The cap is per shard and the hash does not fill shards evenly, so a
	// few keys were evicted before Len reached MaxKeys.
	filled := w.Stats()
	if filled.Keys > maxKeys || filled.Keys+int(filled.Evictions) != maxKeys || filled.Expired != 0 {
		t.Fatalf("after filling: %+v", filled)
	}
	// Half as many new keys as dead ones: a full shard's sample of 8 finds
	// dead keys with overwhelming probability, so no live key is evicted in
	// practice; but the assertion is only on what is certain.
	later := t0.Add(2 * time.Second)
	for i := range maxKeys / 2 {
		w.Allow(floodKey(&buf, maxKeys+i), later)
	}
	st := w.Stats()
	if st.Expired == 0 || st.Keys > maxKeys {
		t.Fatalf("after idling: %+v", st)
	}
	t.Logf("filled with %d keys: %+v; then %d new keys once all were dead: %+v",
		maxKeys, filled, maxKeys/2, st)
}

// TestLenCountsSweptKeys checks that keys swept while the Window is not full
// leave Len.
func TestLenCountsSweptKeys(t *testing.T) {
	w, err := New(Options{Limit: 5, Window: time.Second, MaxKeys: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	var buf [8]byte
	for i := range 10_000 {
		w.Allow(floodKey(&buf, i), t0)
	}
	for i := range 10_000 {
		w.Allow(floodKey(&buf, 10_000+i), t0.Add(time.Hour))
	}
	st := w.Stats()
	if st.Expired == 0 || st.Keys != 20_000-int(st.Expired) || st.Evictions != 0 {
		t.Fatalf("%+v", st)
	}
	t.Logf("10k keys, idle for an hour, then 10k new ones: %+v", st)
}
