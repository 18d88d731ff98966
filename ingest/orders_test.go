package ingest

import "testing"

// TestOrdersWithCollidingHashes gives two order numbers the same hash, as
// maphash may once in 2^64: each is still its own order.
func TestOrdersWithCollidingHashes(t *testing.T) {
	c := &orderConv{seen: map[uint64]orderSlot{}, spill: map[string]*orderAcc{}}
	a := c.newAcc("A", 7)
	b := c.newAcc("B", 7)
	if got, _ := c.find("A", 7); got != a {
		t.Errorf("find A = %p, want %p", got, a)
	}
	if got, _ := c.find("B", 7); got != b || a == b {
		t.Errorf("find B = %p, want %p", got, b)
	}
	for _, k := range []struct {
		no string
		h  uint64
	}{{"C", 7}, {"A", 8}} {
		if got, written := c.find(k.no, k.h); got != nil || written {
			t.Errorf("find %s (hash %d) = %p, %v; want none", k.no, k.h, got, written)
		}
	}
	// Once the batch is written, both are known as written.
	c.gen++
	c.seq, c.spill = c.seq[:0], map[string]*orderAcc{}
	for _, no := range []string{"A", "B"} {
		if got, written := c.find(no, 7); got != nil || !written {
			t.Errorf("after the batch, find %s = %p, %v; want written", no, got, written)
		}
	}
}
