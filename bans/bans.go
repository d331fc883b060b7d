// Package bans keeps sidewall's dynamic bans: addresses and CIDR prefixes denied until a
// time or until lifted, set by an operator through the admin API or by auto-ban, beside
// the static blocklist files.
//
// # How it works
//
// A [Store] holds the active bans (prefix -> reason, source, created, expires) in a map
// guarded by a mutex, and publishes, after every change, an immutable snapshot behind an
// atomic pointer: a [blocklist.Set] of the banned prefixes (the same bloom-filtered,
// exactly confirmed structure as the static lists) and, per prefix, the reason to answer
// with. [Store.Lookup] is therefore a pointer load and a Set probe: it takes no lock and
// allocates nothing, and a change applies to the next request.
//
// Bans survive a restart: every change rewrites the ban file as a whole, atomically (a
// temporary file in the same directory, fsync, rename, fsync of the directory), so a
// crash at any moment leaves either the old file or the new one, never a mix. [Open]
// loads it and drops the bans that expired while sidewall was down. Without a file the
// bans live in memory only.
//
// Expiry: a ban with an expiry stops matching at that instant ([Match.Active], checked by
// the caller with its own clock), and [Store.Run] removes it from the map and the file
// soon after, off the hot path.
//
// Auto-ban: an [AutoBan] counts a client's denials (WAF, rate limits) and, at the
// threshold, returns the ban it earned. It decides on the hot path but must not wait for
// a file write there: [Store.Submit] queues the ban without blocking, and Run applies the
// queue in batches (one Set rebuild and one file write per batch, however many clients
// cross the threshold at once).
//
// Several replicas share their bans through Redis with a [Replicator]: the Store journals its
// own changes (Options.Journal) for it to publish, and applies those of the others
// ([Store.ApplyRemote], [Store.Reconcile]).
//
// # Limits
//
// A Set drops prefixes covered by a wider one, so when bans nest (203.0.113.0/24 and
// 203.0.113.9) a lookup reports the widest; if that one expires first, the narrower ban
// matches again once Run has swept the expired one, a few milliseconds later. A store
// holds at most [MaxBans] bans. Every change rewrites the whole file: fine for the
// thousands of bans this is for; a million would want an append-only log.
//
// The package does not log: Run reports what it did and what failed through a callback,
// and the caller logs.
package bans

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sidewall/sidewall/blocklist"
)

// MaxBans bounds the bans a Store holds, so that a flood of auto-bans (a botnet of
// rotating addresses) cannot grow memory and the ban file without end.
const MaxBans = 100_000

// MaxReason bounds a ban's reason, in bytes: it goes into a header and every log line.
const MaxReason = 256

// queueSize is how many auto-bans can wait for Run; beyond it Submit drops them (and
// counts the drops), as the client keeps earning denials and is submitted again.
const queueSize = 4096

// Sources of bans.
const (
	SourceAdmin   = "admin"   // the admin API
	SourceAutoBan = "autoban" // auto-ban: too many denials
)

// Errors a caller branches on.
var (
	// ErrNotFound: no ban for that prefix.
	ErrNotFound = errors.New("bans: no ban for that prefix")
	// ErrFull: the store holds MaxBans bans.
	ErrFull = fmt.Errorf("bans: the store is full (%d bans)", MaxBans)
	// ErrNotSaved wraps a failed write of the ban file: the change applies, but will not
	// survive a restart unless a later write succeeds.
	ErrNotSaved = errors.New("bans: the change applies now but was not saved")
)

// Ban is one dynamic ban. It is a plain value.
type Ban struct {
	// Prefix is the banned address (a /32 or /128) or range, in the form
	// blocklist.Normalise gives.
	Prefix netip.Prefix `json:"prefix"`
	// Reason says why, for the deny answer and logs; may be empty.
	Reason string `json:"reason,omitempty"`
	// Source is who banned: SourceAdmin or SourceAutoBan.
	Source string `json:"source"`
	// Created is when the ban was made (or last replaced).
	Created time.Time `json:"created"`
	// Expires is when the ban ends; zero means never (until lifted).
	Expires time.Time `json:"expires,omitzero"`
	// Evidence is what earned an auto-ban: one line per denial that counted.
	Evidence []string `json:"evidence,omitempty"`
}

// Active reports whether b still applies at now.
func (b *Ban) Active(now time.Time) bool { return active(b.Expires, now) }

