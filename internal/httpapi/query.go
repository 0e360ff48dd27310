package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"roster"
	"roster/internal/provision"
)

// query reads the query string of r, refusing parameters not in allowed and parameters given
// more than once: a misspelled filter silently ignored would return the wrong users.
func query(r *http.Request, allowed ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, roster.Errorf(roster.CodeInvalid, "The query string is not valid: %s.", err)
	}
	var errs []roster.FieldError
	for name, vs := range q {
		switch {
		case !slices.Contains(allowed, name):
			errs = append(errs, roster.FieldError{Field: name, Code: roster.CodeInvalid,
				Message: "Unknown query parameter " + strconv.Quote(name) + "; use one of: " + strings.Join(allowed, ", ") + "."})
		case len(vs) > 1:
			errs = append(errs, roster.FieldError{Field: name, Code: roster.CodeInvalid,
				Message: "The query parameter " + name + " is given more than once."})
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b roster.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return nil, roster.InvalidFields(errs...)
	}
	return q, nil
}

// limitParam reads the page size; absent means the default page size.
func limitParam(q url.Values) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n == 0 {
		// Only an absent limit asks for the default size.
		n = -1
	}
	return n, provision.CheckPageSize(n)
}

// boolParam reads a parameter that is true or false; absent is nil.
func boolParam(q url.Values, name string) (*bool, error) {
	switch s := q.Get(name); s {
	case "":
		return nil, nil
	case "true", "false":
		b := s == "true"
		return &b, nil
	default:
		return nil, roster.InvalidFields(roster.FieldError{Field: name, Code: roster.CodeInvalid,
			Message: "Unknown value " + strconv.Quote(s) + " for " + name + "; use true or false."})
	}
}

// timeParam reads an RFC 3339 time; absent is the zero time.
func timeParam(q url.Values, name string) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, roster.InvalidFields(roster.FieldError{Field: name, Code: roster.CodeInvalid,
			Message: "The time " + name + " must be in RFC 3339 form, for example 2025-01-31T09:00:00Z."})
	}
	return t, nil
}

// Cursors are opaque to clients: the application layer's position, base64url-encoded, so that
// clients pass them back as they are and the position's form may change. A cursor names the
// list that gave it out and ends with a CRC-32 of the rest, so that a cursor that was changed,
// cut short or taken from another list is refused as invalid_cursor instead of silently
// starting somewhere else. The checksum is no secret: a cursor made by hand still only pages
// through the lists the token may read, so nothing needs to be signed.

// cursorList names the list a cursor belongs to.
type cursorList string

// The lists that page, and what their position is.
const (
	cursorUsers      cursorList = "users"       // email of the last user
	cursorAgents     cursorList = "agents"      // email of the last agent
	cursorGroups     cursorList = "groups"      // folded name of the last group
	cursorMembers    cursorList = "members"     // id of the last member
	cursorUserGroups cursorList = "user-groups" // id of the last group
	cursorTasks      cursorList = "tasks"       // id of the last task
	cursorEmails     cursorList = "emails"      // id of the last message
	cursorAudit      cursorList = "audit"       // id of the last entry
)

// scoped returns the list l narrowed by filters: a cursor of one filtered list is refused by the
// same list under other filters, whose page after that position would be another one than the
// client asked for (an agent left out by the first filter is never shown, or shown twice).
// The filters are folded into a SHA-256 prefix so that the cursor stays short whatever they
// are; the order of filters is the caller's and must be fixed.
func (l cursorList) scoped(filters ...string) cursorList {
	h := sha256.New()
	for _, f := range filters {
		// Lengths first, so that ("ab", "c") and ("a", "bc") differ.
		_ = binary.Write(h, binary.BigEndian, uint32(len(f)))
		h.Write([]byte(f))
	}
	return cursorList(string(l) + "/" + hex.EncodeToString(h.Sum(nil)[:8]))
}

// positionsAreIDs reports whether a list's position is a record id.
func (l cursorList) positionsAreIDs() bool {
	switch l {
	case cursorMembers, cursorUserGroups, cursorTasks, cursorEmails, cursorAudit:
		return true
	}
	return false
}

// maxPosition bounds a position: the longest is an email address or a group name.
const maxPosition = 1024

// encodeCursor returns the cursor of a page position of list, or nil after the last page.
func encodeCursor(list cursorList, next string) *string {
	if next == "" {
		return nil
	}
	payload := []byte(string(list) + "\x00" + next)
	payload = binary.BigEndian.AppendUint32(payload, crc32.ChecksumIEEE(payload))
	c := base64.RawURLEncoding.EncodeToString(payload)
	return &c
}

// decodeCursor reads the cursor parameter of list back into a page position.
func decodeCursor(q url.Values, list cursorList) (string, error) {
	c := q.Get("cursor")
	if c == "" {
		return "", nil
	}
	position, valid := cursorPosition(c, list)
	if !valid {
		msg := "The cursor is not one this list gave out; pass the nextCursor of the previous page as it is, or leave the cursor out to start again from the first page."
		return "", &roster.Error{Code: roster.CodeInvalidCursor, Message: msg,
			Fields: []roster.FieldError{{Field: "cursor", Code: roster.CodeInvalidCursor, Message: msg}}}
	}
	return position, nil
}

// cursorPosition checks a cursor of list and returns its position.
func cursorPosition(c string, list cursorList) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 4 {
		return "", false
	}
	payload, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(payload) != sum {
		return "", false
	}
	name, position, found := strings.Cut(string(payload), "\x00")
	if !found || name != string(list) || position == "" || len(position) > maxPosition || !utf8.ValidString(position) {
		return "", false
	}
	if list.positionsAreIDs() {
		return position, roster.IsID(position)
	}
	return position, strings.IndexFunc(position, unicode.IsControl) < 0
}
