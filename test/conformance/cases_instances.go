package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// instanceCases: settings travel in every PluginContext; instances are per datasource (uid) and
// rebuilt when lastUpdatedMS changes.
func (h *harness) instanceCases(ctx context.Context, l *launched) {
	fx := h.fx

	h.s.run("instances: a second datasource (another uid) sees only its own cameras", func(t *T) {
		port, err := unusedLoopbackPort()
		t.NoErr(err, "port")
		other := newFixture([]*camera{{ID: "other-1", Name: "Other datasource camera", Host: fmt.Sprintf("127.0.0.1:%d", port), Password: "other-" + randomToken(8), Expect: "offline"}})
		other.dsID = fx.dsID + 1
		r, err := l.queryData(ctx, other.pluginContext(), nil, other.dataQuery(queryOpts{refID: "S", queryType: "status", body: map[string]any{}}))
		t.NoErr(err, "QueryData (second datasource)")
		dr, frames := r.response(t, "S")
		t.Check(dr.Error == "" && len(frames) == 1, "error %q, %d frames", dr.Error, len(frames))
		rows := rowByCamera(t, frames[0], "camera_id")
		t.Check(len(rows) == 1 && rows["other-1"] == 0, "second datasource rows %v, want only other-1", keys(rows))

		r, err = l.queryData(ctx, fx.pluginContext(), nil, fx.dataQuery(queryOpts{refID: "S", queryType: "status", body: map[string]any{}}))
		t.NoErr(err, "QueryData (first datasource)")
		_, frames = r.response(t, "S")
		rows = rowByCamera(t, frames[0], "camera_id")
		t.Check(len(rows) == len(fx.cameras), "first datasource now has %d rows %v, want %d", len(rows), keys(rows), len(fx.cameras))
		_, leaked := rows["other-1"]
		t.Check(!leaked, "the second datasource's camera shows up in the first")
	})

	h.s.run("instances: a new lastUpdatedMS rebuilds the instance with the new settings", func(t *T) {
		c := fx.cameras[0]
		fx.mu.Lock()
		old := c.Name
		c.Name = "Renamed " + randomToken(3)
		fx.lastUpdated += 1000
		fx.mu.Unlock()
		ok, why := eventually(10*time.Second, 200*time.Millisecond, func() (bool, string) {
			r, err := l.queryData(ctx, fx.pluginContext(), nil, fx.dataQuery(queryOpts{refID: "S", queryType: "status", body: map[string]any{"cameras": []string{c.ID}}}))
			if err != nil {
				return false, err.Error()
			}
			frames := r.frames["S"]
			if len(frames) != 1 || field(frames[0], "name") == nil || frames[0].Rows() != 1 {
				return false, fmt.Sprintf("answer %+v", r.raw.Responses["S"])
			}
			got, _ := str(field(frames[0], "name"), 0)
			return got == c.Name, fmt.Sprintf("name %q after renaming %q to %q", got, old, c.Name)
		})
		t.Check(ok, "%s", why)
		code, _, body := callResource(t, ctx, l, fx.pluginContext(), "GET", "cameras")
		t.Check(code == 200, "cameras: code %d", code)
		t.Check(strings.Contains(string(body), `"`+c.Name+`"`), "cameras resource does not show the new name %q: %s", c.Name, body)
	})
}
