package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/worker"
)

// RunImport is the worker handler of import tasks. It reads the stored file row by row and
// applies a chunk of rows (DefaultChunk) a transaction, each row through every rule, with the
// chunk's report rows and checkpoint in the same transaction: a task taken over after a crash
// starts after the last chunk applied, and no row is ever applied twice. A dry run goes through
// the same checks and writes only its report and summary.
func (s *Service) RunImport(ctx context.Context, r *worker.Run) error {
	task := r.Task()
	var p importParams
	if err := json.Unmarshal(task.Params, &p); err != nil {
		return fmt.Errorf("import task %s: parameters: %w", task.ID, err)
	}
	if p.DryRun {
		// The real import may start from the same file (StartImportFromDryRun).
		r.KeepFile()
	}
	file, done, err := s.spoolTaskFile(ctx, task.ID)
	if err != nil {
		return err
	}
	defer done()
	ur, err := openUserFile(file, s.limits)
	if err != nil {
		return err
	}
	imp := &importRun{s: s, run: r, mode: p.Mode, dryRun: p.DryRun, actor: p.Actor.actor(task.ID), seen: newEmailLines(),
		column: ur.ColumnName}
	imp.canCreate = authorize(imp.actor, task.OrgID, permUsers)
	if len(task.Summary) > 0 {
		if err := json.Unmarshal(task.Summary, &imp.summary); err != nil {
			return fmt.Errorf("import task %s: summary: %w", task.ID, err)
		}
	}
	resume := int(task.Checkpoint)
	if resume == 0 {
		imp.notices = fileNotices(ur)
	}
	// The file is read a chunk ahead: the next chunk is parsed and screened while the store
	// writes this one (a tenth of an import of 100,000 users, more on PostgreSQL, where the
	// process would otherwise wait for the server and the server for the process).
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	chunks := make(chan []*importRow, 1)
	var readErr error
	go func() {
		defer close(chunks)
		readErr = imp.readChunks(ctx, ur, resume, chunks)
	}()
	for rows := range chunks {
		if err := imp.commit(ctx, rows); err != nil {
			stop()
			for range chunks { // until the reader has stopped
			}
			return err
		}
	}
	if readErr != nil {
		return readErr
	}
	if imp.notices != nil { // a file of no row to apply still reports its notices
		return imp.commit(ctx, nil)
	}
	return nil
}

