package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/worker"
)

// KindAgentUpload is the task of an agent update template upload (SPEC §3). One runs at a time
// per organization.
const KindAgentUpload = "contactcenter.agents.upload"

// ExportAgents writes every agent of an organization to w as the agent update template, by
// email, with the names of its site, teams and profiles. It reads a page at a time, so memory
// does not grow with the organization. Nothing is written when the actor may not read it.
func (s *Service) ExportAgents(ctx context.Context, a roster.Actor, orgID string, w io.Writer) error {
	if err := authorize(a, orgID, permRead); err != nil {
		return err
	}
	if _, err := s.store.FindOrgByID(ctx, orgID); err != nil {
		return err
	}
	idx, err := loadPortal(ctx, s.store, orgID)
	if err != nil {
		return err
	}
	custom, err := s.store.FindUserProfiles(ctx, orgID)
	if err != nil {
		return err
	}
	userProfiles := make(map[string]string, len(custom))
	for _, p := range custom {
		userProfiles[p.ID] = p.Name
	}
	aw := csvfile.NewAgentWriter(w)
	f := roster.AgentFilter{OrgID: orgID, Limit: roster.MaxPageSize}
	for {
		page, err := s.store.FindAgents(ctx, f)
		if err != nil {
			return fmt.Errorf("export agents: %w", err)
		}
		for _, ag := range page.Agents {
			rec := csvfile.AgentRecord{Email: ag.Email, FirstName: ag.FirstName, LastName: ag.LastName,
				UserProfile: roster.DefaultProfileName[ag.ProfileType], ContactCenterEnabled: ag.ContactCenterEnabled,
				ExternalID: ag.ExternalID, DefaultDialNumber: ag.DefaultDialNumber}
			if name, ok := userProfiles[ag.UserProfileID]; ok {
				rec.UserProfile = name
			}
			if site := idx.sites[ag.SiteID]; site != nil {
				rec.Site = site.Name
			}
			for _, id := range ag.TeamIDs {
				if t := idx.teams[id]; t != nil {
					rec.Teams = append(rec.Teams, t.Name)
				}
			}
			slices.Sort(rec.Teams)
			rec.SkillProfile = idx.profileName(roster.SkillProfile, ag.SkillProfileID)
			rec.AgentProfile = idx.profileName(roster.AgentProfile, ag.AgentProfileID)
			rec.MultimediaProfile = idx.profileName(roster.MultimediaProfile, ag.MultimediaProfileID)
			if err := aw.Write(rec); err != nil {
				return fmt.Errorf("export agents: %w", err)
			}
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	if err := aw.Flush(); err != nil {
		return fmt.Errorf("export agents: %w", err)
	}
	return nil
}

func (p *portal) profileName(k roster.PortalProfileKind, id string) string {
	if pr := p.profiles[k][id]; pr != nil {
		return pr.Name
	}
	return ""
}

// AgentUploadRequest is an agent file to upload into an organization.
type AgentUploadRequest struct {
	DryRun   bool
	FileName string    // as uploaded, shown on the task
	File     io.Reader // read once, up to the limits of the service
}

// agentUploadParams is the input of an agent upload task, stored with it.
type agentUploadParams struct {
	DryRun   bool      `json:"dryRun"`
	FileName string    `json:"fileName,omitempty"`
	FileSize int64     `json:"fileSize"`
	Actor    taskActor `json:"actor"`
}

// AgentUploadInput returns what an agent upload was asked to do, in the form of an import's,
// and false for other kinds.
func AgentUploadInput(t *roster.Task) (ImportInput, bool) {
	if t.Kind != KindAgentUpload {
		return ImportInput{}, false
	}
	var p agentUploadParams
	if json.Unmarshal(t.Params, &p) != nil {
		return ImportInput{}, false
	}
	return ImportInput{DryRun: p.DryRun, FileName: p.FileName, FileSize: p.FileSize}, true
}

// StartAgentUpload checks an agent file up front (size, format, header, row count), stores
// it, and queues the task that applies it. A file that cannot be read at all is refused here;
// problems of single rows are reported by the task.
func (s *Service) StartAgentUpload(ctx context.Context, a roster.Actor, orgID string, req AgentUploadRequest) (*roster.Task, error) {
	if err := s.AuthorizeAgentUpload(ctx, a, orgID); err != nil {
		return nil, err
	}
	spool, size, err := spoolFile(req.File, s.limits.MaxBytes)
	if err != nil {
		return nil, err
	}
	defer func() {
		_ = spool.Close()
		_ = os.Remove(spool.Name())
	}()
	rows, err := s.checkAgentFile(spool)
	if err != nil {
		return nil, err
	}
	params, err := json.Marshal(agentUploadParams{DryRun: req.DryRun, FileName: req.FileName, FileSize: size, Actor: newTaskActor(a)})
	if err != nil {
		return nil, fmt.Errorf("agent upload parameters: %w", err)
	}
	task := &roster.Task{ID: roster.NewID(), OrgID: orgID, Kind: KindAgentUpload, Params: params,
		Progress: roster.TaskProgress{Total: rows}, CreatedBy: a.Label(), CreatedAt: s.clock()}
	err = s.createTaskAlone(ctx, a, task, []string{KindAgentUpload}, func(active *roster.Task) error {
		return roster.Errorf(roster.CodeImportInProgress,
			"Another agent upload (task %s) is running in this organization; start this one when it has finished.", active.ID)
	}, func(tx roster.Tx) error {
		if _, err := spool.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("rewind agent file: %w", err)
		}
		return storeTaskFile(ctx, tx, task.ID, spool)
	})
	if err != nil {
		return nil, err
	}
	return task, nil
}

// ActiveAgentUpload returns the agent upload queued or running in the organization, nil when
// none is: one runs at a time, so the console shows the way to it instead of the form.
func (s *Service) ActiveAgentUpload(ctx context.Context, a roster.Actor, orgID string) (*roster.Task, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	t, err := s.store.FindActiveTask(ctx, orgID, KindAgentUpload)
	if roster.ErrorCode(err) == roster.CodeNotFound {
		return nil, nil
	}
	return t, err
}

// AuthorizeAgentUpload is AuthorizeImport for agent uploads: it checks that a may upload an
// agent file to organization orgID, before anything of the file is read.
func (s *Service) AuthorizeAgentUpload(ctx context.Context, a roster.Actor, orgID string) error {
	return s.authorizeUpload(ctx, a, orgID)
}

// checkAgentFile reads a whole agent file and returns its number of rows, or the reason it
// cannot be uploaded at all.
func (s *Service) checkAgentFile(r io.Reader) (int, error) {
	ar, err := openAgentFile(r, s.limits)
	if err != nil {
		return 0, err
	}
	for {
		if _, err := ar.Next(); errors.Is(err, io.EOF) {
			return ar.Rows(), nil
		} else if err != nil {
			return 0, fileError(err)
		}
	}
}

func openAgentFile(r io.Reader, lim csvfile.Limits) (*csvfile.AgentReader, error) {
	t, err := csvfile.Open(r, lim)
	if err != nil {
		return nil, fileError(err)
	}
	return csvfile.NewAgentReader(t)
}

// RunAgentUpload is the worker handler of agent uploads. Like RunImport, it applies a chunk
// of rows a transaction, with the chunk's report rows and checkpoint in the same transaction,
// so a task taken over after a crash resumes after the last chunk applied. Rows are matched by
// email to existing agents; names are resolved to the organization's entities, ignoring case,
// and never created; an empty cell leaves the value as it is. A dry run writes only its report.
func (s *Service) RunAgentUpload(ctx context.Context, r *worker.Run) error {
	task := r.Task()
	var p agentUploadParams
	if err := json.Unmarshal(task.Params, &p); err != nil {
		return fmt.Errorf("agent upload task %s: parameters: %w", task.ID, err)
	}
	file, done, err := s.spoolTaskFile(ctx, task.ID)
	if err != nil {
		return err
	}
	defer done()
	ar, err := openAgentFile(file, s.limits)
	if err != nil {
		return err
	}
	up := &agentUpload{s: s, run: r, dryRun: p.DryRun, actor: p.Actor.actor(task.ID), seen: newEmailLines()}
	resume := int(task.Checkpoint)
	var notices *roster.TaskRow
	if resume == 0 {
		notices = fileNotices(ar)
	}
	rows := make([]*agentRow, 0, s.chunk)
	for {
		row, err := ar.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fileError(err)
		}
		d := up.screen(row)
		if row.Line <= resume {
			continue
		}
		if rows = append(rows, d); len(rows) == s.chunk {
			if err := up.commit(ctx, rows, notices); err != nil {
				return err
			}
			rows, notices = rows[:0], nil
		}
	}
	if len(rows) > 0 || notices != nil {
		return up.commit(ctx, rows, notices)
	}
	return nil
}

