// Package pgtest gives tests a fresh, empty PostgreSQL database on the real
// server the test script provides (DAIYUN_TEST_PG, default
// postgres://postgres@127.0.0.1:5432/test). Each call creates its own
// database and drops it when the test ends, so packages can run in parallel.
//
// When no server answers, tests fail rather than skip: `make test` starts a
// throwaway server first (scripts/pg-ensure.sh), so a missing one is a setup
// fault to see, not a reason to pass silently. Set DAIYUN_TEST_PG=skip to
// skip PostgreSQL suites deliberately.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// AdminURL is the server the test databases are created on.
func AdminURL() string {
	if u := os.Getenv("DAIYUN_TEST_PG"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// New creates an empty database and returns its URL.
func New(tb testing.TB) string {
	tb.Helper()
	admin := AdminURL()
	if admin == "skip" {
		tb.Skip("DAIYUN_TEST_PG=skip: PostgreSQL suites skipped")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("pgtest: no PostgreSQL at %s (run `make test`, which starts one): %v", admin, err)
	}
	defer conn.Close(context.Background())
	b := make([]byte, 6)
	rand.Read(b)
	name := "daiyun_t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("pgtest: bad DAIYUN_TEST_PG: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
