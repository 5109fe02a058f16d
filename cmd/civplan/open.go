package main

import (
	"context"
	"io"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/data/store/postgres"
)

// dbFlagHelp describes every command's --db flag.
const dbFlagHelp = "SQLite database file, or a PostgreSQL URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DB)"

// openStore opens the store db names: a postgres:// or postgresql:// URL is a PostgreSQL
// database (migrated when needed), anything else a SQLite file (created when missing).
func openStore(db string) (store.Handle, error) {
	if postgres.IsURL(db) {
		return postgres.Open(context.Background(), db, postgres.Options{})
	}
	return store.Open(db)
}

// openSeeded opens the database and seeds it from the embedded dataset when it is empty.
func openSeeded(db string, stderr io.Writer) (store.Handle, error) {
	return openSeededFrom(db, "", stderr)
}

// openSeededFrom opens the database and, when it is empty, seeds it from the dataset file dsPath
// (gzipped JSON) or, when dsPath is "", from the embedded Hubei dataset. A dsPath given for a
// database that already holds data is ignored (the database wins). On PostgreSQL the check and
// the seeding run under the store's advisory lock, on SQLite inside its BEGIN IMMEDIATE write
// transaction, so replicas starting together seed once.
func openSeededFrom(db, dsPath string, stderr io.Writer) (store.Handle, error) {
	load := func() (*dataset.Dataset, string, error) { return loadSeedDataset(dsPath) }
	if postgres.IsURL(db) {
		var bar func(done, total int)
		st, err := postgres.Open(context.Background(), db, postgres.Options{
			Seed: func() (*dataset.Dataset, error) {
				ds, from, err := load()
				bar = newBar(stderr, "seeding "+postgres.Redact(db)+" from "+from)
				return ds, err
			},
			Progress: func(done, total int) { bar(done, total) },
		})
		return st, err
	}
	var bar func(done, total int)
	st, err := store.OpenSeeded(db, store.SeedOptions{
		Seed: func() (*dataset.Dataset, error) {
			ds, from, err := load()
			bar = newBar(stderr, "seeding "+db+" from "+from)
			return ds, err
		},
		Progress: func(done, total int) { bar(done, total) },
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}
