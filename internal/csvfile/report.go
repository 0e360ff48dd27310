package csvfile

import (
	"io"
	"strconv"

	"roster"
)

// Outcome is what a task did with one row of a file.
type Outcome string

// Outcomes of SPEC §2.
const (
	OutcomeCreated   Outcome = "created"
	OutcomeUpdated   Outcome = "updated"
	OutcomeUnchanged Outcome = "unchanged"
	OutcomeError     Outcome = "error"
	OutcomeWarning   Outcome = "warning"
)

// ReportRow is one line of a per-row task report.
type ReportRow struct {
	Row     int // the line of the file where the row starts; 0 for the file as a whole (written empty)
	Email   string
	Outcome Outcome
	Code    roster.Code // empty when all went well
	Message string
}

// reportHeader is the header of the per-row report (SPEC §2).
var reportHeader = []string{"Row", "Email", "Outcome", "Code", "Message"}

// ReportWriter writes a per-row task report as CSV, streaming, with the same encoding and
// formula escaping as the export: the emails and messages in it come from uploaded files.
type ReportWriter struct {
	w     *Writer
	cells [5]string
}

// NewReportWriter returns a ReportWriter on w and writes the header (to its buffer).
func NewReportWriter(w io.Writer) *ReportWriter {
	rw := &ReportWriter{w: NewWriter(w)}
	// An error is sticky in the Writer: Write and Flush return it.
	_ = rw.w.WriteRow(reportHeader...)
	return rw
}

// Write writes one report line.
func (w *ReportWriter) Write(r ReportRow) error {
	c := &w.cells
	c[0] = ""
	if r.Row > 0 {
		c[0] = strconv.Itoa(r.Row)
	}
	c[1], c[2], c[3], c[4] = r.Email, string(r.Outcome), string(r.Code), r.Message
	return w.w.WriteRow(c[:]...)
}

// Flush writes what is buffered. Call it at the end.
func (w *ReportWriter) Flush() error { return w.w.Flush() }
