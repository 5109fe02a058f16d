package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/civplan/civplan/data/store"
)

// cmdBackup copies the database with SQLite's online backup API, safe while `serve` runs; the
// file appears only when the copy is complete.
func cmdBackup(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "civplan.db", "SQLite database to back up")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"want: civplan backup FILE [--db civplan.db]"}
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return fmt.Errorf("database %w", err)
	}
	st, err := store.Open(*dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	tmp, err := os.CreateTemp(filepath.Dir(pos[0]), ".civplan-backup-*.db")
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := st.Backup(context.Background(), tmp.Name()); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", *dbPath, pos[0])
	return nil
}

// cmdRestore replaces the database with a backup (stop the server first).
func cmdRestore(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "civplan.db", "SQLite database to replace")
	force := fs.Bool("force", false, "replace an existing database")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"want: civplan restore FILE [--db civplan.db] [--force]"}
	}
	if err := store.Restore(context.Background(), pos[0], *dbPath, *force); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s\n", *dbPath, pos[0])
	return nil
}