// agentUpload is the state of one run of an agent upload.
type agentUpload struct {
	s      *Service
	run    *worker.Run
	dryRun bool
	actor  roster.Actor
	seen   *emailLines // the emails of the file read so far
}

// agentRow is what an upload decided for one row.
type agentRow struct {
	row      *csvfile.AgentRow
	email    string
	warnings []csvfile.Problem
	report   *roster.TaskRow
	// applied is what happened to the agent: updated or unchanged; "" when refused.
	applied csvfile.Outcome
}

// codeUnknownName marks a row naming a site, team or profile the organization does not have
// (SPEC §3): the row changes nothing, since an upload never creates entities. The row's column
// is the first such cell, and its parameters Column and Name say which.
const codeUnknownName roster.Code = "unknown_name"

// codeTeamsCleared is the warning of a row that changed an agent's site, which took the agent
// out of the teams of the former site.
const codeTeamsCleared roster.Code = "teams_cleared"

// screen checks what a row says on its own: its format problems, its email, and whether an
// earlier row had the same email.
func (up *agentUpload) screen(row *csvfile.AgentRow) *agentRow {
	d := &agentRow{row: row, email: NormalizeEmail(row.Email)}
	for _, p := range row.Problems {
		if p.Severity == csvfile.SeverityWarning {
			d.warnings = append(d.warnings, p)
		} else if d.report == nil {
			d.report = errorRow(p.Code, p.Message)
		}
	}
	switch {
	case d.report != nil:
	case d.email == "":
		d.report = errorRow(roster.CodeInvalid, "The email address is empty; it is the one required cell of a row.")
	default:
		if first, dup := up.seen.duplicate(row.Line, d.email); dup {
			d.report = errorRow(csvfile.CodeDuplicateEmail, "This email address is also on line "+strconv.Itoa(first)+
				" of the file; a file names each agent once, so this row is skipped.")
		}
	}
	return d
}

