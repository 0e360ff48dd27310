package retention

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Age is how long something is kept, as a flag: a number of days ("7d"), a Go duration
// ("12h", "90m"), or "0", which keeps it forever.
type Age time.Duration

// ParseAge reads an Age: "7d", "12h", "1h30m", "0".
func ParseAge(s string) (Age, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > maxDays {
			return 0, fmt.Errorf("%q: days must be a whole number from 0 to %d, as in 7d", s, maxDays)
		}
		return Age(time.Duration(n) * day), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q: not an age: give days (7d), hours (12h) or 0 to keep forever", s)
	}
	if d < 0 {
		return 0, errors.New("an age cannot be negative")
	}
	return Age(d), nil
}

const (
	day = 24 * time.Hour
	// maxDays keeps a number of days within a time.Duration (about 292 years).
	maxDays = 100 * 365
)

// String writes a in the form ParseAge reads: whole days as "7d", 0 as "0".
func (a Age) String() string {
	d := time.Duration(a)
	switch {
	case d == 0:
		return "0"
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return d.String()
}

// Set makes Age a flag.Value.
func (a *Age) Set(s string) error {
	v, err := ParseAge(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}
