package roster

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

var idState struct {
	sync.Mutex
	lastMS  int64
	counter uint16
}

// NewID returns a new time-ordered identifier: a UUIDv7 (RFC 9562) in its canonical text form.
// Ids made in one process are strictly increasing, which keeps index inserts at the end of the
// B-tree and makes ids usable as cursors.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("roster: no randomness: " + err.Error())
	}

	idState.Lock()
	ms := time.Now().UnixMilli()
	if ms <= idState.lastMS {
		// Same or earlier millisecond: keep ordering with the 12-bit counter of rand_a, and
		// borrow the next millisecond when it overflows.
		idState.counter++
		if idState.counter > 0x0fff {
			idState.lastMS++
			idState.counter = 0
		}
		ms = idState.lastMS
	} else {
		idState.lastMS = ms
		idState.counter = binary.BigEndian.Uint16(b[6:8]) & 0x01ff // leave headroom to count up
	}
	counter := idState.counter
	idState.Unlock()

	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(ms))
	copy(b[0:6], ts[2:8])
	b[6] = 0x70 | byte(counter>>8)&0x0f
	b[7] = byte(counter)
	b[8] = b[8]&0x3f | 0x80

	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// IsID reports whether s has the form of a record id: a UUID in its canonical text form, in
// lower case, as NewID writes it.
func IsID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if r != '-' {
				return false
			}
		} else if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// FirstIDAt returns the smallest identifier NewID makes at time t (to the millisecond): every
// id made before t sorts before it, and every id made at or after t does not, so that a range
// of ids is a range of creation times.
func FirstIDAt(t time.Time) string {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(max(t.UnixMilli(), 0)))
	var s [36]byte
	hex.Encode(s[0:8], ts[2:6])
	s[8] = '-'
	hex.Encode(s[9:13], ts[6:8])
	copy(s[13:], "-7000-8000-000000000000")
	return string(s[:])
}
