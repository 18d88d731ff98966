// Package report assembles what the agency and its clients read: the agency
// cockpit (PRODUCT.md G1) now, the scheduled business reviews (G4) and the
// value report (G6) later. It computes no KPI itself: every figure comes
// from metrics.Service, the one definition of each KPI, and every contract
// figure from the catalog. It must not import web.
package report
