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

// precondition is the If-Match of a change. It is read before the change and judged after the
// application layer has authorized the change and found its record, the order of RFC 9110
// §13.2.1: a request that would be refused without its If-Match (403, 404) is refused as such,
// whatever its If-Match says, and a missing or malformed If-Match is reported only to an actor
// who may make the change.
type precondition struct {
	version int64 // the version the record must have; 0 means any
	err     error // what is wrong with the If-Match: missing where required, or malformed
}

// noVersion is what the application layer is asked to find when the If-Match is missing or
// malformed: no record has it (versions start at 1), so the change fails its precondition
// where the application layer checks it, after authorization and lookup, and result says why.
const noVersion = -1

// ifMatch reads the If-Match header of r; a change without one applies to any version.
func ifMatch(r *http.Request) precondition {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return precondition{}
	}
	if v == AnyVersion {
		return precondition{}
	}
	if strings.Contains(v, ",") {
		return precondition{err: roster.InvalidFields(roster.FieldError{Field: "If-Match", Code: roster.CodeInvalid,
			Message: `Send one entity tag in If-Match, as the ETag header gave it (for example "3"), or *.`})}
	}
	// A weak tag names the same version here: versions change with every write.
	tag := strings.TrimPrefix(v, "W/")
	if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return precondition{err: roster.InvalidFields(roster.FieldError{Field: "If-Match", Code: roster.CodeInvalid,
			Message: `If-Match must be an entity tag in double quotes, as the ETag header gave it (for example "3"), or *.`})}
	}
	n, perr := strconv.ParseInt(tag[1:len(tag)-1], 10, 64)
	if perr != nil || n <= 0 {
		// No record ever has this tag, so the precondition fails, as it would for a stale one.
		// (Version 0 must not reach the application layer, where it means "any".)
		return precondition{version: noVersion}
	}
	return precondition{version: n}
}

// requireIfMatch is ifMatch for changes that must name the version they were made against.
func requireIfMatch(r *http.Request) precondition {
	if strings.TrimSpace(r.Header.Get("If-Match")) == "" {
		return precondition{err: roster.Errorf(roster.CodePreconditionRequired,
			`This change needs an If-Match header: the ETag of the record as you read it (for example "3"), or * to overwrite any version.`)}
	}
	return ifMatch(r)
}

// expect is the version to hand the application layer: 0 for any.
func (p precondition) expect() int64 {
	if p.err != nil {
		return noVersion
	}
	return p.version
}

// result is err, the outcome of the change, with a failed precondition explained by what is
// wrong with the If-Match, when something is.
func (p precondition) result(err error) error {
	if p.err != nil && roster.ErrorCode(err) == roster.CodePreconditionFailed {
		return p.err
	}
	return err
}

// setETag sets the ETag of a response to version.
func setETag(w http.ResponseWriter, version int64) { w.Header().Set("ETag", ETag(version)) }