// commit applies one chunk of screened rows, with its report, in one transaction.
func (up *agentUpload) commit(ctx context.Context, rows []*agentRow, notices *roster.TaskRow) error {
	c := &worker.Commit{}
	return up.run.Commit(ctx, func(tx roster.Tx) error {
		*c = worker.Commit{Done: len(rows), Checkpoint: up.run.Task().Checkpoint}
		if len(rows) > 0 {
			c.Checkpoint = int64(rows[len(rows)-1].row.Line)
		}
		if notices != nil {
			c.Rows = append(c.Rows, notices)
			c.Counts.Warnings++
		}
		return up.applyChunk(ctx, tx, rows, c)
	}, c)
}

// applyChunk decides every row of a chunk and, unless this is a dry run, writes the agents
// that change, each with its audit entry.
func (up *agentUpload) applyChunk(ctx context.Context, tx roster.Tx, rows []*agentRow, c *worker.Commit) error {
	orgID := up.run.Task().OrgID
	idx, err := loadPortal(ctx, tx, orgID)
	if err != nil {
		return err
	}
	emails := make([]string, 0, len(rows))
	for _, d := range rows {
		if d.report == nil {
			emails = append(emails, d.email)
		}
	}
	users, err := tx.FindUsersByEmails(ctx, emails)
	if err != nil {
		return err
	}
	userIDs := make([]string, 0, len(users))
	userOf := make(map[string]string, len(users))
	for _, u := range users {
		if u.OrgID == orgID {
			userIDs = append(userIDs, u.ID)
			userOf[u.Email] = u.ID
		}
	}
	agents, err := tx.FindAgentsByUserIDs(ctx, orgID, userIDs)
	if err != nil {
		return err
	}
	agentOf := make(map[string]*roster.Agent, len(agents))
	for _, ag := range agents {
		agentOf[ag.UserID] = ag
	}
	var audits []*roster.AuditEntry
	for _, d := range rows {
		if d.report == nil {
			userID, known := userOf[d.email]
			ag := agentOf[userID]
			switch {
			case !known:
				d.report = errorRow(roster.CodeNotFound, "No user of this organization has this email address.")
			case ag == nil:
				d.report = errorRow(roster.CodeNotFound,
					"This user has no contact-center agent (it needs a contact-center license or a full or contact center service administrator role); the row is skipped.")
			default:
				next, audit, err := up.decide(idx, ag, d)
				if err != nil {
					return err
				}
				if next != nil && !up.dryRun {
					if err := tx.UpdateAgent(ctx, next); err != nil {
						return fmt.Errorf("agent upload line %d: %w", d.row.Line, err)
					}
					audits = append(audits, audit)
				}
			}
		}
		d.report.Row, d.report.Email = d.row.Line, d.email
		if d.email == "" {
			d.report.Email = d.row.Email
		}
		c.Rows = append(c.Rows, d.report)
		if d.report.Outcome == string(csvfile.OutcomeWarning) {
			c.Counts.Warnings++
		}
		switch d.applied {
		case csvfile.OutcomeUpdated:
			c.Counts.Updated++
		case csvfile.OutcomeUnchanged:
			c.Counts.Unchanged++
		default:
			c.Counts.Errors++
		}
	}
	if up.dryRun || len(audits) == 0 {
		return nil
	}
	return tx.CreateAuditEntries(ctx, audits)
}

