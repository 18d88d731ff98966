package demo

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/daiyun/daiyun"
)

// pool is a client's buyers. Customers are numbered in the order they are
// acquired; each has a purchase propensity drawn from a gamma distribution
// (most buy once, a few buy often), kept as one byte so the pool stays small
// at a hundred million order lines. Everything else about a customer (id,
// place, device, address) is derived from the number, so nothing else is
// stored.
type pool struct {
	key    []byte // the client's pseudonymisation key
	salt   uint64 // derived from the key; for device and address hashes
	prefix string // raw identity prefix, e.g. "tb_buyer_3_"
	us     bool
	w      []uint8
	// a0 sets how fast the returning share rises as the pool fills: about
	// the number of customers the client gains in two months.
	a0 float64
}

func newPool(key []byte, prefix string, us bool) *pool {
	var salt uint64
	if len(key) >= 8 {
		salt = binary.LittleEndian.Uint64(key)
	}
	return &pool{key: key, salt: mix(salt ^ 0x5eed), prefix: prefix, us: us, a0: 1000}
}

// choose picks the buyer of an order: a returning customer, weighted by
// propensity and biased to recent ones, or a new one.
func (p *pool) choose(r *rand.Rand) (k int, isNew bool) {
	n := len(p.w)
	if n > 0 && r.Float64() < 0.38*float64(n)/(float64(n)+p.a0) {
		for range 64 {
			u := r.Float64()
			k := n - 1 - int(float64(n)*u*u)
			if r.IntN(256) < int(p.w[k]) {
				return k, false
			}
		}
	}
	p.w = append(p.w, gammaWeight(r))
	return n, true
}

// id returns customer k's pseudonymous id.
func (p *pool) id(k int) string {
	return daiyun.Pseudonym(p.key, p.prefix+strconv.Itoa(k))
}

// place returns customer k's province (or US state) and city.
func (p *pool) place(k int) (string, string) {
	h := mix(p.salt ^ uint64(k)*0x9e3779b97f4a7c15)
	if p.us {
		return pickPlace(usPlaces, h)
	}
	return pickPlace(cnPlaces, h)
}

// device returns a keyed hash of one of customer k's devices.
func (p *pool) device(k int, variant int) string {
	return "d_" + hex16(mix(p.salt^0xd1ce+uint64(k)*0x9e3779b97f4a7c15+uint64(variant)))
}

// address returns a keyed hash of customer k's delivery address.
func (p *pool) address(k int) string {
	return "a_" + hex16(mix(p.salt^0xadd7+uint64(k)*0xbf58476d1ce4e5b9))
}

// gammaWeight draws a purchase propensity from Gamma(0.4, 1), scaled to a
// byte (capped at 255).
func gammaWeight(r *rand.Rand) uint8 {
	g := gamma(r, 0.4)
	return uint8(min(255, max(1, math.Round(g*80))))
}

// gamma draws from Gamma(shape, 1) with Marsaglia and Tsang's method.
func gamma(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gamma(r, shape+1) * math.Pow(r.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// mix is splitmix64's finaliser: a fast, well-spread 64-bit hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

const hexDigits = "0123456789abcdef"

func hex16(x uint64) string {
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = hexDigits[x&15]
		x >>= 4
	}
	return string(b[:])
}

// place is a province or state, a city and a weight (roughly online
// shoppers).
type place struct {
	province, city string
	w              float64
}

var cnPlaces = cumulate([]place{
	{"广东", "广州", 6}, {"广东", "深圳", 6}, {"广东", "东莞", 2}, {"浙江", "杭州", 5}, {"浙江", "宁波", 2.5},
	{"江苏", "南京", 3}, {"江苏", "苏州", 3.5}, {"上海", "上海", 6}, {"北京", "北京", 5.5}, {"山东", "青岛", 2.5},
	{"山东", "济南", 2}, {"四川", "成都", 4}, {"河南", "郑州", 3}, {"湖北", "武汉", 3.5}, {"福建", "厦门", 2},
	{"福建", "福州", 2}, {"湖南", "长沙", 2.5}, {"安徽", "合肥", 2}, {"河北", "石家庄", 1.8}, {"陕西", "西安", 2.5},
	{"重庆", "重庆", 3}, {"天津", "天津", 2}, {"辽宁", "沈阳", 1.8}, {"辽宁", "大连", 1.2}, {"江西", "南昌", 1.5},
	{"广西", "南宁", 1.3}, {"云南", "昆明", 1.3}, {"黑龙江", "哈尔滨", 1.2}, {"吉林", "长春", 0.9}, {"山西", "太原", 1},
	{"贵州", "贵阳", 0.9}, {"新疆", "乌鲁木齐", 0.5}, {"内蒙古", "呼和浩特", 0.5}, {"海南", "海口", 0.6}, {"甘肃", "兰州", 0.6},
})

var usPlaces = cumulate([]place{
	{"CA", "Los Angeles", 6}, {"CA", "San Francisco", 3}, {"CA", "San Diego", 2}, {"NY", "New York", 6}, {"TX", "Houston", 3},
	{"TX", "Austin", 2}, {"TX", "Dallas", 2.5}, {"FL", "Miami", 2.5}, {"FL", "Orlando", 1.5}, {"WA", "Seattle", 2.5},
	{"IL", "Chicago", 3}, {"MA", "Boston", 2}, {"NJ", "Newark", 1.5}, {"PA", "Philadelphia", 2}, {"GA", "Atlanta", 2},
	{"CO", "Denver", 1.5}, {"AZ", "Phoenix", 1.8}, {"OR", "Portland", 1.2}, {"MN", "Minneapolis", 1.1}, {"NC", "Charlotte", 1.2},
})

// cumulate turns weights into running totals normalised to 1.
func cumulate(ps []place) []place {
	var sum float64
	for _, p := range ps {
		sum += p.w
	}
	var acc float64
	for i := range ps {
		acc += ps[i].w / sum
		ps[i].w = acc
	}
	return ps
}

func pickPlace(ps []place, h uint64) (string, string) {
	u := float64(h>>11) / (1 << 53)
	for _, p := range ps {
		if u < p.w {
			return p.province, p.city
		}
	}
	last := ps[len(ps)-1]
	return last.province, last.city
}
