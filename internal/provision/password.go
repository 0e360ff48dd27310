package provision

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"roster"
)

// Console passwords are hashed with PBKDF2-SHA256 (the standard library's crypto/pbkdf2) at
// the iteration count OWASP recommends for it, with a random salt, and stored with both, so
// that the count can grow without invalidating stored hashes.
const (
	passwordIterations = 600_000
	minPasswordLength  = 12
	maxPasswordLength  = 256
)

// checkPassword explains what is wrong with a new console password, if anything.
func checkPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return roster.InvalidFields(roster.FieldError{Field: "password", Code: roster.CodeInvalid, Message: "The password is not valid text."})
	case n < minPasswordLength:
		return roster.InvalidFields(roster.FieldError{Field: "password", Code: roster.CodeInvalid,
			Message: fmt.Sprintf("The password must have at least %d characters.", minPasswordLength)})
	case n > maxPasswordLength:
		return roster.InvalidFields(roster.FieldError{Field: "password", Code: roster.CodeInvalid,
			Message: fmt.Sprintf("The password must have at most %d characters.", maxPasswordLength)})
	}
	return nil
}

// hashPassword returns the stored form of a password: "pbkdf2-sha256$iterations$salt$key".
func (s *Service) hashPassword(pw string) (string, error) {
	return hashPasswordWith(pw, s.passwordIterations)
}

func hashPasswordWith(pw string, iterations int) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha256.New, pw, salt, iterations, 32)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return "pbkdf2-sha256$" + strconv.Itoa(iterations) + "$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(key), nil
}

// passwordMatches reports whether pw is the password of a stored hash.
func passwordMatches(stored, pw string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	want, err2 := enc.DecodeString(parts[3])
	if err != nil || err1 != nil || err2 != nil || iter <= 0 {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pw, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}
