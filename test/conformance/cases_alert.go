package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// alertSeries runs one metrics query the way Grafana's alert scheduler does (no user in the
// context, FromAlert header, maxDataPoints 43200, intervalMs 1000) and returns the series by camera,
// after the checks the server-side expression engine makes: numeric wide series, unique label sets.
func (h *harness) alertSeries(t *T, ctx context.Context, l *launched, metric string) map[string]series {
	fx := h.fx
	h.waitFleet(t, ctx, l) // every camera polled, also when run alone (-run alert)
	now := time.Now()
	q := fx.dataQuery(queryOpts{refID: "A", queryType: "metrics", from: now.Add(-10 * time.Minute), to: now,
		maxDataPoints: 43200, intervalMS: 1000,
		body: map[string]any{"cameras": []string{}, "metrics": []string{metric}}})
	r, err := l.queryData(ctx, fx.alertContext(), map[string]string{"FromAlert": "true"}, q)
	t.NoErr(err, "QueryData")
	return alertFrames(t, fx, r, "A", metric)
}

// alertFrames checks one alert query's answer as the server-side expression engine would take it
// (Grafana's conversion succeeds, numeric wide series, unique label sets, one series per camera
// with its camera_name) and returns the series by camera id.
func alertFrames(t *T, fx *fixture, r *queryResult, ref, metric string) map[string]series {
	dr, frames := r.response(t, ref)
	t.Check(dr.Error == "", "error %q (status %d)", dr.Error, dr.Status)
	_, err := r.grafanaView()
	t.NoErr(err, "Grafana's conversion")
	out := map[string]series{}
	var labelSets []data.Labels
	for _, fr := range frames {
		s := asSeries(t, fr, metric)
		for _, prev := range labelSets {
			t.Check(!prev.Equals(s.labels), "two series with the same labels %v: an alert rule cannot tell them apart", s.labels)
		}
		labelSets = append(labelSets, s.labels)
		id := s.labels["camera_id"]
		c := fx.camera(id)
		t.Check(c != nil, "series for unknown camera_id %q", id)
		t.Check(s.labels["camera_name"] == c.Name, "camera %s: camera_name label %q, want %q (used by {{ $labels.camera_name }})", id, s.labels["camera_name"], c.Name)
		out[id] = s
	}
	for _, c := range fx.cameras {
		_, ok := out[c.ID]
		t.Check(ok, "no %s series for camera %s (an alert rule would never fire for it)", metric, c.ID)
	}
	return out
}

