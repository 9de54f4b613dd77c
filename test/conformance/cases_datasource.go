package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var allMetrics = []string{"online", "latency_ms", "temperature_c", "motion_events_per_min"}

// datasourceCases run every pluginv2 call against a started plugin.
func (h *harness) datasourceCases(ctx context.Context, l *launched) {
	fx := h.fx

	h.s.run("CheckHealth: OK only when every camera answers; the first line names each one that does not", func(t *T) {
		cctx, cancel := context.WithTimeout(ctx, 45*time.Second)
		defer cancel()
		resp, err := l.diagnostics.CheckHealth(cctx, &pluginv2.CheckHealthRequest{PluginContext: fx.pluginContext()})
		t.NoErr(err, "CheckHealth")
		t.Infof("status %v, message %q, details %s", resp.Status, resp.Message, string(resp.JsonDetails))
		if where := fx.leak(resp.Message + string(resp.JsonDetails)); where != "" {
			t.Fatalf("secret in the health answer: %s", where)
		}
		failing := 0
		first := strings.SplitN(resp.Message, "\n", 2)[0]
		for _, c := range fx.cameras {
			t.Check(strings.Contains(resp.Message, c.Name) || strings.Contains(resp.Message, c.ID),
				"message does not mention camera %q (%s)", c.Name, c.ID)
			if c.Expect != "online" {
				failing++
				t.Check(strings.Contains(first, c.Name), "the first line does not name failing camera %q: %q", c.Name, first)
			}
		}
		want := pluginv2.CheckHealthResponse_OK
		if failing > 0 {
			want = pluginv2.CheckHealthResponse_ERROR
		}
		t.Check(resp.Status == want, "status %v, want %v (%d cameras do not answer)", resp.Status, want, failing)
		if len(resp.JsonDetails) > 0 {
			t.Check(json.Valid(resp.JsonDetails), "jsonDetails is not JSON: %q", resp.JsonDetails)
		}
	})

	h.s.run("CollectMetrics: Prometheus text that parses", func(t *T) {
		resp, err := l.diagnostics.CollectMetrics(ctx, &pluginv2.CollectMetricsRequest{PluginContext: fx.pluginContext()})
		t.NoErr(err, "CollectMetrics")
		t.Check(resp.Metrics != nil && len(resp.Metrics.Prometheus) > 0, "empty metrics payload")
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(bytes.NewReader(resp.Metrics.Prometheus))
		t.NoErr(err, "parse Prometheus text")
		t.Check(len(families) > 0, "no metric families")
		names := keys(families)
		t.Infof("%d metric families, e.g. %s", len(families), strings.Join(names[:min(6, len(names))], ", "))
	})

	// The sidecar polls every second; wait (bounded) until every camera has been polled at least once.
	h.s.run("QueryData metrics: one series per (camera, metric) with labels, decoded by the SDK's Arrow reader", func(t *T) {
		metrics := []string{"online", "latency_ms"}
		var res *queryResult
		ok, why := eventually(40*time.Second, 300*time.Millisecond, func() (bool, string) {
			r, err := l.queryData(ctx, fx.pluginContext(), nil, fx.dataQuery(queryOpts{refID: "A", queryType: "metrics",
				body: map[string]any{"cameras": []string{}, "metrics": metrics}, maxDataPoints: 500}))
			if err != nil {
				return false, "QueryData: " + err.Error()
			}
			res = r
			if r.decodeErr["A"] != nil {
				return true, "" // a decode error will not heal: report it below
			}
			dr := r.raw.Responses["A"]
			if dr == nil || dr.Error != "" {
				return false, fmt.Sprintf("response A: %+v", dr)
			}
			return everyCameraHasPoint(fx, r.frames["A"], "online")
		})
		t.Check(ok, "no data for every camera within 40 s: %s", why)
		dr, frames := res.response(t, "A")
		t.Check(dr.Error == "" && (dr.Status == 0 || dr.Status == 200), "error %q status %d", dr.Error, dr.Status)
		_, err := res.grafanaView()
		t.NoErr(err, "Grafana's conversion (backend.FromProto().QueryDataResponse)")
		for i, b := range res.raw.Responses["A"].Frames {
			t.Check(arrowMagic(b) == "file format", "frame %d is not Arrow IPC file format: magic %s", i, arrowMagic(b))
		}
		got := map[string]series{}
		for _, fr := range frames {
			t.Check(fr.RefID == "A", "frame %q refId %q, want A", fr.Name, fr.RefID)
			s := asSeries(t, fr, fr.Name)
			key := s.labels["camera_id"] + "/" + fr.Name
			_, dup := got[key]
			t.Check(!dup, "two frames for %s", key)
			got[key] = s
			c := fx.camera(s.labels["camera_id"])
			t.Check(c != nil, "frame for unknown camera_id %q", s.labels["camera_id"])
			t.Check(s.labels["camera_name"] == c.Name, "camera %s: camera_name label %q, want %q", c.ID, s.labels["camera_name"], c.Name)
			if c.Expect == "online" && c.Model != "" {
				t.Check(s.labels["model"] == c.Model, "camera %s: model label %q, want the simulator's %q", c.ID, s.labels["model"], c.Model)
			}
			t.Check(fr.Rows() <= 500, "frame %s has %d rows, more than maxDataPoints 500", key, fr.Rows())
			from := time.Now().Add(-6 * time.Minute)
			for i, ts := range s.times {
				t.Check(ts.After(from) && ts.Before(time.Now().Add(5*time.Second)), "frame %s row %d time %v is outside the range", key, i, ts)
			}
		}
		for _, c := range fx.cameras {
			for _, m := range metrics {
				_, ok := got[c.ID+"/"+m]
				t.Check(ok, "no frame for camera %s metric %s (frames: %v)", c.ID, m, keys(got))
			}
		}
		t.Check(len(got) == len(fx.cameras)*len(metrics), "%d frames, want %d", len(got), len(fx.cameras)*len(metrics))
		// The numbers themselves: online is 1 for reachable cameras and 0 for the others.
		for _, c := range fx.cameras {
			last := got[c.ID+"/online"].last()
			want := 0.0
			if c.Expect == "online" {
				want = 1
			}
			t.Check(last != nil && *last == want, "camera %s (%s): last online value %s, want %g (%s)", c.ID, c.Expect, fmtPtr(last), want, got[c.ID+"/online"].tailString(6))
			lat := got[c.ID+"/latency_ms"].last()
			if c.Expect == "online" {
				t.Check(lat != nil && *lat >= 0 && *lat < 5000, "camera %s: last latency_ms %s, want a number of ms (%s)", c.ID, fmtPtr(lat), got[c.ID+"/latency_ms"].tailString(6))
			}
		}
	})

	// minMax: the wide shape, three nullable float64 fields on one time field (the metrics answer's
	// other frame shape, written by the sidecar's direct Arrow writer like the one above).
	h.s.run("QueryData metrics minMax: time, value, min and max fields with labels, decoded by the SDK's Arrow reader", func(t *T) {
		res, err := l.queryData(ctx, fx.pluginContext(), nil, fx.dataQuery(queryOpts{refID: "M", queryType: "metrics",
			body: map[string]any{"cameras": []string{}, "metrics": []string{"latency_ms"}, "minMax": true}, maxDataPoints: 500}))
		t.NoErr(err, "QueryData")
		_, frames := res.response(t, "M")
		_, err = res.grafanaView()
		t.NoErr(err, "Grafana's conversion (backend.FromProto().QueryDataResponse)")
		t.Check(len(frames) == len(fx.cameras), "%d frames, want one per camera (%d)", len(frames), len(fx.cameras))
		want := []string{"time", "latency_ms", "latency_ms_min", "latency_ms_max"}
		for _, fr := range frames {
			t.Check(fr.Meta != nil && fr.Meta.Type == data.FrameTypeTimeSeriesWide, "frame %q meta.type is %v, want timeseries-wide", fr.Name, metaType(fr))
			t.Check(len(fr.Fields) == 4, "frame %q has fields %v, want %v", fr.Name, fieldNames(fr), want)
			t.Check(fr.Fields[0].Type() == data.FieldTypeTime, "frame %q time field is %s", fr.Name, fr.Fields[0].Type().ItemTypeString())
			id := fr.Fields[1].Labels["camera_id"]
			for i, f := range fr.Fields[1:] {
				t.Check(f.Name == want[i+1] && f.Type() == data.FieldTypeNullableFloat64, "camera %s field %d is %s:%s, want %s:*float64", id, i+1, f.Name, f.Type().ItemTypeString(), want[i+1])
				t.Check(f.Labels["camera_id"] == id && f.Config != nil && f.Config.Unit == "ms", "camera %s field %s: labels %v, config %+v", id, f.Name, f.Labels, f.Config)
			}
			t.Check(fr.Fields[2].Labels["stat"] == "min" && fr.Fields[3].Labels["stat"] == "max", "camera %s: stat labels %q, %q", id, fr.Fields[2].Labels["stat"], fr.Fields[3].Labels["stat"])
			c := fx.camera(id)
			if c == nil || c.Expect != "online" {
				continue
			}
			// Every bucket with a value has min <= value <= max; a reachable camera has such buckets.
			full := 0
			for r := 0; r < fr.Rows(); r++ {
				v, lo, hi := fr.Fields[1].At(r).(*float64), fr.Fields[2].At(r).(*float64), fr.Fields[3].At(r).(*float64)
				if v != nil && lo != nil && hi != nil {
					full++
					t.Check(*lo <= *v && *v <= *hi, "camera %s row %d: min %g, value %g, max %g", id, r, *lo, *v, *hi)
				}
			}
			t.Check(full > 0, "camera %s: no bucket with value, min and max in %d rows", id, fr.Rows())
		}
	})

	h.s.run("QueryData status: one row per camera, typed nullable columns", func(t *T) {
		var res *queryResult
		ok, why := eventually(30*time.Second, 300*time.Millisecond, func() (bool, string) {
			r, err := l.queryData(ctx, fx.pluginContext(), nil, fx.dataQuery(queryOpts{refID: "S", queryType: "status", body: map[string]any{"cameras": []string{}}}))
			if err != nil {
				return false, "QueryData: " + err.Error()
			}
			res = r
			frames := r.frames["S"]
			if r.decodeErr["S"] != nil || len(frames) != 1 {
				return true, ""
			}
			return statusesSettled(fx, frames[0])
		})
		t.Check(ok, "statuses did not settle within 30 s: %s", why)
		dr, frames := res.response(t, "S")
		t.Check(dr.Error == "", "error %q (status %d)", dr.Error, dr.Status)
		t.Check(len(frames) == 1, "%d frames, want 1", len(frames))
		fr := frames[0]
		t.Check(fr.Name == "status", "frame name %q, want status", fr.Name)
		rows := rowByCamera(t, fr, "camera_id")
		t.Check(len(rows) == len(fx.cameras), "%d rows, want %d (one per camera)", len(rows), len(fx.cameras))
		S := []data.FieldType{data.FieldTypeString, data.FieldTypeNullableString}
		NS := []data.FieldType{data.FieldTypeNullableString}
		NF := []data.FieldType{data.FieldTypeNullableFloat64}
		NB := []data.FieldType{data.FieldTypeNullableBool}
		name := requireField(t, fr, "name", S...)
		status := requireField(t, fr, "status", S...)
		mdl := requireField(t, fr, "model", NS...)
		fw := requireField(t, fr, "firmware", NS...)
		requireField(t, fr, "ip", S...)
		lat := requireField(t, fr, "latency_ms", NF...)
		requireField(t, fr, "rssi_dbm", NF...)
		requireField(t, fr, "signal_level", NF...)
		requireField(t, fr, "motion_detection", NB...)
		requireField(t, fr, "person_detection", NB...)
		requireField(t, fr, "privacy_mode", NB...)
		requireField(t, fr, "storage_used_pct", NF...)
		requireField(t, fr, "sd_card", NS...)
		seen := requireField(t, fr, "last_seen", data.FieldTypeNullableTime)
		lastErr := requireField(t, fr, "last_error", NS...)
		for _, c := range fx.cameras {
			i, ok := rows[c.ID]
			t.Check(ok, "no row for camera %s", c.ID)
			n, _ := str(name, i)
			t.Check(n == c.Name, "camera %s: name %q, want %q", c.ID, n, c.Name)
			st, _ := str(status, i)
			m, hasModel := str(mdl, i)
			_, hasFw := str(fw, i)
			latency, hasLat := num(lat, i)
			when, hasSeen := tm(seen, i)
			e, hasErr := str(lastErr, i)
			switch c.Expect {
			case "online":
				t.Check(st == "online", "camera %s: status %q, want online (last_error %q)", c.ID, st, e)
				t.Check(hasModel && (c.Model == "" || m == c.Model), "camera %s: model %q (null=%v), want %q", c.ID, m, !hasModel, c.Model)
				t.Check(hasFw, "camera %s: firmware is null for an online camera", c.ID)
				t.Check(hasLat && latency >= 0, "camera %s: latency_ms %v (null=%v)", c.ID, latency, !hasLat)
				t.Check(hasSeen && time.Since(when) < time.Minute, "camera %s: last_seen %v (null=%v), want recent", c.ID, when, !hasSeen)
				t.Check(!hasErr, "camera %s: last_error %q on an online camera", c.ID, e)
			case "offline":
				t.Check(st == "offline" || st == "error", "camera %s: status %q, want offline", c.ID, st)
				t.Check(!hasModel, "camera %s: model %q for a camera never reached: invented", c.ID, m)
				t.Check(!hasSeen, "camera %s: last_seen %v for a camera never reached", c.ID, when)
				t.Check(hasErr && e != "", "camera %s: no last_error for an offline camera", c.ID)
				t.Check(!hasLat, "camera %s: latency_ms %v for a camera never reached", c.ID, latency)
			case "auth_failed":
				t.Check(st == "auth_failed" || st == "locked_out", "camera %s (wrong password): status %q, want auth_failed or locked_out", c.ID, st)
				t.Check(hasErr && e != "", "camera %s: no last_error for a wrong password", c.ID)
			}
		}
		if where := fx.leak(res.text); where != "" {
			t.Fatalf("secret in the status frame: %s", where)
		}
	})

	h.s.run("QueryData events: frame \"events\" with typed columns", func(t *T) {
		r, err := l.queryData(ctx, fx.pluginContext(), nil, fx.dataQuery(queryOpts{refID: "E", queryType: "events", body: map[string]any{"cameras": []string{}}}))
		t.NoErr(err, "QueryData")
		dr, frames := r.response(t, "E")
		t.Check(dr.Error == "", "error %q (status %d)", dr.Error, dr.Status)
		t.Check(len(frames) == 1, "%d frames, want 1", len(frames))
		fr := frames[0]
		t.Check(fr.Name == "events", "frame name %q, want events", fr.Name)
		S := []data.FieldType{data.FieldTypeString, data.FieldTypeNullableString}
		tf := requireField(t, fr, "time", data.FieldTypeTime)
		requireField(t, fr, "time_end", data.FieldTypeNullableTime)
		cid := requireField(t, fr, "camera_id", S...)
		requireField(t, fr, "camera_name", S...)
		kind := requireField(t, fr, "kind", S...)
		requireField(t, fr, "source", S...)
		requireField(t, fr, "text", S...)
		for i := 0; i < fr.Rows(); i++ {
			id, _ := str(cid, i)
			t.Check(fx.camera(id) != nil, "row %d: unknown camera %q", i, id)
			k, _ := str(kind, i)
			t.Check(k == "motion" || k == "person" || strings.HasPrefix(k, "status_"), "row %d: kind %q", i, k)
			ts, _ := tm(tf, i)
			t.Check(ts.After(time.Now().Add(-6*time.Minute)), "row %d: time %v before the range", i, ts)
		}
		t.Infof("%d events in the last 5 minutes", fr.Rows())
	})

	h.s.run("QueryData live: frames carry meta.channel ds/<uid>/fleet/metrics and .../camera/<id>/frames/2/320", func(t *T) {
		target := fx.cameras[0].ID
		r, err := l.queryData(ctx, fx.pluginContext(), nil,
			fx.dataQuery(queryOpts{refID: "L1", queryType: "live", body: map[string]any{"cameras": []string{}, "live": map[string]any{"kind": "metrics"}}}),
			fx.dataQuery(queryOpts{refID: "L2", queryType: "live", body: map[string]any{"cameras": []string{target}, "live": map[string]any{"kind": "frames", "fps": 2, "width": 320}}}),
		)
		t.NoErr(err, "QueryData")
		for ref, want := range map[string]string{
			"L1": "ds/" + fx.uid + "/fleet/metrics",
			"L2": "ds/" + fx.uid + "/camera/" + target + "/frames/2/320",
		} {
			dr, frames := r.response(t, ref)
			t.Check(dr.Error == "", "%s: error %q", ref, dr.Error)
			t.Check(len(frames) >= 1, "%s: no frame", ref)
			var chans []string
			for _, fr := range frames {
				if fr.Meta != nil {
					chans = append(chans, fr.Meta.Channel)
				}
			}
			t.Check(len(chans) == 1 && chans[0] == want, "%s: channels %v, want [%s]", ref, chans, want)
		}
	})

	h.s.run("QueryData: bad queries get their own 4xx error beside a good one", func(t *T) {
		r, err := l.queryData(ctx, fx.pluginContext(), nil,
			fx.dataQuery(queryOpts{refID: "GOOD", queryType: "status", body: map[string]any{"cameras": []string{}}}),
			fx.dataQuery(queryOpts{refID: "BADTYPE", queryType: "bogus", body: map[string]any{}}),
			fx.dataQuery(queryOpts{refID: "BADJSON", queryType: "metrics", rawJSON: []byte(`{"refId":"BADJSON","metrics":["online"`)}),
			fx.dataQuery(queryOpts{refID: "BADCAM", queryType: "metrics", body: map[string]any{"cameras": []string{"no-such-camera"}, "metrics": []string{"online"}}}),
			fx.dataQuery(queryOpts{refID: "BADMETRIC", queryType: "metrics", body: map[string]any{"metrics": []string{"no_such_metric"}}}),
		)
		t.NoErr(err, "QueryData (one bad query must not fail the whole request)")
		dr, frames := r.response(t, "GOOD")
		t.Check(dr.Error == "" && len(frames) == 1 && frames[0].Rows() == len(fx.cameras), "good query: error %q, %d frames", dr.Error, len(frames))
		var msgs []string
		for _, ref := range []string{"BADTYPE", "BADJSON", "BADCAM", "BADMETRIC"} {
			bad, ok := r.raw.Responses[ref]
			t.Check(ok, "no DataResponse for %s", ref)
			t.Check(bad.Error != "", "%s: no error message (status %d, %d frames)", ref, bad.Status, len(bad.Frames))
			t.Check(bad.Status >= 400 && bad.Status < 500, "%s: status %d, want 4xx (error %q)", ref, bad.Status, bad.Error)
			msgs = append(msgs, fmt.Sprintf("%s %d %q", ref, bad.Status, bad.Error))
		}
		_, err = r.grafanaView()
		t.NoErr(err, "Grafana's conversion of the mixed answer")
		if where := fx.leak(r.text); where != "" {
			t.Fatalf("secret in an answer: %s", where)
		}
		t.Infof("%s", strings.Join(msgs, "; "))
	})

	h.s.run("CallResource GET cameras: 200 JSON list of {id,name,model,status,host,ptz}", func(t *T) {
		code, hdr, body := callResource(t, ctx, l, fx.pluginContext(), "GET", "cameras")
		t.Check(code == 200, "code %d, body %q", code, body)
		t.Check(strings.Contains(strings.ToLower(strings.Join(headerValues(hdr, "content-type"), ",")), "json"), "content-type %v", headerValues(hdr, "content-type"))
		var list []map[string]any
		t.NoErr(json.Unmarshal(body, &list), "body is not a JSON array")
		t.Check(len(list) == len(fx.cameras), "%d cameras listed, want %d", len(list), len(fx.cameras))
		for _, item := range list {
			id, _ := item["id"].(string)
			c := fx.camera(id)
			t.Check(c != nil, "unknown id %q in %v", id, item)
			t.Check(item["name"] == c.Name, "%s: name %v, want %q", id, item["name"], c.Name)
			t.Check(item["host"] == c.Host, "%s: host %v, want %q", id, item["host"], c.Host)
			_, isBool := item["ptz"].(bool)
			t.Check(isBool, "%s: ptz %v is not a boolean", id, item["ptz"])
			st, _ := item["status"].(string)
			t.Check(validStatus(st), "%s: status %q", id, st)
			if c.Expect == "online" && c.Model != "" {
				t.Check(item["model"] == c.Model, "%s: model %v, want %q", id, item["model"], c.Model)
			}
			if c.Expect == "offline" {
				t.Check(item["model"] == nil, "%s: model %v for a camera never reached", id, item["model"])
			}
		}
		if where := fx.leak(string(body)); where != "" {
			t.Fatalf("secret in the body: %s", where)
		}
	})

	h.s.run("CallResource unknown path: 404", func(t *T) {
		code, _, body := callResource(t, ctx, l, fx.pluginContext(), "GET", "no/such/thing")
		t.Check(code == 404, "code %d, body %q", code, body)
	})

	h.streamCases(ctx, l)
	h.videoCases(ctx, l)
	h.alertCases(ctx, l)
	h.provisioningCases(ctx, l)
	h.instanceCases(ctx, l)
}

