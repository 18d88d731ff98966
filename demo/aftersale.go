package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// afterOrder writes the customer-service sessions, review and NPS answer
// that follow an order.
func (s *shopGen) afterOrder(sk *sink, r *rand.Rand, o orderRow, refunded bool) error {
	if o.ring {
		if !o.t.shipped.IsZero() && r.Float64() < 0.6 {
			return s.review(sk, r, o, o.t.shipped.Add(time.Duration(24+24*r.Float64())*time.Hour), 5)
		}
		return nil
	}
	t := o.t
	if r.Float64() < 0.2 {
		at := t.created.Add(-time.Duration(2+38*r.Float64()) * time.Minute)
		if err := s.csSession(sk, r, o.customer, at, false, ""); err != nil {
			return err
		}
	}
	if !t.refundReq.IsZero() && r.Float64() < 0.7 {
		class := "product"
		if u := r.Float64(); u > 0.9 {
			class = "strategy"
		} else if u > 0.6 {
			class = "service"
		}
		if err := s.csSession(sk, r, o.customer, t.refundReq.Add(-10*time.Minute), r.Float64() < 0.35, class); err != nil {
			return err
		}
	}
	if !t.shipped.IsZero() && t.shipped.Sub(t.paid) > 48*time.Hour && r.Float64() < 0.5 {
		if err := s.csSession(sk, r, o.customer, t.paid.Add(48*time.Hour), true, "service"); err != nil {
			return err
		}
	}
	if !t.shipped.IsZero() {
		bad := !t.refundReq.IsZero()
		p, rating := 0.18, reviewRating(r)
		if bad {
			p, rating = 0.25, 1+r.IntN(3)
		}
		if r.Float64() < p {
			if err := s.review(sk, r, o, t.shipped.Add(time.Duration(48+200*r.Float64())*time.Hour), rating); err != nil {
				return err
			}
		}
		if r.Float64() < 0.03 {
			at := t.shipped.Add(time.Duration(7*24+168*r.Float64()) * time.Hour)
			if at.Before(s.cutoff) {
				score := npsScore(r, bad)
				s.npsSeq++
				if err := sk.add(tNPS, s.cl.c.ID, s.shop.ID, fmt.Sprintf("nps-%d-%d", s.idx, s.npsSeq), o.customer, int32(score),
					nullable(npsComment(r, s.us, score)), at, civil(at.In(s.loc))); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// reviewRating draws the rating of an order without problems.
func reviewRating(r *rand.Rand) int {
	switch u := r.Float64(); {
	case u > 0.98:
		return 1
	case u > 0.95:
		return 2
	case u > 0.88:
		return 3
	case u > 0.68:
		return 4
	}
	return 5
}

func npsScore(r *rand.Rand, bad bool) int {
	u := r.Float64()
	if bad {
		u *= 0.6
	}
	switch {
	case u > 0.45:
		return 9 + r.IntN(2)
	case u > 0.15:
		return 7 + r.IntN(2)
	}
	return r.IntN(7)
}

func (s *shopGen) review(sk *sink, r *rand.Rand, o orderRow, at time.Time, rating int) error {
	if !at.Before(s.cutoff) {
		return nil
	}
	s.revSeq++
	lang := "zh"
	if s.us {
		lang = "en"
	}
	body := reviewBody(r, s.us, rating)
	if o.ring {
		body = pick(r, []string{"好评！", "很好，好评", "不错不错", "五星好评！", "质量好，物流快"})
	}
	return sk.add(tReviews, s.cl.c.ID, s.shop.ID, fmt.Sprintf("rv-%d-%d", s.idx, s.revSeq), o.no, o.lines[0].k.id,
		o.customer, int32(rating), body, lang, at, civil(at.In(s.loc)))
}

// csSession writes one customer-service session: most first replies come
// within 30 seconds; complaints resolve less and rate lower.
func (s *shopGen) csSession(sk *sink, r *rand.Rand, customer string, at time.Time, complaint bool, class string) error {
	at = at.Truncate(time.Second)
	if !at.Before(s.cutoff) {
		return nil
	}
	s.csSeq++
	var first any
	if r.Float64() > 0.03 {
		first = int32(math.Max(1, math.Round(9*math.Exp(0.6*r.NormFloat64()))))
	}
	resolved := r.Float64() < 0.93
	if complaint {
		resolved = r.Float64() < 0.7
	}
	var sat any
	if r.Float64() < 0.55 {
		v := 5
		switch u := r.Float64(); {
		case complaint && u < 0.5:
			v = 1 + r.IntN(2)
		case complaint:
			v = 3 + r.IntN(2)
		case u < 0.05:
			v = 2 + r.IntN(2)
		case u < 0.35:
			v = 4
		}
		sat = int32(v)
	}
	agents := cnAgents
	if s.us {
		agents = usAgents
	}
	return sk.add(tCS, s.cl.c.ID, s.shop.ID, fmt.Sprintf("cs-%d-%d", s.idx, s.csSeq), customer, at, civil(at.In(s.loc)),
		pick(r, agents), first, resolved, sat, complaint, nullable(class))
}
