package csvfile

import (
	"fmt"
	"io"
	"strings"

	"roster"
)

// The agent update template of SPEC §3: one row per agent, with the names (not the ids) of its
// site, teams and profiles. Email, First Name, Last Name and User Profile come from the
// directory and are read-only: an upload ignores them.

// AgentField is a column of the agent file that an upload reads.
type AgentField int

// Agent fields, in the order of the export.
const (
	AgentEmail AgentField = iota
	AgentContactCenterEnabled
	AgentSite
	AgentTeams
	AgentSkillProfile
	AgentAgentProfile
	AgentMultimediaProfile
	AgentExternalID
	AgentDefaultDialNumber
	numAgentFields

	agentReadOnly AgentField = -1
)

// Header texts of the agent export, exact.
const (
	headerAgentEmail      = "Email"
	headerAgentUser       = "User Profile"
	headerAgentEnabled    = "Contact Center Enabled"
	headerAgentSite       = "Site"
	headerAgentTeams      = "Teams"
	headerAgentSkill      = "Skill Profile"
	headerAgentAgent      = "Agent Profile"
	headerAgentMultimedia = "Multimedia Profile"
	headerAgentExternalID = "External ID"
	headerAgentDialNumber = "Default Dial Number"
)

var agentFieldHeaders = [numAgentFields]string{
	headerAgentEmail, headerAgentEnabled, headerAgentSite, headerAgentTeams, headerAgentSkill,
	headerAgentAgent, headerAgentMultimedia, headerAgentExternalID, headerAgentDialNumber,
}

// String returns the header text of the field in our export.
func (f AgentField) String() string {
	if f < 0 || f >= numAgentFields {
		return fmt.Sprintf("AgentField(%d)", int(f))
	}
	return agentFieldHeaders[f]
}

// AgentHeader returns the header of the agent export, in order.
func AgentHeader() []string {
	return []string{
		headerAgentEmail, headerFirstName, headerLastName, headerAgentUser, headerAgentEnabled, headerAgentSite,
		headerAgentTeams, headerAgentSkill, headerAgentAgent, headerAgentMultimedia, headerAgentExternalID,
		headerAgentDialNumber,
	}
}

// agentColumns maps normalized header texts to fields. Besides our own export it accepts the
// email headers of the users file, so that a users export with agent columns added works.
var agentColumns = map[string]AgentField{
	"email":                    AgentEmail,
	"e-mail":                   AgentEmail,
	"user id/email":            AgentEmail,
	"user id/email (required)": AgentEmail,
	"contact center enabled":   AgentContactCenterEnabled,
	"site":                     AgentSite,
	"teams":                    AgentTeams,
	"team":                     AgentTeams,
	"skill profile":            AgentSkillProfile,
	"agent profile":            AgentAgentProfile,
	"multimedia profile":       AgentMultimediaProfile,
	"external id":              AgentExternalID,
	"default dial number":      AgentDefaultDialNumber,
	"first name":               agentReadOnly,
	"last name":                agentReadOnly,
	"user profile":             agentReadOnly,
}

// AgentRecord is one agent as the export writes it: names, not ids.
type AgentRecord struct {
	Email                string
	FirstName            string
	LastName             string
	UserProfile          string
	ContactCenterEnabled bool // written TRUE or FALSE
	Site                 string
	Teams                []string // written "|"-separated
	SkillProfile         string
	AgentProfile         string
	MultimediaProfile    string
	ExternalID           string
	DefaultDialNumber    string
}

// AgentWriter writes the agent export: the exact header, then one row per agent, escaped like
// the users export. It streams.
type AgentWriter struct {
	w     *Writer
	cells [12]string
}

// NewAgentWriter returns an AgentWriter on w and writes the header (to its buffer).
func NewAgentWriter(w io.Writer) *AgentWriter {
	aw := &AgentWriter{w: NewWriter(w)}
	// An error is sticky in the Writer: Write and Flush return it.
	_ = aw.w.WriteRow(AgentHeader()...)
	return aw
}

// Write writes one agent.
func (w *AgentWriter) Write(a AgentRecord) error {
	c := &w.cells
	c[0], c[1], c[2], c[3] = a.Email, a.FirstName, a.LastName, a.UserProfile
	c[4], c[5], c[6] = boolCell(a.ContactCenterEnabled), a.Site, strings.Join(a.Teams, "|")
	c[7], c[8], c[9] = a.SkillProfile, a.AgentProfile, a.MultimediaProfile
	c[10], c[11] = a.ExternalID, a.DefaultDialNumber
	return w.w.WriteRow(c[:]...)
}

