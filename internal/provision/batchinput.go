package provision

import (
	"io"
	"strconv"
	"strings"

	"roster"
	"roster/internal/csvfile"
)

// SplitEmails reads a pasted list of addresses: one a line, or separated by commas or
// semicolons, spaces around them ignored. It returns them normalized, each once, in the order
// first seen; an address pasted twice is one person.
func SplitEmails(text string) []string {
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ';' })
	out := make([]string, 0, len(fields))
	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		e := NormalizeEmail(f)
		if e == "" || seen[e] {
			continue
		}
		seen[e] = true
		out = append(out, e)
	}
	return out
}

// CheckEntries checks what the entries of a submission say on their own, before anything is
// looked up: at most 25, each address well formed and on one entry only, names valid text. A
// form calls it to show problems where they were typed, before the preview. Each problem is a
// field error named by the input and the entry's index ("email.3", "firstName.0"); an address
// on an earlier entry has the code duplicate_email. AddOrModifyUsers checks the same per entry
// when it runs.
func CheckEntries(entries []BatchEntry) error {
	if len(entries) > MaxBatchEntries {
		return (&roster.Error{Code: roster.CodeBatchTooLarge,
			Message: "Up to 25 people can be added or modified at a time; this list has " + strconv.Itoa(len(entries)) + ". Use a CSV import for more."}).
			With("Max", MaxBatchEntries).With("Count", len(entries))
	}
	if len(entries) == 0 {
		return roster.InvalidFields(roster.FieldError{Field: "entries", Code: roster.CodeInvalid, Message: "Enter at least one email address."})
	}
	var errs []roster.FieldError
	add := func(i int, fe *roster.FieldError) {
		if fe != nil {
			fe.Field += "." + strconv.Itoa(i)
			errs = append(errs, *fe)
		}
	}
	first := make(map[string]int, len(entries))
	for i, e := range entries {
		email := NormalizeEmail(e.Email)
		if fe := validateEmail("email", email); fe != nil {
			add(i, fe)
		} else if j, dup := first[email]; dup {
			add(i, &roster.FieldError{Field: "email", Code: roster.CodeDuplicateEmail,
				Message: "This email address is also on entry " + strconv.Itoa(j+1) + "."})
		} else {
			first[email] = i
		}
		add(i, validateText("firstName", "The first name", e.FirstName, maxNameLen))
		add(i, validateText("lastName", "The last name", e.LastName, maxNameLen))
	}
	if len(errs) > 0 {
		return roster.InvalidFields(errs...)
	}
	return nil
}

// WriteBatchReport writes the results of a submission as the per-row report of SPEC §2 (CSV:
// entry number, email, outcome, code, message), for the wizard's "Download (CSV)". Like every
// report it stays in English with the stable code, so that it remains machine-readable.
func WriteBatchReport(w io.Writer, rec *BatchRecord) error {
	rw := csvfile.NewReportWriter(w)
	for i, r := range rec.Results {
		outcome := csvfile.Outcome(r.Outcome)
		if r.Outcome == Failed {
			outcome = csvfile.OutcomeError
		}
		if err := rw.Write(csvfile.ReportRow{Row: i + 1, Email: r.Email, Outcome: outcome, Code: r.Code, Message: r.Message}); err != nil {
			return err
		}
	}
	return rw.Flush()
}
