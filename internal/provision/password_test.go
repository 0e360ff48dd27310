package provision

import (
	"strings"
	"testing"

	"roster"
)

func TestPasswordHash(t *testing.T) {
	h, err := hashPasswordWith("correct horse battery", passwordIterations)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "pbkdf2-sha256$600000$") {
		t.Errorf("hash %q", h)
	}
	if !passwordMatches(h, "correct horse battery") || passwordMatches(h, "correct horse batterz") || passwordMatches("md5$x", "x") {
		t.Error("passwordMatches is wrong")
	}
	h2, _ := hashPasswordWith("correct horse battery", passwordIterations)
	if h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for pw, ok := range map[string]bool{"short": false, "twelve chars": true, strings.Repeat("ł", 257): false, "\xff\xfe invalid utf8": false} {
		if err := checkPassword(pw); (err == nil) != ok || (err != nil && roster.ErrorCode(err) != roster.CodeInvalid) {
			t.Errorf("checkPassword(%q) = %v", pw, err)
		}
	}
}