// Flush writes what is buffered. Call it at the end.
func (w *AgentWriter) Flush() error { return w.w.Flush() }

// AgentReader reads the agent file from a Table.
type AgentReader struct {
	t       *Table
	col     [numAgentFields]int
	name    [numAgentFields]string
	notices []Problem
}

// AgentRow is one row of an agent file, read faithfully. An empty cell (or a missing column)
// leaves the agent's value as it is: names are "" and Teams nil then.
type AgentRow struct {
	Line                 int
	Email                string // trimmed, as written
	ContactCenterEnabled Choice
	Site                 string
	Teams                []string // the "|"-separated names, trimmed; nil when the cell is empty
	SkillProfile         string
	AgentProfile         string
	MultimediaProfile    string
	ExternalID           string
	DefaultDialNumber    string // as written; the caller validates it
	// Problems are the row's format problems, and a Contact Center Enabled cell that is not a
	// yes/no word (error).
	Problems []Problem
}

// NewAgentReader maps the table's header to the fields of an agent file, like NewUserReader:
// case-insensitively, an email column required, unknown columns ignored with a notice.
func NewAgentReader(t *Table) (*AgentReader, error) {
	r := &AgentReader{t: t}
	for i := range r.col {
		r.col[i] = -1
	}
	var ignored []string
	for i, h := range t.header {
		f, ok := agentColumns[normalizeHeader(h)]
		switch {
		case !ok:
			name := fmt.Sprintf("%q", h)
			if h == "" {
				name = fmt.Sprintf("column %d (no name)", i+1)
			}
			ignored = append(ignored, name)
		case f == agentReadOnly:
		case r.col[f] >= 0:
			return nil, &roster.Error{Code: roster.CodeInvalid,
				Message: fmt.Sprintf("The columns %q and %q both hold the %s; keep only one of them.", r.name[f], h, strings.ToLower(f.String()))}
		default:
			r.col[f], r.name[f] = i, h
		}
	}
	if r.col[AgentEmail] < 0 {
		return nil, &roster.Error{Code: roster.CodeInvalid,
			Message: fmt.Sprintf("The file has no email column. Name it %q, as the agent export does. The header read was: %s.",
				headerAgentEmail, headerList(t.header))}
	}
	if len(ignored) > 0 {
		r.notices = append(r.notices, Problem{Severity: SeverityWarning, Code: CodeUnknownColumns,
			Message: fmt.Sprintf("Roster does not know these columns and ignored them: %s.", strings.Join(ignored, ", "))})
	}
	return r, nil
}

// Has reports whether the file has a column for f.
func (r *AgentReader) Has(f AgentField) bool { return f >= 0 && f < numAgentFields && r.col[f] >= 0 }

// Notices returns what the administrator should know about the whole file: its encoding and
// the ignored columns.
func (r *AgentReader) Notices() []Problem { return append(r.t.Notices(), r.notices...) }

// HeaderLine returns the line of the file's header.
func (r *AgentReader) HeaderLine() int { return r.t.HeaderLine() }

// Rows returns the number of rows read so far, blank rows not counted.
func (r *AgentReader) Rows() int { return r.t.Rows() }

// Next returns the next row, or io.EOF after the last; other errors end the file.
func (r *AgentReader) Next() (*AgentRow, error) {
	rec, err := r.t.Next()
	if err != nil {
		return nil, err
	}
	row := &AgentRow{
		Line:              rec.Line,
		Email:             r.cell(rec, AgentEmail),
		Site:              r.cell(rec, AgentSite),
		Teams:             splitGroups(r.cell(rec, AgentTeams)),
		SkillProfile:      r.cell(rec, AgentSkillProfile),
		AgentProfile:      r.cell(rec, AgentAgentProfile),
		MultimediaProfile: r.cell(rec, AgentMultimediaProfile),
		ExternalID:        r.cell(rec, AgentExternalID),
		DefaultDialNumber: r.cell(rec, AgentDefaultDialNumber),
		Problems:          rec.Problems,
	}
	s := r.cell(rec, AgentContactCenterEnabled)
	c, ok := ParseChoice(s)
	if !ok {
		row.Problems = append(row.Problems, ChoiceProblem(r.name[AgentContactCenterEnabled], s))
	}
	row.ContactCenterEnabled = c
	return row, nil
}

func (r *AgentReader) cell(rec *Record, f AgentField) string {
	if i := r.col[f]; i >= 0 {
		return rec.Fields[i]
	}
	return ""
}