// firing applies a threshold to last(): a null last value (NaN in Grafana) never fires.
func firing(all map[string]series, cond func(float64) bool) []string {
	var out []string
	for id, s := range all {
		if v := s.last(); v != nil && cond(*v) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func lastValues(all map[string]series) string {
	var parts []string
	for _, id := range keys(all) {
		parts = append(parts, fmt.Sprintf("%s=%s", id, fmtPtr(all[id].last())))
	}
	return strings.Join(parts, " ")
}

func (h *harness) alertCases(ctx context.Context, l *launched) {
	fx := h.fx

	h.s.run("alert CameraOffline (last(online) == 0): fires for the offline and wrong-password cameras only", func(t *T) {
		all := h.alertSeries(t, ctx, l, "online")
		var want []string
		for _, c := range fx.cameras {
			if c.Expect != "online" {
				want = append(want, c.ID)
			}
			v := all[c.ID].last()
			t.Check(v != nil && (*v == 0 || *v == 1), "camera %s: last(online) %s, want 0 or 1 (%s)", c.ID, fmtPtr(v), all[c.ID].tailString(6))
		}
		sort.Strings(want)
		got := firing(all, func(v float64) bool { return v == 0 })
		t.Check(strings.Join(got, ",") == strings.Join(want, ","), "firing %v, want %v (last values: %s)", got, want, lastValues(all))
		t.Infof("last values: %s", lastValues(all))
	})

	h.s.run("alert on tables: status and events answer alerting's table shape (string labels, one number per camera)", func(t *T) {
		h.waitFleet(t, ctx, l)
		now := time.Now()
		q := func(ref, queryType string) *pluginv2.DataQuery {
			return fx.dataQuery(queryOpts{refID: ref, queryType: queryType, from: now.Add(-10 * time.Minute), to: now,
				maxDataPoints: 43200, intervalMS: 1000, body: map[string]any{"cameras": []string{}}})
		}
		r, err := l.queryData(ctx, fx.alertContext(), map[string]string{"FromAlert": "true"}, q("S", "status"), q("E", "events"))
		t.NoErr(err, "QueryData")
		for _, ref := range []string{"S", "E"} {
			dr, frames := r.response(t, ref)
			t.Check(dr.Error == "", "%s: error %q", ref, dr.Error)
			t.Check(len(frames) == 1, "%s: %d frames, want one table", ref, len(frames))
			if len(frames) != 1 {
				continue
			}
			fr := frames[0]
			numeric, seen := 0, map[string]bool{}
			var value *data.Field
			for _, f := range fr.Fields {
				if f.Type().Numeric() {
					numeric++
					value = f
				} else {
					t.Check(f.Type() == data.FieldTypeString || f.Type() == data.FieldTypeNullableString, "%s: column %s is %s: only strings (labels) beside the value", ref, f.Name, f.Type())
				}
			}
			t.Check(numeric == 1, "%s: %d numeric columns, alerting needs exactly one", ref, numeric)
			t.Check(fr.Rows() == len(fx.cameras), "%s: %d rows, want one per camera (%d)", ref, fr.Rows(), len(fx.cameras))
			for i := 0; i < fr.Rows(); i++ {
				key := ""
				for _, f := range fr.Fields {
					if !f.Type().Numeric() {
						v, _ := f.ConcreteAt(i)
						key += fmt.Sprintf("%v|", v)
					}
				}
				t.Check(!seen[key], "%s: two rows with the same labels %q", ref, key)
				seen[key] = true
				if ref == "S" && value != nil {
					id, _ := fr.Fields[0].ConcreteAt(i)
					v, _ := value.NullableFloatAt(i)
					want := 0.0
					if c := fx.camera(fmt.Sprint(id)); c != nil && c.Expect == "online" {
						want = 1
					}
					t.Check(v != nil && *v == want, "status: camera %v online %s, want %v", id, fmtPtr(v), want)
				}
			}
		}
	})

	h.s.run("alert HighLatency (last(latency_ms) > 1000): a number per reachable camera, null (not 0) for the offline one", func(t *T) {
		all := h.alertSeries(t, ctx, l, "latency_ms")
		for _, c := range fx.cameras {
			v := all[c.ID].last()
			switch c.Expect {
			case "online":
				t.Check(v != nil && *v >= 0 && *v < 1000, "camera %s: last(latency_ms) %s, want a loopback latency in ms (%s)", c.ID, fmtPtr(v), all[c.ID].tailString(6))
			case "offline":
				for i, x := range all[c.ID].values {
					t.Check(x == nil, "camera %s (never reached) has latency %s at point %d: invented", c.ID, fmtPtr(x), i)
				}
			}
		}
		got := firing(all, func(v float64) bool { return v > 1000 })
		t.Check(len(got) == 0, "firing on loopback: %v (%s)", got, lastValues(all))
		t.Infof("last values: %s", lastValues(all))
	})

	h.s.run("alert HighTemperature (last(temperature_c) > 60): series per camera, null where the model reports none", func(t *T) {
		all := h.alertSeries(t, ctx, l, "temperature_c")
		for _, c := range fx.cameras {
			s := all[c.ID]
			if !c.ReportsTemperature || c.Expect != "online" {
				for i, x := range s.values {
					t.Check(x == nil, "camera %s (model %q, %s) has temperature %s at point %d: it reports none, so it must be null", c.ID, c.Model, c.Expect, fmtPtr(x), i)
				}
				continue
			}
			v := s.last()
			t.Check(v != nil && *v > -40 && *v < 100, "camera %s (model %q reports a temperature): last %s (%s)", c.ID, c.Model, fmtPtr(v), s.tailString(6))
		}
		t.Infof("last values: %s", lastValues(all))
	})

	h.s.run("alert MotionBurst (last(motion_events_per_min) > 10): a count per reachable camera", func(t *T) {
		all := h.alertSeries(t, ctx, l, "motion_events_per_min")
		for _, c := range fx.cameras {
			v := all[c.ID].last()
			switch c.Expect {
			case "online":
				t.Check(v != nil && *v >= 0, "camera %s: last(motion_events_per_min) %s, want a count >= 0 (%s)", c.ID, fmtPtr(v), all[c.ID].tailString(6))
			case "offline":
				t.Check(v == nil || *v == 0, "camera %s (never reached): last(motion_events_per_min) %s, want null or 0", c.ID, fmtPtr(v))
			}
		}
		t.Infof("last values: %s; firing: %v", lastValues(all), firing(all, func(v float64) bool { return v > 10 }))
	})
}