// decide resolves the names of a row and applies them to the agent ag through the rules of
// UpdateAgent. It returns the changed agent and the audit entry of the change, or nils when
// nothing changes or the row is refused, and sets the row's report.
func (up *agentUpload) decide(idx *portal, ag *roster.Agent, d *agentRow) (*roster.Agent, *roster.AuditEntry, error) {
	row := d.row
	var c AgentChange
	var problems []string
	var unknown *roster.TaskRow // the row's report when a name is unknown: its first one
	resolve := func(column, name string, found func(string) (string, bool)) *string {
		if name == "" {
			return nil
		}
		id, ok := found(strings.ToLower(name))
		if !ok {
			problems = append(problems, fmt.Sprintf("Column %q: no %s of this organization is named %s.", column, strings.ToLower(column), quote(name)))
			if unknown == nil {
				unknown = errorRow(codeUnknownName, "")
				unknown.Column, unknown.Params = column, map[string]string{"Column": column, "Name": name}
			}
			return nil
		}
		return &id
	}
	switch row.ContactCenterEnabled {
	case csvfile.True, csvfile.False:
		v := row.ContactCenterEnabled == csvfile.True
		c.ContactCenterEnabled = &v
	}
	c.SiteID = resolve("Site", row.Site, func(n string) (string, bool) {
		s := idx.siteNames[n]
		return idOf(s != nil, func() string { return s.ID })
	})
	for _, f := range []struct {
		column string
		kind   roster.PortalProfileKind
		name   string
		dst    **string
	}{{"Skill Profile", roster.SkillProfile, row.SkillProfile, &c.SkillProfileID},
		{"Agent Profile", roster.AgentProfile, row.AgentProfile, &c.AgentProfileID},
		{"Multimedia Profile", roster.MultimediaProfile, row.MultimediaProfile, &c.MultimediaProfileID}} {
		*f.dst = resolve(f.column, f.name, func(n string) (string, bool) {
			p := idx.profileNames[f.kind][n]
			return idOf(p != nil, func() string { return p.ID })
		})
	}
	if row.Teams != nil {
		ids := make([]string, 0, len(row.Teams))
		for _, name := range row.Teams {
			if id := resolve("Teams", name, func(n string) (string, bool) {
				t := idx.teamNames[n]
				return idOf(t != nil, func() string { return t.ID })
			}); id != nil {
				ids = append(ids, *id)
			}
		}
		// A file exported before the site changed still lists the old teams: the same
		// teams as now leave them to the rule of a site change, instead of refusing the row.
		if !sameSet(ids, ag.TeamIDs) {
			c.TeamIDs = &ids
		}
	}
	if row.ExternalID != "" {
		c.ExternalID = &row.ExternalID
	}
	if damage := csvfile.SpreadsheetPhone(row.DefaultDialNumber); damage != csvfile.PhoneIntact {
		// As in a users import: the stored number stays, the rest of the row applies.
		d.warnings = append(d.warnings, phoneWarning(damage, "Default Dial Number", row.DefaultDialNumber, true))
	} else if row.DefaultDialNumber != "" {
		c.DefaultDialNumber = &row.DefaultDialNumber
	}
	if unknown != nil {
		// The English message names every unknown name of the row; the column and the
		// parameters are the first one's, for the console to say in the reader's language.
		unknown.Message = strings.Join(problems, " ") + " Names are never created by an upload: create them first, or correct the names."
		d.report = unknown
		return nil, nil, nil
	}
	next, dropped, err := idx.apply(ag, c)
	if err != nil {
		if roster.ErrorCode(err) != roster.CodeInvalid {
			return nil, nil, err
		}
		d.report = errorRow(roster.CodeInvalid, agentFieldMessages(err))
		return nil, nil, nil
	}
	if len(dropped) > 0 {
		d.warnings = append(d.warnings, csvfile.Problem{Severity: csvfile.SeverityWarning, Code: codeTeamsCleared,
			Message: "The site changed, so the agent left the teams of its former site: " + strings.Join(dropped, ", ") + "."})
	}
	audit := up.s.agentWrite(up.actor, ag, next)
	d.applied = csvfile.OutcomeUnchanged
	if audit != nil {
		d.applied = csvfile.OutcomeUpdated
	}
	d.report = &roster.TaskRow{Outcome: string(d.applied)}
	if audit != nil && !up.dryRun {
		d.report.UserID = ag.UserID
	}
	if len(d.warnings) > 0 {
		msgs := make([]string, len(d.warnings))
		for i, p := range d.warnings {
			msgs[i] = p.Message
		}
		d.report.Message = outcomeLabel(d.applied) + ", with a warning: " + strings.Join(msgs, " ")
		d.report.Outcome, d.report.Code = string(csvfile.OutcomeWarning), d.warnings[0].Code
	}
	if audit == nil {
		return nil, nil, nil
	}
	return next, audit, nil
}

func idOf(found bool, id func() string) (string, bool) {
	if !found {
		return "", false
	}
	return id(), true
}

// agentFieldMessages joins the messages of the field errors of err, naming the columns of the
// agent file instead of the API's fields.
func agentFieldMessages(err error) string {
	fields := roster.ErrorFields(err)
	if len(fields) == 0 {
		return roster.ErrorMessage(err)
	}
	column := map[string]string{"siteId": "Site", "teamIds": "Teams", "skillProfileId": "Skill Profile",
		"agentProfileId": "Agent Profile", "multimediaProfileId": "Multimedia Profile", "externalId": "External ID",
		"defaultDialNumber": "Default Dial Number"}
	msgs := make([]string, len(fields))
	for i, f := range fields {
		msgs[i] = fmt.Sprintf("Column %q: %s", column[f.Field], f.Message)
	}
	return strings.Join(msgs, " ")
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
