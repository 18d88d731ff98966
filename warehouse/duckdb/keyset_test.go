package duckdb

import (
	"math/rand/v2"
	"testing"
)

// TestKeySet adds hashes past several growths, 0 and 1 among them, and
// finds every one of them and none of a disjoint set.
func TestKeySet(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := newKeySet(0)
	in := map[uint64]bool{0: true, 1: true}
	s.add(0)
	s.add(1)
	for range 100_000 {
		h := r.Uint64() | 1 // odd: added
		in[h] = true
		s.add(h)
		s.add(h)
	}
	if got := s.n.Load(); got != int64(len(in)-1) { // 0 is stored as 1
		t.Errorf("n = %d, want %d", got, len(in)-1)
	}
	for h := range in {
		if !s.has(h) {
			t.Fatalf("%x added but not found", h)
		}
	}
	for range 100_000 {
		if h := r.Uint64() &^ 1; h != 0 && s.has(h) {
			t.Fatalf("%x found but never added", h)
		}
	}
}
