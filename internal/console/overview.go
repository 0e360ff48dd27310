package console

import (
	"net/http"

	"roster"
)

// overviewPage is what the overview shows, all from counters and short capped counts.
type overviewPage struct {
	Seats   []seatUse
	Running []*roster.Task
	Recent  []*roster.Task
	// Invalid counts the users whose last sync failed; Pending the invitations not accepted.
	Invalid, Pending           int
	InvalidExact, PendingExact bool
}

// seatUse is the use of one license's seats.
type seatUse struct {
	License roster.License
	Used    int
	Seats   int // 0: unlimited
	Free    int
}

func (c *Console) overview(w http.ResponseWriter, r *http.Request, q *request) {
	ctx := r.Context()
	o := q.org
	data := overviewPage{Seats: []seatUse{
		{License: roster.LicenseStandard, Used: o.Usage.Standard, Seats: o.Seats.Standard, Free: max(0, o.Seats.Standard-o.Usage.Standard)},
		{License: roster.LicensePremium, Used: o.Usage.Premium, Seats: o.Seats.Premium, Free: max(0, o.Seats.Premium-o.Usage.Premium)},
	}}
	tasks, err := c.svc.Tasks(ctx, q.actor, roster.TaskFilter{OrgID: o.ID, Limit: 10})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	for _, t := range tasks.Tasks {
		if t.State.Final() {
			data.Recent = append(data.Recent, t)
		} else {
			data.Running = append(data.Running, t)
		}
	}
	invalid, err := c.svc.Users(ctx, q.actor, roster.UserFilter{OrgID: o.ID, SyncStatus: roster.SyncInvalid, Limit: 1})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	pending, err := c.svc.Users(ctx, q.actor, roster.UserFilter{OrgID: o.ID, Status: roster.StatusPending, Limit: 1})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	data.Invalid, data.InvalidExact = invalid.Total, invalid.TotalExact
	data.Pending, data.PendingExact = pending.Total, pending.TotalExact
	p := q.page(q.t.Text("overview.title"), "overview")
	p.Data = data
	c.render(w, r, http.StatusOK, "overview", p)
}
