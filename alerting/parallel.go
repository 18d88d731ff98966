package alerting

import (
	"runtime"
	"sync"
)

// parallel calls fn(0) … fn(n-1), at most one call per core at a time, and
// returns when all are done. Each call writes only its own results.
func parallel(n int, fn func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// minBandPart is the least number of scopes worth a part of its own in a
// forecast band: below it, one query is cheaper than two.
const minBandPart = 40

// bandParts is how many parts a forecast band over n scopes is read in.
func bandParts(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/minBandPart))
}

// split cuts a group into k parts of consecutive units (each with the
// whole clientOf map, which is read only).
func (g group) split(k int) []group {
	if k <= 1 || len(g.units) < 2 {
		return []group{g}
	}
	var out []group
	size := (len(g.units) + k - 1) / k
	for i := 0; i < len(g.units); i += size {
		out = append(out, group{currency: g.currency, units: g.units[i:min(i+size, len(g.units))], clientOf: g.clientOf})
	}
	return out
}
