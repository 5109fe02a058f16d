package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/data/store/postgres"
)

// cmdBackup copies the database with SQLite's online backup API, safe while `serve` runs; the
// file appears only when the copy is complete.
func cmdBackup(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "civplan.db", dbFlagHelp)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"want: civplan backup FILE [--db civplan.db]"}
	}
	if postgres.IsURL(*dbPath) {
		return backupPostgres(*dbPath, pos[0], stdout)
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
	dbPath := fs.String("db", "civplan.db", dbFlagHelp)
	force := fs.Bool("force", false, "replace an existing database")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"want: civplan restore FILE [--db civplan.db] [--force]"}
	}
	if postgres.IsURL(*dbPath) {
		return fmt.Errorf("restore: %s is a PostgreSQL database, restored with PostgreSQL's own tool, not by civplan: "+
			"stop every civplan serve using it, create an empty database (createdb NEW), run pg_restore --no-owner --dbname=postgres://…/NEW %s "+
			"(a file from civplan backup --db URL, which is pg_dump --format=custom), then start civplan serve --db postgres://…/NEW; nothing was changed",
			postgres.Redact(*dbPath), pos[0])
	}
	if err := store.Restore(context.Background(), pos[0], *dbPath, *force); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s\n", *dbPath, pos[0])
	return nil
}

// backupPostgres writes a pg_dump custom-format archive of the database at url to file (whole,
// or not at all): pg_dump reads one consistent snapshot, so it is safe while replicas serve.
// pg_restore restores it (see cmdRestore). pg_dump must be on PATH, of the server's major
// version or newer.
func backupPostgres(url, file string, stdout io.Writer) error {
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return fmt.Errorf("backup of %s needs pg_dump (Debian: apt-get install postgresql-client), which is not on PATH; or run pg_dump --format=custom --file=%s URL yourself", postgres.Redact(url), file)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".civplan-backup-*.dump")
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.Command(bin, "--format=custom", "--no-owner", "--file="+tmp.Name(), "--dbname="+postgres.LibpqURL(url))
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_dump of %s: %v: %s", postgres.Redact(url), err, strings.TrimSpace(errb.String()))
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil { // token hashes and the audit log
		return err
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (pg_dump custom format; restore with pg_restore, see civplan restore --help)\n", postgres.Redact(url), file)
	return nil
}