// readChunks reads the file's rows after line resume, screened, and sends them a chunk at a
// time, the last one shorter. It stops when ctx ends.
func (imp *importRun) readChunks(ctx context.Context, ur *csvfile.UserReader, resume int, chunks chan<- []*importRow) error {
	rows := make([]*importRow, 0, imp.s.chunk)
	send := func() error {
		select {
		case chunks <- rows:
			rows = make([]*importRow, 0, imp.s.chunk)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for {
		row, err := ur.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fileError(err)
		}
		// Rows applied before a takeover are screened too, only to remember their emails for
		// the duplicate check.
		d := imp.screen(row)
		if row.Line <= resume {
			continue
		}
		if rows = append(rows, d); len(rows) == imp.s.chunk {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if len(rows) > 0 {
		return send()
	}
	return nil
}

// fileNotices is what the administrator should know about the whole file (its encoding,
// ignored columns), as one report row on the header's line.
func fileNotices(ur interface {
	Notices() []csvfile.Problem
	HeaderLine() int
}) *roster.TaskRow {
	ps := ur.Notices()
	if len(ps) == 0 {
		return nil
	}
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Message
	}
	return &roster.TaskRow{Row: ur.HeaderLine(), Outcome: string(csvfile.OutcomeWarning), Code: ps[0].Code,
		Message: strings.Join(msgs, " "), Params: ps[0].Params}
}

// importRun is the state of one run of an import task.
type importRun struct {
	s         *Service
	run       *worker.Run
	mode      ImportMode
	dryRun    bool
	actor     roster.Actor
	canCreate error // nil when the actor may add users and change their profiles
	summary   ImportSummary
	notices   *roster.TaskRow            // reported with the first chunk
	seen      *emailLines                // the emails of the file read so far
	column    func(csvfile.Field) string // the header text of a field's column, for messages
}

// emailLines remembers a hash of every email of a file read so far and the line it was on.
// Hashes keep a million emails in a few tens of megabytes; a collision of two 64-bit hashes in
// one file is too unlikely to matter, and would only report a row as a duplicate.
type emailLines struct {
	seed maphash.Seed
	line map[uint64]int32
}

func newEmailLines() *emailLines {
	return &emailLines{seed: maphash.MakeSeed(), line: make(map[uint64]int32)}
}

// duplicate remembers the email of the row on line, and returns the line it was first seen on
// when it was seen before.
func (e *emailLines) duplicate(line int, email string) (first int, dup bool) {
	h := maphash.String(e.seed, email)
	if first, ok := e.line[h]; ok {
		return int(first), true
	}
	e.line[h] = int32(line)
	return 0, false
}

// commit applies one chunk of screened rows, with its report, in one transaction.
func (imp *importRun) commit(ctx context.Context, rows []*importRow) error {
	c := &worker.Commit{}
	var summary ImportSummary
	err := imp.run.Commit(ctx, func(tx roster.Tx) error {
		*c = worker.Commit{Done: len(rows)}
		if len(rows) > 0 {
			c.Checkpoint = int64(rows[len(rows)-1].row.Line)
		} else {
			c.Checkpoint = imp.run.Task().Checkpoint
		}
		if imp.notices != nil {
			c.Rows = append(c.Rows, imp.notices)
			c.Counts.Warnings++
		}
		summary = imp.summary
		return imp.applyChunk(ctx, tx, rows, c, &summary)
	}, c)
	if err != nil {
		return err
	}
	imp.summary, imp.notices = summary, nil
	return nil
}

// importRow is what an import decided for one row.
type importRow struct {
	row      *csvfile.UserRow
	email    string
	warnings []csvfile.Problem
	report   *roster.TaskRow
	// applied is what happened to the user: created, updated or unchanged; "" when refused.
	applied csvfile.Outcome
}

// applyChunk checks every screened row of a chunk through the rules and, unless this is a dry
// run, writes the changes that pass. It fills c with the report rows and counts, and summary with
// the seats taken and missing.
func (imp *importRun) applyChunk(ctx context.Context, tx roster.Tx, rows []*importRow, c *worker.Commit, summary *ImportSummary) error {
	s := imp.s
	org, err := tx.FindOrgByID(ctx, imp.run.Task().OrgID)
	if err != nil {
		return err
	}
	stored := org.Usage
	if imp.dryRun {
		// A dry run writes nothing, so the seats its earlier chunks would have taken are
		// added here, to refuse the rows the real run would refuse.
		org.Usage.Standard += summary.SeatsTaken.Standard
		org.Usage.Premium += summary.SeatsTaken.Premium
	}
	start := org.Usage

	emails := make([]string, 0, len(rows))
	for _, d := range rows {
		if d.report == nil {
			emails = append(emails, d.email)
		}
	}
	found, err := tx.FindUsersByEmails(ctx, emails)
	if err != nil {
		return err
	}
	owners := make(map[string]*roster.User, len(found))
	for _, u := range found {
		owners[u.Email] = u
	}
	groups, err := loadImportGroups(ctx, tx, org.ID, rows, owners)
	if err != nil {
		return err
	}

	writes := make([]*userWrite, 0, len(rows))
	for _, d := range rows {
		if d.report == nil {
			w, err := imp.decide(ctx, tx, org, d, owners[d.email], groups, summary)
			if err != nil {
				return err
			}
			if w != nil {
				writes = append(writes, w)
				if w.before == nil {
					owners[d.email] = w.after
				}
			}
		}
		d.report.Row = d.row.Line
		d.report.Email = d.email
		if d.email == "" {
			d.report.Email = d.row.Email
		}
		c.Rows = append(c.Rows, d.report)
		countOutcome(&c.Counts, d)
	}
	summary.SeatsTaken.Standard += org.Usage.Standard - start.Standard
	summary.SeatsTaken.Premium += org.Usage.Premium - start.Premium
	if c.Summary, err = json.Marshal(summary); err != nil {
		return fmt.Errorf("import summary: %w", err)
	}
	if imp.dryRun {
		return nil
	}
	if err := s.writeUsers(ctx, tx, writes); err != nil {
		return err
	}
	if err := groups.write(ctx, tx); err != nil {
		return err
	}
	return s.saveUsage(ctx, tx, imp.actor, org, stored)
}

// screen checks what a row says on its own: its format problems, its email, and whether an
// earlier row that passed this screen had the same email. It sets the report of a row refused
// here. A resumed task screens the rows applied before, to remember their emails.
func (imp *importRun) screen(row *csvfile.UserRow) *importRow {
	d := &importRow{row: row, email: NormalizeEmail(row.Email)}
	for _, p := range row.Problems {
		if p.Severity == csvfile.SeverityWarning {
			d.warnings = append(d.warnings, p)
		} else if d.report == nil {
			d.report = problemRow(p)
		}
	}
	if d.report != nil {
		return d
	}
	emailColumn := imp.column(csvfile.FieldEmail)
	if d.email == "" {
		d.report = errorRow(roster.CodeInvalid, "The email address is empty; it is the one required cell of a row.")
		d.report.Column, d.report.Params = emailColumn, map[string]string{"Field": "email"}
	} else if lost := imp.lostEmail(row); lost != nil {
		d.report = lost
	} else if fe := validateEmail("email", d.email); fe != nil {
		d.report = errorRow(fe.Code, fe.Message)
		d.report.Column, d.report.Params = emailColumn, map[string]string{"Field": "email"}
	} else if first, dup := imp.seen.duplicate(row.Line, d.email); dup {
		d.report = errorRow(csvfile.CodeDuplicateEmail, "This email address is also on line "+strconv.Itoa(first)+
			" of the file; a file names each person once, so this row is skipped.")
		d.report.Column, d.report.Params = emailColumn, map[string]string{"Line": strconv.Itoa(first)}
	}
	return d
}

// decide applies one row to the user that holds its email (nil when none) through every rule,
// and returns the checked change, or nil when nothing changes or the row is refused. It sets
// the row's report.
func (imp *importRun) decide(ctx context.Context, tx roster.Tx, org *roster.Org, d *importRow, owner *roster.User, groups *importGroups, summary *ImportSummary) (*userWrite, error) {
	var stored *roster.User // the user the row changes, nil when it adds one
	if owner != nil && owner.OrgID == org.ID {
		stored = owner
	}
	row := imp.undamaged(d, stored, groups)
	var w *userWrite
	var err error
	var gp *groupsPlan
	var user *roster.User // the user the row applies to, once checked
	outcome := csvfile.OutcomeUnchanged
	if stored == nil {
		lic, _, _ := importLicense(imp.mode, "", roster.RoleAgent, row.Standard, row.Premium)
		if owner == nil && imp.canCreate != nil {
			err = rowForbidden(imp.canCreate, "this row would add a user").With("Hint", "adds_user")
		} else {
			u := newUser(org, NewUser{Email: d.email, FirstName: row.FirstName, LastName: row.LastName,
				DisplayName: row.DisplayName, PhoneNumber: row.PhoneNumber, Title: row.Title, Department: row.Department,
				PreferredLanguage: importLanguage(row.PreferredLanguage), License: lic}, imp.s.clock())
			if gp, err = groups.plan(org, u, row.Groups, imp.mode, imp.s.clock()); err == nil {
				w, err = imp.s.checkUser(ctx, tx, imp.actor, org, nil, u, owner)
			}
			outcome, user = csvfile.OutcomeCreated, u
		}
	} else {
		next := *owner
		for _, f := range []struct {
			dst *string
			v   string
		}{{&next.FirstName, row.FirstName}, {&next.LastName, row.LastName}, {&next.DisplayName, row.DisplayName},
			{&next.PhoneNumber, row.PhoneNumber}, {&next.Title, row.Title}, {&next.Department, row.Department}} {
			// An empty cell leaves the value alone, as in "Add or modify users".
			if f.v != "" {
				*f.dst = f.v
			}
		}
		if row.PreferredLanguage != "" {
			next.PreferredLanguage = importLanguage(row.PreferredLanguage)
		}
		var dropped bool
		next.License, next.CCRole, dropped = importLicense(imp.mode, owner.License, owner.CCRole, row.Standard, row.Premium)
		if dropped {
			d.warnings = append(d.warnings, csvfile.Problem{Severity: csvfile.SeverityWarning, Code: roster.CodeRoleRequiresPremium,
				Column: imp.column(csvfile.FieldPremium), Params: map[string]string{"Hint": "supervisor_dropped"},
				Message: "The premium license was removed, so the supervisor role was removed too."})
		}
		if imp.canCreate != nil && profileChanged(owner, &next) {
			err = rowForbidden(imp.canCreate, "this row changes more than licenses").With("Hint", "changes_profile")
		} else if gp, err = groups.plan(org, &next, row.Groups, imp.mode, imp.s.clock()); err == nil {
			w, err = imp.s.checkUser(ctx, tx, imp.actor, org, owner, &next, nil)
			outcome, user = csvfile.OutcomeUpdated, &next
		}
	}
	if err != nil {
		r, failure := failedOrError(d.email, err)
		if failure != nil {
			return nil, failure
		}
		if r.Code == roster.CodeNoSeatsAvailable {
			countShortfall(summary, row)
		}
		d.report = errorRow(r.Code, r.Message)
		d.report.Column, d.report.Params = imp.whereAndWhy(row, err)
		return nil, nil
	}
	if w == nil && !gp.changes() {
		outcome = csvfile.OutcomeUnchanged
	}
	groups.record(imp.s, imp.actor, org, user, gp, w)
	d.applied = outcome
	d.report = &roster.TaskRow{Outcome: string(outcome)}
	if outcome != csvfile.OutcomeUnchanged && !imp.dryRun {
		d.report.UserID = user.ID
	}
	if len(d.warnings) > 0 {
		msgs := make([]string, len(d.warnings))
		for i, p := range d.warnings {
			msgs[i] = p.Message
		}
		d.report.Message = outcomeLabel(outcome) + ", with a warning: " + strings.Join(msgs, " ")
		d.report.Outcome, d.report.Code = string(csvfile.OutcomeWarning), d.warnings[0].Code
		d.report.Column, d.report.Params = d.warnings[0].Column, d.warnings[0].Params
	}
	return w, nil
}

// importLicense returns the license and contact-center role a row gives a user that holds cur
// with role (cur is "" for a new user; then a returned "" means no explicit choice, and the
// automatic assignment decides), and whether the supervisor role had to go with premium.
func importLicense(mode ImportMode, cur roster.License, role roster.CCRole, std, prem csvfile.Choice) (roster.License, roster.CCRole, bool) {
	lic := cur
	switch {
	case prem == csvfile.True:
		lic = roster.LicensePremium
	case std == csvfile.True:
		// A user holds one license and premium includes standard: standard replaces premium
		// only when the row removes premium.
		if cur != roster.LicensePremium || mode == ImportAddRemove && prem == csvfile.False {
			lic = roster.LicenseStandard
		}
	case mode == ImportAddRemove:
		if cur == "" && (std == csvfile.False || prem == csvfile.False) ||
			cur == roster.LicenseStandard && std == csvfile.False || cur == roster.LicensePremium && prem == csvfile.False {
			lic = roster.LicenseNone
		}
	}
	if lic != roster.LicensePremium && role == roster.RoleSupervisor {
		return lic, roster.RoleAgent, true
	}
	return lic, role, false
}

// importLanguage reads a preferred language cell: a supported code, in any case, with or
// without a region ("sv_SE", "en-US"). Anything else is kept as written, for validation to
// refuse with the list of supported languages.
func importLanguage(s string) roster.Language {
	l := strings.ToLower(s)
	if i := strings.IndexAny(l, "_-"); i > 0 {
		l = l[:i]
	}
	if roster.Language(l).Valid() {
		return roster.Language(l)
	}
	return roster.Language(s)
}

// profileChanged reports whether a change touches more than the license and role.
func profileChanged(a, b *roster.User) bool {
	return a.FirstName != b.FirstName || a.LastName != b.LastName || a.DisplayName != b.DisplayName ||
		a.PhoneNumber != b.PhoneNumber || a.Title != b.Title || a.Department != b.Department ||
		a.PreferredLanguage != b.PreferredLanguage
}

// fieldColumns are the columns of the user fields a rule may refuse.
var fieldColumns = map[string]csvfile.Field{
	"email": csvfile.FieldEmail, "firstName": csvfile.FieldFirstName, "lastName": csvfile.FieldLastName,
	"displayName": csvfile.FieldDisplayName, "phoneNumber": csvfile.FieldPhoneNumber, "title": csvfile.FieldTitle,
	"department": csvfile.FieldDepartment, "preferredLanguage": csvfile.FieldPreferredLanguage,
}

// whereAndWhy returns the column and the message parameters of a row refused with err: the
// first field it names, and what the error's message speaks of. A phone number that lost its
// "+" says so, since a spreadsheet did it and the remedy differs.
func (imp *importRun) whereAndWhy(row *csvfile.UserRow, err error) (string, map[string]string) {
	params := map[string]string{}
	for k, v := range roster.ErrorParams(err) {
		params[k] = fmt.Sprint(v)
	}
	column := ""
	switch code := roster.ErrorCode(err); {
	case code == codeUnknownGroup:
		column = imp.column(csvfile.FieldGroups)
	case code == roster.CodeNoSeatsAvailable && row.Premium == csvfile.True:
		column = imp.column(csvfile.FieldPremium)
	case code == roster.CodeNoSeatsAvailable:
		column = imp.column(csvfile.FieldStandard)
	}
	if fields := roster.ErrorFields(err); len(fields) > 0 {
		params["Field"] = fields[0].Field
		if f, ok := fieldColumns[fields[0].Field]; ok {
			column = imp.column(f)
		}
		if fields[0].Field == "phoneNumber" && phoneLostPlus(row.PhoneNumber) {
			params["Hint"] = "phone_no_plus"
		}
	}
	if len(params) == 0 {
		params = nil
	}
	return column, params
}

// problemRow is the report of a row refused for a problem of the file's format.
func problemRow(p csvfile.Problem) *roster.TaskRow {
	r := errorRow(p.Code, p.Message)
	r.Column, r.Params = p.Column, p.Params
	return r
}

func rowForbidden(err error, what string) *roster.Error {
	return roster.Errorf(roster.CodeForbidden, "%s: %s.", strings.TrimSuffix(roster.ErrorMessage(err), "."), what)
}

func countShortfall(summary *ImportSummary, row *csvfile.UserRow) {
	if row.Premium == csvfile.True {
		summary.SeatShortfall.Premium++
	} else {
		summary.SeatShortfall.Standard++
	}
}

func errorRow(code roster.Code, msg string) *roster.TaskRow {
	return &roster.TaskRow{Outcome: string(csvfile.OutcomeError), Code: code, Message: msg}
}

// countOutcome adds a row to the counts: a row applied with a warning counts as what happened
// to its user and as a warning.
func countOutcome(c *roster.TaskCounts, d *importRow) {
	if d.report.Outcome == string(csvfile.OutcomeWarning) {
		c.Warnings++
	}
	switch d.applied {
	case csvfile.OutcomeCreated:
		c.Created++
	case csvfile.OutcomeUpdated:
		c.Updated++
	case csvfile.OutcomeUnchanged:
		c.Unchanged++
	default:
		c.Errors++
	}
}

func outcomeLabel(o csvfile.Outcome) string {
	switch o {
	case csvfile.OutcomeCreated:
		return "Created"
	case csvfile.OutcomeUpdated:
		return "Updated"
	}
	return "Unchanged"
}
