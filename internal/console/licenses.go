package console

import (
	"net/http"

	"roster/internal/provision"
)

// The license usage page (CONSOLE.md §2.13): per license, the seats used of the seats bought as
// a bar drawn on the server (SVG: the CSP forbids the inline style a width would need), the
// numbers as text, and the holders by source linked to the users list.

func (c *Console) registerLicenses(org func(string, orgHandler)) {
	org("GET /licenses", c.licenses)
}

// chartWidth is the width of a bar in the SVG's own units; the bar scales to the page.
const chartWidth = 400

// licenseBar is one license on the page: its usage and the bar's geometry.
type licenseBar struct {
	provision.LicenseSeats
	// UsedWidth is the width of the used part of the bar, out of chartWidth; Over marks more
	// users holding the license than seats (seats lowered below the use).
	UsedWidth int
	Over      bool
	Excess    int // users beyond the seats, when Over
	Width     int
}

func (c *Console) licenses(w http.ResponseWriter, r *http.Request, q *request) {
	usage, err := c.svc.LicenseUsage(r.Context(), q.actor, q.org.ID)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	bars := make([]licenseBar, 0, len(usage))
	for _, u := range usage {
		bars = append(bars, barOf(u))
	}
	p := q.page(q.t.Text("licenses.title"), "licenses")
	p.Data = bars
	c.render(w, r, http.StatusOK, "licenses", p)
}

// barOf scales the seats used to the bar. Unlimited seats have no whole to fill: the bar is
// left empty and the page says "unlimited". A used share that is not zero shows at least a
// sliver, so that one user of many seats is not drawn as none.
func barOf(u provision.LicenseSeats) licenseBar {
	b := licenseBar{LicenseSeats: u, Width: chartWidth}
	if u.Seats <= 0 {
		return b
	}
	b.Over, b.Excess = u.Used > u.Seats, max(0, u.Used-u.Seats)
	b.UsedWidth = min(chartWidth, u.Used*chartWidth/u.Seats)
	if u.Used > 0 && b.UsedWidth < 2 {
		b.UsedWidth = 2
	}
	return b
}