// active is the one rule of expiry, for Ban and Match alike: a ban that expires at
// expires (zero: never) applies at now until that instant, and not from it on.
func active(expires, now time.Time) bool { return expires.IsZero() || now.Before(expires) }

// Check normalises b.Prefix and reports what is wrong with b, if anything, at now.
func (b *Ban) Check(now time.Time) error {
	if err := b.checkStored(); err != nil {
		return err
	}
	if !b.Active(now) {
		return fmt.Errorf("bans: the ban of %s expires at %s, which is not after now", b.Prefix, b.Expires.Format(time.RFC3339))
	}
	return nil
}

// checkStored is Check without the expiry, for bans read back from the file.
func (b *Ban) checkStored() error {
	p, ok := blocklist.Normalise(b.Prefix)
	if !ok {
		return errors.New("bans: the prefix is missing or invalid")
	}
	b.Prefix = p
	if len(b.Reason) > MaxReason {
		return fmt.Errorf("bans: the reason is %d bytes long, more than %d", len(b.Reason), MaxReason)
	}
	if !utf8.ValidString(b.Reason) {
		return errors.New("bans: the reason is not valid UTF-8")
	}
	for _, r := range b.Reason {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("bans: the reason contains the unprintable character %U", r)
		}
	}
	return nil
}

// answer is the deny reason sent back for b: "ban: <reason>", or "ban" without one.
func (b *Ban) answer() string {
	if b.Reason == "" {
		return "ban"
	}
	return "ban: " + b.Reason
}

// Match is what Lookup found: a small value, returned without allocating.
type Match struct {
	Prefix  netip.Prefix // the banned prefix that contains the address
	Reason  string       // the deny reason: "ban: <reason>", or "ban"
	Expires time.Time    // zero: never
}

// Active reports whether the ban still applies at now.
func (m Match) Active(now time.Time) bool { return active(m.Expires, now) }

// Options configure a Store.
type Options struct {
	// File is where the bans are kept across restarts; "" keeps them in memory only.
	File string
	// Set tunes the blocklist.Set the bans are published in.
	Set blocklist.Options
	// Journal records the changes made through this Store (Ban, Unban, queued auto-bans;
	// not expiries, which every replica makes by its own clock, nor ApplyRemote and
	// Reconcile) for TakeChanges: what a Replicator shares with other replicas.
	Journal bool
}

// Stats are a Store's counts, for metrics and logs.
type Stats struct {
	Bans      int    // bans held now (some may have expired and not yet been swept)
	Queued    int    // auto-bans waiting for Run
	Dropped   uint64 // auto-bans dropped because the queue was full
	SaveFails uint64 // writes of the ban file that failed
	Unsaved   bool   // the file is behind the bans held (the last write failed)
}

// Store holds the active bans. It is safe for concurrent use: Lookup never blocks, and
// changes are serialised. A Store lives as long as the process; it needs no Close, but
// Run must run for queued auto-bans to apply and for expired bans to be swept.
type Store struct {
	opts  Options
	snap  atomic.Pointer[snapshot]
	queue chan Ban
	wake  chan struct{} // tells Run that bans are queued or the next expiry may have moved

	dropped   atomic.Uint64
	saveFails atomic.Uint64

	mu      sync.Mutex
	bans    map[netip.Prefix]Ban // guarded by mu
	unsaved bool                 // guarded by mu: the file is behind bans
	swept   bool                 // guarded by mu: stale temporary files were removed
	// journal holds the local changes not yet taken, by prefix, the latest only: a ban,
	// or nil for an unban. Guarded by mu; nil unless Options.Journal.
	journal map[netip.Prefix]*Ban
	changes chan struct{} // signalled when the journal is not empty
}

// snapshot is what Lookup reads: immutable once published.
type snapshot struct {
	set     *blocklist.Set
	entries map[netip.Prefix]entry
}

type entry struct {
	answer  string
	expires time.Time
}

// Open returns a Store holding the bans of opts.File (none if the file does not exist
// yet), without those that expired before now. A file that exists but cannot be read or
// parsed is an error: starting without the bans it holds would silently lift them.
func Open(opts Options, now time.Time) (*Store, error) {
	s := &Store{
		opts:    opts,
		queue:   make(chan Ban, queueSize),
		wake:    make(chan struct{}, 1),
		bans:    make(map[netip.Prefix]Ban),
		changes: make(chan struct{}, 1),
	}
	if opts.Journal {
		s.journal = make(map[netip.Prefix]*Ban)
	}
	if opts.File != "" {
		loaded, err := load(opts.File)
		if err != nil {
			return nil, err
		}
		for _, b := range loaded {
			if b.Active(now) {
				s.bans[b.Prefix] = b
			}
		}
	}
	s.publish()
	return s, nil
}

