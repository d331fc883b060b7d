package limiter

import (
	"math/bits"
	"math/rand/v2"
)

// slot is one key's state: 40 bytes and no pointers, so a table of a million
// costs the garbage collector nothing to scan. The log shares the slot, not a
// slice of its own beside the table, so that a decision touches one place in
// memory, not two: with tables far bigger than the caches, that halves its
// cost. With Options.Counter the log is unused.
type slot struct {
	hash uint64 // the key's hash; 0 marks an empty slot
	win  uint32 // the fixed window, modulo 2³², that cur counts
	prev uint32 // requests allowed in window win-1
	cur  uint32 // requests allowed in window win
	log  keyLog
}

// table is an open-addressing hash table with linear probing, keyed by the
// 64-bit hash alone. It is used instead of a map[uint64]slot because Allow can
// then find a slot and update it in place with one probe sequence (a map needs
// a lookup and an assignment), eviction can sample random slots directly, and
// the table's size, hence its memory, is bounded by its share of MaxKeys.
// Deletion shifts later entries back (Knuth's Algorithm R), so there are no
// tombstones and probe sequences stay short however many keys come and go.
//
// A table is not safe for concurrent use; its shard's mutex guards it.
type table struct {
	slots []slot
	// pool lends logs to the slots; a pooled log's index moves with its slot,
	// and the pool names the log's owner by hash, which does not move.
	pool logPool

	n       int  // occupied slots
	max     int  // most occupied slots allowed: the shard's share of MaxKeys
	maxSize int  // len(slots) never grows past this
	skip    uint // hash bits already spent choosing the shard
}

const (
	// A table grows when an insertion would fill more than 3/4 of it: linear
	// probing stays at a couple of probes per lookup up to there.
	loadNum, loadDen = 3, 4

	// initialSize is the slots a table starts with, so a Window that sees
	// little traffic costs little.
	initialSize = 8
)

func (t *table) init(share int, skip uint) {
	t.max = share
	t.skip = skip
	// The smallest size that holds share keys at the load limit, and always
	// one empty slot, which ends every probe sequence.
	t.maxSize = share + 1
	if s := (share*loadDen + loadNum - 1) / loadNum; s > t.maxSize {
		t.maxSize = s
	}
	t.resize(min(initialSize, t.maxSize))
}

// home returns the slot where a probe for h starts. The table's size need not
// be a power of two (it is sized to its share of MaxKeys), so the hash is
// mapped onto it by multiplication (Lemire's "fastrange"), using the bits the
// shard choice did not.
func (t *table) home(h uint64) int {
	hi, _ := bits.Mul64(h<<t.skip, uint64(len(t.slots)))
	return int(hi)
}

// find returns the slot holding h and true, or the empty slot where h would
// go and false.
func (t *table) find(h uint64) (int, bool) {
	i := t.home(h)
	for {
		switch t.slots[i].hash {
		case h:
			return i, true
		case 0:
			return i, false
		}
		if i++; i == len(t.slots) {
			i = 0
		}
	}
}

// insert adds h, which must be absent, with zero state, and returns its
// slot. at is the empty slot find returned for h, if the table has not
// changed since, or -1. The caller must have made room: t.n < t.max.
func (t *table) insert(h uint64, at int) int {
	if (t.n+1)*loadDen > len(t.slots)*loadNum && len(t.slots) < t.maxSize {
		t.resize(min(2*len(t.slots), t.maxSize))
		at = -1
	}
	i := at
	if i < 0 {
		i, _ = t.find(h)
	}
	t.slots[i] = slot{hash: h}
	t.n++
	return i
}

// remove empties slot i, taking back its pooled log if it has one, and shifts
// back the entries after it that would otherwise be cut off from their home
// slot.
func (t *table) remove(i int) {
	if st := t.slots[i].log.state; st&logPooled != 0 {
		t.pool.put(st &^ logPooled)
	}
	j := i
	for {
		if j++; j == len(t.slots) {
			j = 0
		}
		h := t.slots[j].hash
		if h == 0 {
			break
		}
		// The entry at j can fill the hole at i unless its home lies
		// cyclically in (i, j]: then it would be moved before its home.
		k := t.home(h)
		if i <= j {
			if i < k && k <= j {
				continue
			}
		} else if i < k || k <= j {
			continue
		}
		t.slots[i] = t.slots[j]
		i = j
	}
	t.slots[i] = slot{}
	t.n--
}

// resize moves every entry into a table of size slots.
func (t *table) resize(size int) {
	old := t.slots
	t.slots = make([]slot, size)
	for i := range old {
		if old[i].hash == 0 {
			continue
		}
		j, _ := t.find(old[i].hash)
		t.slots[j] = old[i]
	}
}

// sample fills dst with the hashes of up to len(dst) distinct entries found
// walking forward from a random slot, looking at no more than limit slots (0:
// the whole table), and returns how many it found. With the whole table
// allowed it finds min(len(dst), t.n): eviction relies on that.
func (t *table) sample(dst []uint64, limit int) int {
	if limit <= 0 || limit > len(t.slots) {
		limit = len(t.slots)
	}
	i := rand.IntN(len(t.slots))
	k := 0
	for range limit {
		if k == len(dst) {
			break
		}
		if h := t.slots[i].hash; h != 0 {
			dst[k] = h
			k++
		}
		if i++; i == len(t.slots) {
			i = 0
		}
	}
	return k
}
