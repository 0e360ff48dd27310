//go:build !unix

package sqldb

import (
	"errors"
	"os"
)

// tryLock refuses: without flock the data directory cannot be guarded, and a restore into the
// directory of a running server would corrupt it.
func tryLock(*os.File) (bool, error) {
	return false, errors.New("locking the data directory needs flock, which this system does not have")
}