func everyCameraHasPoint(fx *fixture, frames data.Frames, metric string) (bool, string) {
	have := map[string]bool{}
	for _, fr := range frames {
		if fr.Name != metric || len(fr.Fields) < 2 {
			continue
		}
		vf := fr.Fields[1]
		for i := 0; i < vf.Len(); i++ {
			if v, ok := num(vf, i); ok && !math.IsNaN(v) {
				have[vf.Labels["camera_id"]] = true
			}
		}
	}
	var missing []string
	for _, c := range fx.cameras {
		if !have[c.ID] {
			missing = append(missing, c.ID)
		}
	}
	if len(missing) > 0 {
		return false, fmt.Sprintf("no %s point yet for %v (%d frames)", metric, missing, len(frames))
	}
	return true, ""
}

// waitFleet waits (bounded) until every camera has been polled and shows the status the fixture
// expects, so that the provisioning cases also stand alone (-run provisioning).
func (h *harness) waitFleet(t *T, ctx context.Context, l *launched) {
	fx := h.fx
	ok, why := eventually(40*time.Second, 300*time.Millisecond, func() (bool, string) {
		r, err := l.queryData(ctx, fx.pluginContext(), nil,
			fx.dataQuery(queryOpts{refID: "S", queryType: "status", body: map[string]any{"cameras": []string{}}}),
			fx.dataQuery(queryOpts{refID: "M", queryType: "metrics", body: map[string]any{"cameras": []string{}, "metrics": []string{"online"}}}))
		if err != nil {
			return false, "QueryData: " + err.Error()
		}
		if len(r.frames["S"]) != 1 {
			return false, fmt.Sprintf("status answer %+v", r.raw.Responses["S"])
		}
		if ok, why := statusesSettled(fx, r.frames["S"][0]); !ok {
			return false, why
		}
		return everyCameraHasPoint(fx, r.frames["M"], "online")
	})
	t.Check(ok, "the fleet did not settle within 40 s: %s", why)
}