// Lookup returns the ban whose prefix contains addr, if any. The caller checks
// Match.Active with its clock: Lookup itself reads no clock. It does not allocate and is
// safe for concurrent use; on a nil Store it finds nothing.
func (s *Store) Lookup(addr netip.Addr) (Match, bool) {
	if s == nil {
		return Match{}, false
	}
	snap := s.snap.Load()
	p, ok := snap.set.Lookup(addr)
	if !ok {
		return Match{}, false
	}
	e := snap.entries[p]
	return Match{Prefix: p, Reason: e.answer, Expires: e.expires}, true
}

// Ban adds b, or replaces the ban of the same prefix, and returns it as stored (its
// prefix normalised, Created set to now when zero). The ban applies to the next Lookup.
// An error wrapping ErrNotSaved means that it applies but the file could not be written.
func (s *Store) Ban(b Ban, now time.Time) (Ban, error) {
	if b.Created.IsZero() {
		b.Created = now
	}
	if err := b.Check(now); err != nil {
		return Ban{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, replaces := s.bans[b.Prefix]; !replaces && len(s.bans) >= MaxBans {
		return Ban{}, ErrFull
	}
	s.bans[b.Prefix] = b
	s.record(b.Prefix, &b)
	s.changed()
	return b, s.saveLocked()
}

// Unban lifts the ban of exactly the prefix p (normalised first) and returns it, or
// ErrNotFound. An error wrapping ErrNotSaved means that the ban is lifted but the file
// could not be written.
func (s *Store) Unban(p netip.Prefix) (Ban, error) {
	p, ok := blocklist.Normalise(p)
	if !ok {
		return Ban{}, ErrNotFound
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bans[p]
	if !ok {
		return Ban{}, ErrNotFound
	}
	delete(s.bans, p)
	s.record(p, nil)
	s.changed()
	return b, s.saveLocked()
}

// List returns the bans active at now, ordered by prefix.
func (s *Store) List(now time.Time) []Ban {
	s.mu.Lock()
	out := make([]Ban, 0, len(s.bans))
	for _, b := range s.bans {
		if b.Active(now) {
			out = append(out, b)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b Ban) int { return comparePrefix(a.Prefix, b.Prefix) })
	return out
}

// Expire removes the bans that expired at or before now and returns them. An error
// wrapping ErrNotSaved means that they are removed but the file could not be written.
func (s *Store) Expire(now time.Time) ([]Ban, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var gone []Ban
	for p, b := range s.bans {
		if !b.Active(now) {
			gone = append(gone, b)
			delete(s.bans, p)
		}
	}
	if len(gone) == 0 {
		return nil, nil
	}
	slices.SortFunc(gone, func(a, b Ban) int { return comparePrefix(a.Prefix, b.Prefix) })
	s.publish()
	return gone, s.saveLocked()
}

// Submit queues b for Run to apply, without blocking: the hot path's way to ban. It
// reports false when the queue is full (the ban is dropped and counted in Stats).
func (s *Store) Submit(b Ban) bool {
	select {
	case s.queue <- b:
		s.poke()
		return true
	default:
		s.dropped.Add(1)
		return false
	}
}

// ApplyQueued applies the bans Submit queued, in one change at now, and returns those
// that took effect. Run calls it; tests call it with fixed instants.
func (s *Store) ApplyQueued(now time.Time) ([]Ban, error) {
	var batch []Ban
drain:
	for len(batch) < queueSize {
		select {
		case b := <-s.queue:
			batch = append(batch, b)
		default:
			break drain
		}
	}
	if len(batch) == 0 {
		return nil, nil
	}
	return s.apply(batch, now)
}

// Stats returns the store's counts.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	n, unsaved := len(s.bans), s.unsaved
	s.mu.Unlock()
	return Stats{Bans: n, Queued: len(s.queue), Dropped: s.dropped.Load(),
		SaveFails: s.saveFails.Load(), Unsaved: unsaved}
}

// EventKind says what an Event reports.
type EventKind uint8

// The kinds of events Run reports.
const (
	EventBanned  EventKind = iota + 1 // queued bans applied (Bans)
	EventExpired                      // bans removed at their expiry (Bans)
	EventError                        // a failure (Err), usually a failed file write
)

// Event is something Run (Store.Run or Replicator.Run) did or met, for the caller to log.
type Event struct {
	Kind           EventKind
	Bans           []Ban
	Err            error
	Added, Removed int // EventSynced: how the shared set changed the local one
}

// retrySave is how soon Run tries again to write a file whose last write failed.
const retrySave = 5 * time.Second

// Run applies queued auto-bans and removes expired bans until ctx is done, reading the
// time from now and reporting what it did to report (which must not call the Store's
// changing methods; it runs on Run's goroutine). Run one per Store.
func (s *Store) Run(ctx context.Context, now func() time.Time, report func(Event)) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		timer.Reset(s.nextWake(now()))
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-timer.C:
		}
		applied, err := s.ApplyQueued(now())
		if len(applied) > 0 {
			report(Event{Kind: EventBanned, Bans: applied})
		}
		if err != nil {
			report(Event{Kind: EventError, Err: err})
		}
		gone, err := s.Expire(now())
		if len(gone) > 0 {
			report(Event{Kind: EventExpired, Bans: gone})
		}
		if err == nil && s.Stats().Unsaved {
			err = s.Save()
		}
		if err != nil {
			report(Event{Kind: EventError, Err: err})
		}
	}
}

