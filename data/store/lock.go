package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// fileLock is an advisory flock(2) on "<db>.lock" beside a database file: every open store holds
// it shared (several servers and CLI writers may use one file at once); Restore needs it
// exclusively, so it cannot replace a file that a running server still serves.
type fileLock struct{ f *os.File }

// ErrInUse says that another process holds the database open (a running `civplan serve` or a
// CLI command), so it cannot be replaced now.
var ErrInUse = errors.New("database in use")

// lockPath is the lock file of the database at dbPath.
func lockPath(dbPath string) string { return dbPath + ".lock" }

// lockFile takes the lock of dbPath shared (exclusive=false) or exclusively, without waiting: a
// conflicting holder gives ErrInUse at once.
func lockFile(dbPath string, exclusive bool) (*fileLock, error) {
	f, err := os.OpenFile(lockPath(dbPath), os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", lockPath(dbPath), err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if exclusive {
				return nil, fmt.Errorf("%w: %s is open in another civplan process (a running `civplan serve` or a CLI command holds %s); stop the server (Ctrl-C, or `systemctl stop civplan`) and try again", ErrInUse, dbPath, lockPath(dbPath))
			}
			return nil, fmt.Errorf("%w: %s is being restored (another process holds %s exclusively); try again when the restore has finished", ErrInUse, dbPath, lockPath(dbPath))
		}
		return nil, fmt.Errorf("lock %s: %w", lockPath(dbPath), err)
	}
	return &fileLock{f: f}, nil
}

// unlock releases the lock; nil-safe.
func (l *fileLock) unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	return errors.Join(err, l.f.Close())
}