// statusesSettled: every camera shows the status the harness expects of it.
func statusesSettled(fx *fixture, fr *data.Frame) (bool, string) {
	id := field(fr, "camera_id")
	st := field(fr, "status")
	if id == nil || st == nil {
		return true, "" // the case reports the missing column
	}
	got := map[string]string{}
	for i := 0; i < id.Len(); i++ {
		k, _ := str(id, i)
		v, _ := str(st, i)
		got[k] = v
	}
	for _, c := range fx.cameras {
		s := got[c.ID]
		ok := s == c.Expect || (c.Expect == "auth_failed" && s == "locked_out") || (c.Expect == "offline" && s == "error")
		if !ok {
			return false, fmt.Sprintf("statuses %v", got)
		}
	}
	return true, ""
}

func validStatus(s string) bool {
	switch s {
	case "online", "offline", "auth_failed", "locked_out", "error", "unknown":
		return true
	}
	return false
}

func callResource(t *T, ctx context.Context, l *launched, pc *pluginv2.PluginContext, method, path string) (int32, map[string]*pluginv2.StringList, []byte) {
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	st, err := l.resource.CallResource(cctx, &pluginv2.CallResourceRequest{
		PluginContext: pc,
		Path:          path,
		Method:        method,
		Url:           path,
		Headers:       map[string]*pluginv2.StringList{"Accept": {Values: []string{"application/json"}}},
	})
	t.NoErr(err, "CallResource")
	var code int32
	var hdr map[string]*pluginv2.StringList
	var body bytes.Buffer
	for i := 0; ; i++ {
		msg, err := st.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("CallResource stream: %v", err)
		}
		if i == 0 {
			code, hdr = msg.Code, msg.Headers
		}
		body.Write(msg.Body)
	}
	t.Check(code != 0, "no response message (code 0)")
	return code, hdr, body.Bytes()
}

func headerValues(h map[string]*pluginv2.StringList, name string) []string {
	for k, v := range h {
		if strings.EqualFold(k, name) && v != nil {
			return v.Values
		}
	}
	return nil
}