// apply adds queued bans in one change: those already covered by an active ban of the
// same prefix that lasts as long are skipped (a client keeps earning denials until its
// ban applies, so it may be queued more than once).
func (s *Store) apply(batch []Ban, now time.Time) ([]Ban, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var applied []Ban
	var errs []error
	for _, b := range batch {
		if b.Created.IsZero() {
			b.Created = now
		}
		if err := b.Check(now); err != nil {
			errs = append(errs, err)
			continue
		}
		old, ok := s.bans[b.Prefix]
		if ok && old.Active(now) && (old.Expires.IsZero() || !b.Expires.After(old.Expires)) {
			continue
		}
		if !ok && len(s.bans) >= MaxBans {
			errs = append(errs, fmt.Errorf("%w: auto-ban of %s dropped", ErrFull, b.Prefix))
			continue
		}
		s.bans[b.Prefix] = b
		s.record(b.Prefix, &b)
		applied = append(applied, b)
	}
	if len(applied) > 0 {
		s.changed()
		errs = append(errs, s.saveLocked())
	}
	return applied, errors.Join(errs...)
}

// Save writes the ban file now (a no-op without one): for retrying after a failure.
func (s *Store) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

// nextWake is how long Run may sleep: until the earliest expiry, or until a failed write
// should be retried.
func (s *Store) nextWake(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := time.Hour
	if s.unsaved {
		d = retrySave
	}
	for _, b := range s.bans {
		if !b.Expires.IsZero() {
			d = min(d, b.Expires.Sub(now))
		}
	}
	return max(d, time.Millisecond)
}

// changed publishes the bans and wakes Run, whose next expiry may have moved. s.mu is
// held.
func (s *Store) changed() {
	s.publish()
	s.poke()
}

// poke wakes Run, without blocking: one pending wake is enough.
func (s *Store) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// publish builds a new snapshot from s.bans and makes it the one Lookup reads. It is
// called with s.mu held (or before the Store is shared), so snapshots are published in
// the order of the changes.
func (s *Store) publish() {
	prefixes := make([]netip.Prefix, 0, len(s.bans))
	entries := make(map[netip.Prefix]entry, len(s.bans))
	for p, b := range s.bans {
		prefixes = append(prefixes, p)
		entries[p] = entry{answer: b.answer(), expires: b.Expires}
	}
	s.snap.Store(&snapshot{set: blocklist.New(prefixes, s.opts.Set), entries: entries})
}

// saveLocked writes the file, if there is one. s.mu is held.
func (s *Store) saveLocked() error {
	if s.opts.File == "" {
		return nil
	}
	if !s.swept {
		// Left by a write that a crash cut short. Not done by Open, so that checking a
		// configuration (sidewall -t) writes nothing.
		removeStale(s.opts.File)
		s.swept = true
	}
	list := make([]Ban, 0, len(s.bans))
	for _, b := range s.bans {
		list = append(list, b)
	}
	slices.SortFunc(list, func(a, b Ban) int { return comparePrefix(a.Prefix, b.Prefix) })
	if err := save(s.opts.File, list); err != nil {
		s.unsaved = true
		s.saveFails.Add(1)
		return fmt.Errorf("%w: %w", ErrNotSaved, err)
	}
	s.unsaved = false
	return nil
}

