package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"roster"
)

// ETag returns the entity tag of a record version: the version in quotes.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// AnyVersion is the If-Match value that matches every version of an existing record.
const AnyVersion = "*"

// ifMatch reads the If-Match header of r as the version the application layer must find, where
// 0 means any version. present is false when there is no If-Match header.
func ifMatch(r *http.Request) (version int64, present bool, err error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return 0, false, nil
	}
	if v == AnyVersion {
		return 0, true, nil
	}
	if strings.Contains(v, ",") {
		return 0, true, roster.InvalidFields(roster.FieldError{Field: "If-Match", Code: roster.CodeInvalid,
			Message: `Send one entity tag in If-Match, as the ETag header gave it (for example "3"), or *.`})
	}
	// A weak tag names the same version here: versions change with every write.
	tag := strings.TrimPrefix(v, "W/")
	if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return 0, true, roster.InvalidFields(roster.FieldError{Field: "If-Match", Code: roster.CodeInvalid,
			Message: `If-Match must be an entity tag in double quotes, as the ETag header gave it (for example "3"), or *.`})
	}
	n, perr := strconv.ParseInt(tag[1:len(tag)-1], 10, 64)
	if perr != nil || n <= 0 {
		// No record ever has this tag, so the precondition fails, as it would for a stale one.
		// (Version 0 must not reach the application layer, where it means "any".)
		return 0, true, roster.Errorf(roster.CodePreconditionFailed,
			"The record was changed by someone else since you read it (If-Match does not match). Read it again and retry.")
	}
	return n, true, nil
}

// requireIfMatch is ifMatch for changes that must name the version they were made against.
func requireIfMatch(r *http.Request) (int64, error) {
	v, present, err := ifMatch(r)
	if err == nil && !present {
		err = roster.Errorf(roster.CodePreconditionRequired,
			`This change needs an If-Match header: the ETag of the record as you read it (for example "3"), or * to overwrite any version.`)
	}
	return v, err
}

// setETag sets the ETag of a response to version.
func setETag(w http.ResponseWriter, version int64) { w.Header().Set("ETag", ETag(version)) }
