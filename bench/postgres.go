package main

import (
	"context"
	"database/sql"
	"log"
	"net/url"
	"os"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// postgresSchema returns a URL of the benchmark database whose search_path is schema, creating
// the schema (anew when fresh).
func postgresSchema(ctx context.Context, schema string, fresh bool) string {
	base := postgresBase()
	db, err := sql.Open("pgx", base)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if fresh {
		if _, err := db.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		log.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		log.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// postgresBase is the URL of the benchmarks' PostgreSQL database.
func postgresBase() string {
	if base := os.Getenv("ROSTER_BENCH_POSTGRES_URL"); base != "" {
		return base
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// settle runs a CHECKPOINT on PostgreSQL before a timed phase. Otherwise the server flushes
// the previous phase's writes in a checkpoint it starts in the middle of this one (every
// gigabyte of WAL, several times a run here): the same import measured 8.9 s and 13.2 s.
func (b *bench) settle(ctx context.Context) {
	if b.engine != "postgres" {
		return
	}
	db, err := sql.Open("pgx", postgresBase())
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		log.Fatalf("CHECKPOINT (the benchmark's PostgreSQL user needs pg_checkpoint): %v", err)
	}
}
