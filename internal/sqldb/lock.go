package sqldb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lockFileName is the file in the data directory whose lock says that a process has the
// SQLite database open for writing: a server, a migration or a restore.
const lockFileName = "roster.lock"

// ErrDataDirInUse is the error of LockDataDir when another process holds the lock.
var ErrDataDirInUse = errors.New("the data directory is in use")

// DataDirLock is the exclusive lock of a data directory, held until Release. The operating
// system releases it when the process ends, however it ends: a server killed with SIGKILL
// leaves no lock behind.
type DataDirLock struct {
	file *os.File
}

// LockDataDir takes the exclusive lock of the data directory dir, creating dir if needed,
// and writes this process's id into the lock file for the message of the next one. It does
// not wait: when another process holds the lock, the error wraps ErrDataDirInUse and names
// that process's id.
func LockDataDir(dir string) (*DataDirLock, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	held, err := tryLock(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !held {
		pid := readPID(f)
		_ = f.Close()
		if pid == "" {
			return nil, fmt.Errorf("%w by a running server (%s)", ErrDataDirInUse, path)
		}
		return nil, fmt.Errorf("%w by a running server (pid %s)", ErrDataDirInUse, pid)
	}
	// The pid is only a hint for the message above: the lock itself is what counts, so a
	// failure to write it is no reason to refuse the start.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &DataDirLock{file: f}, nil
}

// Release releases the lock. The file stays: removing it would let a process that opened it
// just before lock a file no other process can find any more.
func (l *DataDirLock) Release() error {
	if l == nil || l.file == nil {
		return nil
	}
	err := l.file.Close() // closing the descriptor releases its lock
	l.file = nil
	return err
}

func readPID(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid := strings.TrimSpace(string(b[:n]))
	if _, err := strconv.Atoi(pid); err != nil {
		return ""
	}
	return pid
}
