package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

// Restore replaces the database at dbPath with the backup at backupPath. The backup is opened
// read-only and must pass PRAGMA integrity_check and carry a schema this build knows; it is
// copied to a temporary file beside dbPath that is renamed into place only when complete, so a
// failed restore leaves dbPath as it was. An existing dbPath is replaced only with force. It
// takes dbPath's lock exclusively and fails at once with ErrInUse while any server or CLI
// command has the database open (a server would go on acknowledging writes to the old file).
func Restore(ctx context.Context, backupPath, dbPath string, force bool) error {
	lock, err := lockFile(dbPath, true)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer lock.unlock()
	if _, err := os.Stat(backupPath); err != nil {
		return fmt.Errorf("restore: backup %w", err)
	}
	if _, err := os.Stat(dbPath); err == nil && !force {
		return fmt.Errorf("restore: %s exists; pass --force to replace it", dbPath)
	}
	src, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: backupPath}).EscapedPath()+"?mode=ro&_query_only=1")
	if err != nil {
		return fmt.Errorf("restore: open %s: %w", backupPath, err)
	}
	defer src.Close()
	var ok string
	if err := src.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ok); err != nil {
		return fmt.Errorf("restore: %s is not a SQLite database: %w", backupPath, err)
	}
	if ok != "ok" {
		return fmt.Errorf("restore: %s fails the integrity check: %s", backupPath, ok)
	}
	ver, err := currentSchema(ctx, src)
	if err != nil || ver < 1 {
		return fmt.Errorf("restore: %s is not a civplan database (no schema version)", backupPath)
	}
	if ver > SchemaVersion() {
		return fmt.Errorf("restore: %s has schema %d, newer than this civplan's %d", backupPath, ver, SchemaVersion())
	}
	tmp, err := os.CreateTemp(filepath.Dir(dbPath), ".civplan-restore-*.db")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpPath)
	st := &SQLite{path: backupPath, Core: NewCore(SQLiteDialect(), backupPath, src, nil)}
	if err := st.Backup(ctx, tmpPath); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmpPath, dbPath); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}
