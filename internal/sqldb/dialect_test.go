package sqldb

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x = '?' AND y = ? AND z = \"a?b\" AND w = 'it''s ?' AND v = ?", "x = '?' AND y = $1 AND z = \"a?b\" AND w = 'it''s ?' AND v = $2"},
	}
	for _, tt := range tests {
		for range 2 { // the second time from the cache
			if got := postgresDialect.rebind(tt.in); got != tt.want {
				t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
		if got := sqliteDialect.rebind(tt.in); got != tt.in {
			t.Errorf("sqlite rebind(%q) = %q", tt.in, got)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p, want string
		ok      bool
	}{
		{"", "", false},
		{"a", "b", true},
		{"ann", "ano", true},
		{"å", "æ", true},
		{"łu", "łv", true},
		{"ł", "Ń" /* U+0143, after U+0142; lower case is not the point */, true},
		{"a\u007f", "a\u0080", true},
		{"a\ud7ff", "a\ue000", true},
		{"a\U0010FFFF", "b", true},
		{"\U0010FFFF\U0010FFFF", "", false},
		{"z\uffff", "z\U00010000", true},
	}
	for _, tt := range tests {
		got, ok := prefixEnd(tt.p)
		if got != tt.want || ok != tt.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", tt.p, got, ok, tt.want, tt.ok)
		}
		if !ok {
			continue
		}
		// What a range [p, end) must hold, in byte order.
		if !utf8.ValidString(got) || got <= tt.p {
			t.Errorf("prefixEnd(%q) = %q is not a valid string after the prefix", tt.p, got)
		}
		for _, s := range []string{tt.p, tt.p + "a", tt.p + "\U0010FFFF", tt.p + "\U0010FFFFzz"} {
			if s >= got {
				t.Errorf("%q starts with %q but is not below %q", s, tt.p, got)
			}
		}
		if strings.HasPrefix(got, tt.p) {
			t.Errorf("the end %q itself starts with %q", got, tt.p)
		}
	}
}