// comparePrefix orders prefixes by address, then length.
func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Bits(), b.Bits())
}

// record journals a local change: b, or nil for an unban. s.mu is held.
func (s *Store) record(p netip.Prefix, b *Ban) {
	if s.journal == nil {
		return
	}
	if b != nil {
		c := *b
		b = &c
	}
	s.journal[p] = b
	select {
	case s.changes <- struct{}{}:
	default:
	}
}

// Changes is signalled when TakeChanges has something to take (with Options.Journal).
func (s *Store) Changes() <-chan struct{} { return s.changes }

// TakeChanges returns the local changes journaled since the last call, the latest per
// prefix (a ban, or nil for an unban), and empties the journal.
func (s *Store) TakeChanges() map[netip.Prefix]*Ban {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.journal) == 0 {
		return nil
	}
	out := s.journal
	s.journal = make(map[netip.Prefix]*Ban)
	return out
}

// ApplyRemote applies a change made elsewhere (another replica): b, or nil to lift the
// ban of p. A prefix with a local change not yet taken is left alone: that change is
// newer, and will be shared after this one. The change is not journaled. It reports
// whether anything changed; an error wrapping ErrNotSaved means it applies but the file
// could not be written.
func (s *Store) ApplyRemote(p netip.Prefix, b *Ban, now time.Time) (bool, error) {
	if b != nil {
		c := *b
		if err := c.checkStored(); err != nil {
			return false, err
		}
		b, p = &c, c.Prefix
	} else if p, _ = blocklist.Normalise(p); !p.IsValid() {
		return false, errors.New("bans: the prefix is missing or invalid")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, pending := s.journal[p]; pending {
		return false, nil
	}
	old, had := s.bans[p]
	switch {
	case b == nil && !had:
		return false, nil
	case b == nil:
		delete(s.bans, p)
	case !b.Active(now):
		return false, nil
	case had && sameBan(old, *b):
		return false, nil
	case !had && len(s.bans) >= MaxBans:
		return false, ErrFull
	default:
		s.bans[p] = *b
	}
	s.changed()
	return true, s.saveLocked()
}

// Reconcile makes the store agree with a shared set (read from Redis): live holds its
// bans, and lifted the prefixes whose bans were lifted there. The shared version of a
// ban wins; a local ban the shared set does not know at all (Redis lost it, or this
// replica is the first) is kept and returned in unshared, for the caller to share; a
// lifted one is dropped. Local changes not yet taken are reapplied last (they are
// newer). Bans expired at now are ignored. It is not journaled, and reports how many bans
// it added and removed.
func (s *Store) Reconcile(live []Ban, lifted []netip.Prefix, now time.Time) (unshared []Ban, added, removed int, err error) {
	next := make(map[netip.Prefix]Ban, len(live))
	var errs []error
	for _, b := range live {
		if err := b.checkStored(); err != nil {
			errs = append(errs, err)
			continue
		}
		if b.Active(now) && len(next) < MaxBans {
			next[b.Prefix] = b
		}
	}
	known := make(map[netip.Prefix]bool, len(lifted))
	for _, p := range lifted {
		if p, ok := blocklist.Normalise(p); ok {
			known[p] = true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, b := range s.bans {
		if _, shared := next[p]; !shared && !known[p] && b.Active(now) && len(next) < MaxBans {
			next[p] = b
			unshared = append(unshared, b)
		}
	}
	for p, b := range s.journal {
		if b == nil {
			delete(next, p)
		} else {
			next[p] = *b
		}
	}
	for p, b := range next {
		if old, ok := s.bans[p]; !ok || !sameBan(old, b) {
			added++
		}
	}
	for p := range s.bans {
		if _, ok := next[p]; !ok {
			removed++
		}
	}
	if added > 0 || removed > 0 {
		s.bans = next
		s.changed()
		errs = append(errs, s.saveLocked())
	}
	return unshared, added, removed, errors.Join(errs...)
}

// sameBan reports whether a and b are the same ban (times compared as instants).
func sameBan(a, b Ban) bool {
	return a.Prefix == b.Prefix && a.Reason == b.Reason && a.Source == b.Source &&
		a.Created.Equal(b.Created) && a.Expires.Equal(b.Expires) && slices.Equal(a.Evidence, b.Evidence)
}
