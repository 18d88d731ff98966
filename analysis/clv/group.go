package clv

// groups holds customers collapsed to distinct (x, t_x, T) triples, with the
// distinct values of each coordinate indexed so per-evaluation logarithms are
// computed once per value rather than once per customer.
type groups struct {
	xs, txs, ts []float64 // distinct values
	xCount      []float64 // customers per distinct x
	tri         []triple
	n           float64 // customers
}

type triple struct {
	xi, txi, ti int32
	count       float64
}

func index(m map[float64]int32, vals *[]float64, v float64) int32 {
	if i, ok := m[v]; ok {
		return i
	}
	i := int32(len(*vals))
	m[v] = i
	*vals = append(*vals, v)
	return i
}

func groupSummaries(data []Summary) *groups {
	g := &groups{}
	xm, txm, tm := map[float64]int32{}, map[float64]int32{}, map[float64]int32{}
	pos := make(map[[3]int32]int, 1024)
	for _, s := range data {
		xi := index(xm, &g.xs, float64(s.X))
		txi := index(txm, &g.txs, s.Tx)
		ti := index(tm, &g.ts, s.T)
		for int(xi) >= len(g.xCount) {
			g.xCount = append(g.xCount, 0)
		}
		g.xCount[xi]++
		k := [3]int32{xi, txi, ti}
		if j, ok := pos[k]; ok {
			g.tri[j].count++
			continue
		}
		pos[k] = len(g.tri)
		g.tri = append(g.tri, triple{xi, txi, ti, 1})
	}
	g.n = float64(len(data))
	return g
}

func (g *groups) meanT() float64 {
	s := 0.0
	for _, t := range g.tri {
		s += g.ts[t.ti] * t.count
	}
	if s <= 0 {
		return 1
	}
	return s / g.n
}
