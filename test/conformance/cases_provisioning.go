package main

// Provisioning cases: what ships in provisioning/ is answered by the real backend. Each alert
// rule's refId A model goes through QueryData as Grafana's alert evaluator sends it, and the
// rule's own reduce (B) and threshold (C) are applied to the answer; every dashboard target,
// variable and annotation whose datasource is the Tapo one goes through QueryData / CallResource
// (and SubscribeStream for live targets) as the frontend sends them, variables substituted.
// The cases reuse the running plugin and the fixture's cameras.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// What Grafana 10.4's alert evaluator puts in the headers of a rule's query.
var alertHeaders = map[string]string{"FromAlert": "true", "X-Cache-Skip": "true"}

func (h *harness) provisioningCases(ctx context.Context, l *launched) {
	rules, err := loadAlertQueries(h.cfg.repo)
	if err != nil {
		h.s.run("provisioning alert rules: read "+alertQueriesFile, func(t *T) { t.Fatalf("%v", err) })
	}
	for _, r := range rules {
		name := fmt.Sprintf("provisioning alert %s: %s of its refId A %s", r.Title, r.describe(), ruleExpectation(r))
		h.s.run(name, func(t *T) { h.alertRuleCase(t, ctx, l, r) })
	}

	// The Tapo datasource's provisioned uid, as the alert rules name it (provisioning tests check
	// it against provisioning/datasources/).
	tapoUID := ""
	for _, r := range rules {
		if tapoUID == "" {
			tapoUID = r.DatasourceUID
		}
	}
	dashboards, err := loadDashboards(h.cfg.repo, h.cfg.appDir)
	if err != nil {
		h.s.run("provisioning dashboards: read "+dashboardsDir, func(t *T) { t.Fatalf("%v", err) })
		return
	}
	for _, d := range dashboards {
		h.dashboardCases(ctx, l, d, tapoUID)
	}
}

// ruleExpectation is the firing set the fixture implies for a rule, in words (for the case name).
func ruleExpectation(r provisionedRule) string {
	switch r.Title {
	case "CameraOffline":
		return "fires for the offline and wrong-password cameras only"
	case "HighLatency":
		return "fires for no camera (loopback latency)"
	case "HighTemperature":
		return "fires for no camera (only the battery model reports a temperature, and it is below the threshold)"
	case "MotionBurst":
		return "fires exactly where the backend's own event records exceed the threshold in a minute"
	}
	return "(no expectation known to the harness)"
}

// ---- alert rules ----

type ruleEval struct {
	from, to time.Time
	series   map[string]series
	reduced  map[string]*float64
	firing   []string
	query    string
}

// evalRule sends the rule's refId A model as Grafana's alert evaluator does (no user, alert
// headers, the model as the query JSON, maxDataPoints/intervalMs from the model or Grafana's
// defaults, the relative time range resolved at `now`), checks the frames as alert input, and
// applies the rule's reduce and threshold per camera.
func (h *harness) evalRule(t *T, ctx context.Context, l *launched, r provisionedRule, m ruleModel, now time.Time) ruleEval {
	fx := h.fx
	from, to, err := alertTimeRange(r, now)
	t.NoErr(err, "time range")
	mdp := int64(m.MaxDataPoints)
	if mdp <= 0 {
		mdp = alertDefaultMaxDataPoints
	}
	iv := int64(m.IntervalMs)
	if iv <= 0 {
		iv = alertDefaultIntervalMs
	}
	q := fx.dataQuery(queryOpts{refID: m.RefID, queryType: m.QueryType, rawJSON: r.Model, from: from, to: to, maxDataPoints: mdp, intervalMS: iv})
	res, err := l.queryData(ctx, fx.alertContext(), alertHeaders, q)
	t.NoErr(err, "QueryData")
	desc := fmt.Sprintf("query %s over [now-%ds, now-%ds] maxDataPoints %d intervalMs %d", compactJSON(r.Model), r.RelativeTimeRange.From, r.RelativeTimeRange.To, mdp, iv)
	if dr := res.raw.Responses[m.RefID]; dr != nil && dr.Error != "" {
		t.Fatalf("%s: error %q (status %d)", desc, dr.Error, dr.Status)
	}
	all := alertFrames(t, fx, res, m.RefID, m.Metrics[0])
	if where := fx.leak(res.text); where != "" {
		t.Fatalf("secret in the answer: %s", where)
	}
	ev := ruleEval{from: from, to: to, series: all, reduced: map[string]*float64{}, query: desc}
	for _, c := range fx.cameras {
		s := all[c.ID]
		if c.Expect == "online" && c.Model != "" {
			t.Check(s.labels["model"] == c.Model, "camera %s: model label %q, want %q", c.ID, s.labels["model"], c.Model)
		}
		v, err := reduceValues(s.values, *r.Reduce)
		t.NoErr(err, "reduce")
		ev.reduced[c.ID] = v
		fires, err := thresholdFires(*r.Threshold, v)
		t.NoErr(err, "threshold")
		if fires {
			ev.firing = append(ev.firing, c.ID)
		}
	}
	sort.Strings(ev.firing)
	return ev
}

func (ev ruleEval) values() string {
	var parts []string
	for _, id := range keys(ev.reduced) {
		parts = append(parts, id+"="+fmtPtr(ev.reduced[id]))
	}
	return strings.Join(parts, " ")
}

func (h *harness) alertRuleCase(t *T, ctx context.Context, l *launched, r provisionedRule) {
	fx := h.fx
	h.waitFleet(t, ctx, l)
	t.Check(r.Reduce != nil && r.Threshold != nil, "rule %s (%s) has no reduce (B) or threshold (C) expression", r.UID, r.File)
	t.Check(r.RelativeTimeRange != nil, "rule %s has no relativeTimeRange on refId A", r.UID)
	var m ruleModel
	t.NoErr(json.Unmarshal(r.Model, &m), "rule model")
	t.Check(m.RefID == "A", "model refId %q, want A", m.RefID)
	t.Check(m.Datasource != nil && m.Datasource.Type == pluginID && m.Datasource.UID == r.DatasourceUID,
		"model datasource %+v, want {type %s, uid %s}", m.Datasource, pluginID, r.DatasourceUID)
	t.Check(m.QueryType == "metrics", "queryType %q: an alert rule needs a metrics query (series per camera)", m.QueryType)
	t.Check(len(m.Metrics) == 1, "metrics %v: one metric per rule, or two series carry the same camera labels and Grafana rejects the result", m.Metrics)
	metric := m.Metrics[0]
	var want []string

	switch r.Title {
	case "CameraOffline":
		ev := h.evalRule(t, ctx, l, r, m, time.Now())
		for _, c := range fx.cameras {
			v := ev.reduced[c.ID]
			wantV := 0.0
			if c.Expect == "online" {
				wantV = 1
			} else {
				want = append(want, c.ID)
			}
			t.Check(v != nil && *v == wantV, "camera %s (%s): B = %s, want %g (%s; %s)", c.ID, c.Expect, fmtPtr(v), wantV, ev.series[c.ID].tailString(6), ev.query)
		}
		h.checkFiring(t, ev, want)

	case "HighLatency":
		ev := h.evalRule(t, ctx, l, r, m, time.Now())
		for _, c := range fx.cameras {
			v := ev.reduced[c.ID]
			switch c.Expect {
			case "online":
				t.Check(v != nil && *v >= 0 && *v < 1000, "camera %s: B = %s, want a loopback latency in ms (%s)", c.ID, fmtPtr(v), ev.series[c.ID].tailString(6))
			case "offline":
				t.Check(v == nil, "camera %s was never reached: B = %s, want null (no value: the rule stays quiet)", c.ID, fmtPtr(v))
			}
		}
		h.checkFiring(t, ev, nil)

	case "HighTemperature":
		ev := h.evalRule(t, ctx, l, r, m, time.Now())
		for _, c := range fx.cameras {
			v := ev.reduced[c.ID]
			if c.ReportsTemperature && c.Expect == "online" {
				t.Check(v != nil && *v > -40 && *v < 100, "camera %s (model %s reports a temperature): B = %s (%s)", c.ID, c.Model, fmtPtr(v), ev.series[c.ID].tailString(6))
			} else {
				t.Check(v == nil, "camera %s (model %q, %s) reports no temperature: B = %s, want null", c.ID, c.Model, c.Expect, fmtPtr(v))
			}
		}
		h.checkFiring(t, ev, nil)

	case "MotionBurst":
		h.motionRuleCase(t, ctx, l, r, m)

	default:
		t.Fatalf("rule %q (%s, metric %s) is new to the harness: add its expected firing set to cases_provisioning.go", r.Title, r.UID, metric)
	}
}

func (h *harness) checkFiring(t *T, ev ruleEval, want []string) {
	sort.Strings(want)
	t.Check(strings.Join(ev.firing, ",") == strings.Join(want, ","), "firing %v, want %v (B: %s; %s)", ev.firing, want, ev.values(), ev.query)
	t.Infof("B: %s; firing: %v", ev.values(), ev.firing)
}

// motionRuleCase: the fixture's motion is random (the simulator triggers an event every
// simMotionMeanMs on average), so the expected counts come from the backend's own event records:
// each one-minute bucket of the rule's series must hold the number of motion/person events that
// started in that clock minute (within the rule's range), and the rule fires exactly for the
// cameras whose counts, reduced and thresholded as the rule says, fire. Events can be recorded
// between the two queries, so the pair is retried (bounded) until both agree.
func (h *harness) motionRuleCase(t *T, ctx context.Context, l *launched, r provisionedRule, m ruleModel) {
	fx := h.fx
	var ev ruleEval
	var counts map[string][]float64
	var perMinute map[string]map[int64]int
	ok, why := eventually(15*time.Second, 300*time.Millisecond, func() (bool, string) {
		ev = h.evalRule(t, ctx, l, r, m, time.Now())
		perMinute = h.eventsPerMinute(t, ctx, l, ev.from, ev.to)
		counts = map[string][]float64{}
		var mismatch []string
		for _, c := range fx.cameras {
			s := ev.series[c.ID]
			covered := map[int64]bool{}
			for i, bt := range s.times {
				ms := bt.UnixMilli()
				t.Check(ms%60_000 == 0 && (i == 0 || bt.Sub(s.times[i-1]) == time.Minute),
					"camera %s: bucket %d starts at %v: the harness checks one-minute buckets aligned to the clock (the rule's maxDataPoints/range give other buckets)", c.ID, i, bt)
				covered[ms/60_000] = true
				want := float64(perMinute[c.ID][ms/60_000])
				counts[c.ID] = append(counts[c.ID], want)
				if got := s.values[i]; got == nil || *got != want {
					mismatch = append(mismatch, fmt.Sprintf("%s minute %s: series %s, events %g", c.ID, bt.Format("15:04"), fmtPtr(got), want))
				}
			}
			for minute, n := range perMinute[c.ID] {
				if !covered[minute] {
					mismatch = append(mismatch, fmt.Sprintf("%s: %d events in minute %s, which has no bucket", c.ID, n, time.UnixMilli(minute*60_000).Format("15:04")))
				}
			}
		}
		return len(mismatch) == 0, strings.Join(mismatch, "; ")
	})
	t.Check(ok, "motion_events_per_min disagrees with the events the backend recorded, within 15 s: %s (%s)", why, ev.query)
	t.Check(len(perMinute["offline-1"]) == 0, "camera offline-1 was never reached but has motion events: %v", perMinute["offline-1"])
	var want []string
	for _, c := range fx.cameras {
		vals := make([]*float64, len(counts[c.ID]))
		for i := range counts[c.ID] {
			vals[i] = &counts[c.ID][i]
		}
		v, err := reduceValues(vals, *r.Reduce)
		t.NoErr(err, "reduce")
		fires, err := thresholdFires(*r.Threshold, v)
		t.NoErr(err, "threshold")
		if fires {
			want = append(want, c.ID)
		}
	}
	var perCam []string
	for _, c := range fx.cameras {
		perCam = append(perCam, fmt.Sprintf("%s=%v", c.ID, counts[c.ID]))
	}
	t.Infof("simulator motion every %d ms on average (≈%d per minute per camera once a whole minute has passed); %.0f s after the fixture started, events per clock minute: %s",
		simMotionMeanMs, 60_000/simMotionMeanMs, time.Since(time.UnixMilli(fx.lastUpdated)).Seconds(), strings.Join(perCam, " "))
	h.checkFiring(t, ev, want)
}

// eventsPerMinute asks the backend for every motion/person event in [from, to] and counts, per
// camera, those that started in the range, by clock minute.
func (h *harness) eventsPerMinute(t *T, ctx context.Context, l *launched, from, to time.Time) map[string]map[int64]int {
	fx := h.fx
	res, err := l.queryData(ctx, fx.alertContext(), nil, fx.dataQuery(queryOpts{refID: "E", queryType: "events", from: from, to: to,
		body: map[string]any{"cameras": []string{}, "eventKinds": []string{}}}))
	t.NoErr(err, "QueryData events")
	dr, frames := res.response(t, "E")
	t.Check(dr.Error == "" && len(frames) == 1, "events: error %q, %d frames", dr.Error, len(frames))
	fr := frames[0]
	tf := requireField(t, fr, "time", data.FieldTypeTime)
	cf := requireField(t, fr, "camera_id", data.FieldTypeString, data.FieldTypeNullableString)
	out := map[string]map[int64]int{}
	lo, hi := from.UnixMilli(), to.UnixMilli()
	for i := 0; i < fr.Rows(); i++ {
		ts, _ := tm(tf, i)
		ms := ts.UnixMilli()
		if ms < lo || ms > hi {
			continue // it began before the range and is still going: not counted in it
		}
		id, _ := str(cf, i)
		if out[id] == nil {
			out[id] = map[int64]int{}
		}
		out[id][ms/60_000]++
	}
	return out
}

// ---- dashboards ----

func (h *harness) dashboardCases(ctx context.Context, l *launched, d *dashboardDoc, tapoUID string) {
	prefix := "provisioning dashboard " + d.UID
	resolveDatasourceVariables(d, tapoUID)
	isTapo := func(ds *dsRef) bool {
		return ds != nil && ((tapoUID != "" && ds.UID == tapoUID) || ds.Type == pluginID)
	}

	// Variables first: the panels are checked with every selection they offer.
	var vars []dashVar
	options := map[string][]string{}
	var broken []string
	for _, v := range d.Templating.List {
		if v.Type == "datasource" && !strings.Contains(string(v.Query), pluginID) {
			// The sites dashboard also picks Grafana's own Prometheus and Loki datasources, which
			// the harness does not run.
			h.s.run(fmt.Sprintf("%s variable $%s", prefix, v.Name), func(t *T) {
				t.Skipf("a datasource variable of type %s: the harness runs only the Tapo datasource", string(v.Query))
			})
			continue
		}
		if v.Type == "datasource" {
			h.s.run(fmt.Sprintf("%s variable $%s: a datasource variable of type %s, which picks the provisioned Tapo datasource", prefix, v.Name, pluginID), func(t *T) {
				var q string
				t.Check(json.Unmarshal(v.Query, &q) == nil && q == pluginID, "query %s, want %q", string(v.Query), pluginID)
			})
			continue
		}
		if v.Type != "query" || !isTapo(v.Datasource) {
			h.s.run(fmt.Sprintf("%s variable $%s", prefix, v.Name), func(t *T) {
				t.Skipf("a %s variable of datasource %+v: the harness emulates Tapo query variables only", v.Type, v.Datasource)
			})
			continue
		}
		vars = append(vars, v)
		ok := h.s.run(fmt.Sprintf("%s variable $%s: CallResource cameras, filtered as its query says, gives its options", prefix, v.Name), func(t *T) {
			t.Check(v.Datasource.UID == tapoUID, "variable datasource uid %q, want the provisioned %q", v.Datasource.UID, tapoUID)
			options[v.Name] = h.variableOptions(t, ctx, l, v)
		})
		if !ok || len(options[v.Name]) == 0 {
			broken = append(broken, "$"+v.Name)
		}
	}
	sc := scenes(vars, options)

	for _, p := range allPanels(d.Panels) {
		for _, target := range p.Targets {
			ds := targetDatasource(target, p.Datasource)
			if !isTapo(ds) {
				continue // another datasource's target: not ours to check
			}
			ref, _ := target["refId"].(string)
			name := fmt.Sprintf("%s panel %q (%s, refId %s): answered", prefix, p.Title, describeTarget(target), ref)
			h.s.run(name, func(t *T) { h.targetCase(t, ctx, l, d, p, target, ds, tapoUID, sc, broken) })
		}
	}
	for _, a := range d.Annotations.List {
		if !isTapo(a.Datasource) {
			continue // Grafana's built-in annotations
		}
		// The annotation support's prepareAnnotation/prepareQuery (src/datasource/annotations.ts):
		// defaults, then the saved target, always an events query.
		target := map[string]any{"queryType": "events", "cameras": []any{}, "eventKinds": []any{"motion", "person"}, "statusChanges": true, "refId": "Anno"}
		for k, v := range a.Target {
			target[k] = v
		}
		target["queryType"] = "events"
		pseudo := dashPanel{Title: a.Name}
		pseudo.GridPos.W = 24
		name := fmt.Sprintf("%s annotation %q (%s): answered", prefix, a.Name, describeTarget(target))
		h.s.run(name, func(t *T) { h.targetCase(t, ctx, l, d, pseudo, target, a.Datasource, tapoUID, sc, broken) })
	}
}

func describeTarget(target map[string]any) string {
	qt, _ := target["queryType"].(string)
	switch qt {
	case "metrics":
		ms, _ := stringList(target["metrics"])
		return "metrics " + strings.Join(ms, ",")
	case "events":
		ks, _ := stringList(target["eventKinds"])
		s := "events " + strings.Join(ks, ",")
		if sc, _ := target["statusChanges"].(bool); sc {
			s += " + status changes"
		}
		return s
	case "live":
		live, _ := target["live"].(map[string]any)
		kind, _ := live["kind"].(string)
		return "live " + kind
	}
	return qt
}

// variableOptions does what the datasource's metricFindQuery does (src/datasource/variables.ts):
// GET the `cameras` resource, keep well-formed rows, filter by the variable's models/statuses,
// text = name, value = id; then Grafana sorts them as the variable's `sort` says.
func (h *harness) variableOptions(t *T, ctx context.Context, l *launched, v dashVar) []string {
	fx := h.fx
	var q struct {
		Models   []string `json:"models"`
		Statuses []string `json:"statuses"`
	}
	if len(v.Query) > 0 && v.Query[0] == '{' {
		t.NoErr(json.Unmarshal(v.Query, &q), "variable query")
	}
	code, _, body := callResource(t, ctx, l, fx.pluginContext(), "GET", "cameras")
	t.Check(code == 200, "GET cameras: code %d, body %.300s", code, body)
	var rows []map[string]any
	if err := json.Unmarshal(body, &rows); err != nil {
		var wrapped struct {
			Cameras []map[string]any `json:"cameras"`
		}
		t.NoErr(json.Unmarshal(body, &wrapped), fmt.Sprintf("GET cameras: not a list (%.200s)", body))
		rows = wrapped.Cameras
	}
	var opts []varOption
	for _, r := range rows {
		id, idOK := r["id"].(string)
		name, nameOK := r["name"].(string)
		status, _ := r["status"].(string)
		t.Check(idOK && nameOK && validStatus(status), "camera row %v is malformed: the frontend drops it", r)
		model, _ := r["model"].(string)
		if len(q.Models) > 0 && !containsFold(q.Models, model) {
			continue
		}
		if len(q.Statuses) > 0 && !contains(q.Statuses, status) {
			continue
		}
		opts = append(opts, varOption{Text: name, Value: id})
	}
	t.NoErr(sortOptions(opts, v.Sort), "sort")
	t.Check(len(opts) >= 1, "no camera matches the variable's query %s (cameras: %s)", compactJSON(v.Query), body)
	var values, shown []string
	for _, o := range opts {
		values = append(values, o.Value)
		shown = append(shown, fmt.Sprintf("%s=%s", o.Text, o.Value))
	}
	if len(q.Models) == 0 && len(q.Statuses) == 0 {
		got, wantIDs := append([]string(nil), values...), fx.ids()
		sort.Strings(got)
		sort.Strings(wantIDs)
		t.Check(strings.Join(got, ",") == strings.Join(wantIDs, ","), "options %v, want every configured camera %v", got, wantIDs)
	}
	def := values[0]
	if v.IncludeAll {
		def = "All"
	}
	if cur := fmt.Sprint(v.Current.Value); v.Current.Value != nil && cur != "" && cur != "[]" {
		def = cur + " (saved)"
	}
	t.Infof("options (sort %d): %s; shown first: %s", v.Sort, strings.Join(shown, ", "), def)
	return values
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func containsFold(xs []string, x string) bool {
	for _, y := range xs {
		if x != "" && strings.EqualFold(y, x) {
			return true
		}
	}
	return false
}

// targetCase sends one dashboard target as the frontend does (variables substituted, the panel's
// time range, maxDataPoints and intervalMs) once per variable selection, and checks the answer.
func (h *harness) targetCase(t *T, ctx context.Context, l *launched, d *dashboardDoc, p dashPanel, target map[string]any, ds *dsRef, tapoUID string, all []scene, broken []string) {
	fx := h.fx
	t.Check(ds.UID == tapoUID, "datasource %+v: uid is not the provisioned Tapo uid %q (the panel would find no datasource)", ds, tapoUID)
	if hide, _ := target["hide"].(bool); hide {
		t.Skipf("hidden target: the frontend does not send it")
	}
	extra := stringsWithVariables(target)
	t.Check(len(extra) == 0, "template variables outside `cameras` (%v): the frontend does not substitute them", extra)
	entries, err := stringList(target["cameras"])
	t.NoErr(err, "cameras")
	usesVars := false
	for _, e := range entries {
		usesVars = usesVars || varRef.MatchString(strings.TrimSpace(e))
	}
	run := []scene{{}}
	if usesVars {
		t.Check(len(broken) == 0, "variables %v have no options (see their case)", broken)
		run = all
	}
	t.Check(len(run) > 0, "no variable selection to check the target with")
	queryType, _ := target["queryType"].(string)
	ref, _ := target["refId"].(string)
	if ref == "" {
		ref = "A"
	}
	var summary []string
	for _, sc := range run {
		ids, err := substituteCameras(entries, sc)
		t.NoErr(err, sc.String())
		q := map[string]any{}
		for k, v := range target {
			q[k] = v
		}
		q["cameras"] = ids
		if queryType == "live" {
			q["live"] = frontendLive(target["live"])
		}
		now := time.Now()
		from, to, mdp, iv, err := panelRequest(d, p, now)
		t.NoErr(err, "panel time range")
		// What /api/ds/query forwards: the target as the frontend built it, plus these keys.
		q["datasource"] = map[string]any{"type": pluginID, "uid": fx.uid}
		q["datasourceId"] = fx.dsID
		q["intervalMs"] = iv
		q["maxDataPoints"] = mdp
		js, _ := json.Marshal(q)
		res, err := l.queryData(ctx, fx.pluginContext(), nil, fx.dataQuery(queryOpts{refID: ref, queryType: queryType, rawJSON: js, from: from, to: to, maxDataPoints: mdp, intervalMS: iv}))
		t.NoErr(err, "QueryData "+string(js))
		where := fmt.Sprintf("%s, query %s, range %s..%s", sc, js, from.Format("15:04:05"), to.Format("15:04:05"))
		dr, frames := res.response(t, ref)
		t.Check(dr.Error == "" && (dr.Status == 0 || dr.Status == 200), "%s: error %q (status %d)", where, dr.Error, dr.Status)
		_, err = res.grafanaView()
		t.NoErr(err, "Grafana's conversion ("+where+")")
		t.Check(len(frames) >= 1, "%s: no frame", where)
		if leak := fx.leak(res.text); leak != "" {
			t.Fatalf("%s: secret in the answer: %s", where, leak)
		}
		selected := ids
		if len(selected) == 0 {
			selected = fx.ids()
		}
		summary = append(summary, sc.String()+": "+h.checkTargetFrames(t, ctx, l, queryType, q, frames, selected, where))
	}
	t.Infof("%s", strings.Join(summary, "; "))
}

// frontendLive is the live part of a query after the frontend's interpolateQuery: frames by
// default, fps rounded into [1, 10] (default 2), width into [160, 1280] (default 640), for frames
// and for video (its picture fallback; video keeps its stream).
func frontendLive(v any) map[string]any {
	live, _ := v.(map[string]any)
	kind, _ := live["kind"].(string)
	if kind == "" {
		kind = "frames"
	}
	if kind != "frames" && kind != "video" {
		return map[string]any{"kind": kind}
	}
	clamp := func(x any, def, lo, hi float64) float64 {
		f, ok := x.(float64)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return def
		}
		return math.Min(hi, math.Max(lo, math.Round(f)))
	}
	// A video query keeps its stream; its fps/width are those of its picture fallback.
	out := map[string]any{"kind": kind, "fps": clamp(live["fps"], 2, 1, 10), "width": clamp(live["width"], 640, 160, 1280)}
	if s, ok := live["stream"].(string); ok && kind == "video" && s != "" {
		out["stream"] = s
	}
	return out
}

// checkTargetFrames checks the frames of one answer for what its query asked (and only the
// selected cameras); it returns a short summary.
func (h *harness) checkTargetFrames(t *T, ctx context.Context, l *launched, queryType string, q map[string]any, frames data.Frames, selected []string, where string) string {
	fx := h.fx
	isSelected := map[string]bool{}
	for _, id := range selected {
		isSelected[id] = true
	}
	switch queryType {
	case "metrics":
		metrics, _ := stringList(q["metrics"])
		if len(metrics) == 0 {
			metrics = []string{"online"}
		}
		seen := map[string]bool{}
		for _, fr := range frames {
			t.Check(contains(metrics, fr.Name), "%s: frame %q is not one of the metrics asked for %v", where, fr.Name, metrics)
			s := asSeries(t, fr, fr.Name)
			id := s.labels["camera_id"]
			t.Check(isSelected[id], "%s: series for camera %q, which is not selected %v", where, id, selected)
			seen[id+"/"+fr.Name] = true
		}
		for _, id := range selected {
			for _, m := range metrics {
				t.Check(seen[id+"/"+m], "%s: no %s series for camera %s", where, m, id)
			}
		}
		t.Check(len(frames) == len(selected)*len(metrics), "%s: %d frames, want %d", where, len(frames), len(selected)*len(metrics))
		return fmt.Sprintf("%d series", len(frames))

	case "status":
		t.Check(len(frames) == 1, "%s: %d frames, want 1 table", where, len(frames))
		rows := rowByCamera(t, frames[0], "camera_id")
		for id := range rows {
			t.Check(isSelected[id], "%s: row for camera %q, which is not selected %v", where, id, selected)
		}
		if st, _ := stringList(q["statuses"]); len(st) == 0 {
			t.Check(len(rows) == len(selected), "%s: %d rows %v, want one per selected camera %v", where, len(rows), keys(rows), selected)
		}
		return fmt.Sprintf("%d rows", len(rows))

	case "events":
		t.Check(len(frames) == 1, "%s: %d frames, want 1 table", where, len(frames))
		fr := frames[0]
		t.Check(fr.Name == "events", "%s: frame %q, want events", where, fr.Name)
		requireField(t, fr, "time", data.FieldTypeTime)
		cf := requireField(t, fr, "camera_id", data.FieldTypeString, data.FieldTypeNullableString)
		kf := requireField(t, fr, "kind", data.FieldTypeString, data.FieldTypeNullableString)
		kinds, _ := stringList(q["eventKinds"])
		withStatus, _ := q["statusChanges"].(bool)
		byKind := map[string]int{}
		for i := 0; i < fr.Rows(); i++ {
			id, _ := str(cf, i)
			k, _ := str(kf, i)
			t.Check(isSelected[id], "%s: row %d for camera %q, which is not selected %v", where, i, id, selected)
			if strings.HasPrefix(k, "status_") {
				t.Check(withStatus, "%s: row %d is a status change (%s) but statusChanges is off", where, i, k)
			} else {
				t.Check(len(kinds) == 0 || contains(kinds, k), "%s: row %d kind %q, not one of %v", where, i, k, kinds)
			}
			byKind[k]++
		}
		var parts []string
		for _, k := range keys(byKind) {
			parts = append(parts, fmt.Sprintf("%s×%d", k, byKind[k]))
		}
		return fmt.Sprintf("%d rows [%s]", fr.Rows(), strings.Join(parts, " "))

	case "live":
		live, _ := q["live"].(map[string]any)
		kind, _ := live["kind"].(string)
		prefix := "ds/" + fx.uid + "/"
		want := map[string]bool{}
		switch kind {
		case "frames":
			fps := strconv.FormatFloat(live["fps"].(float64), 'f', -1, 64)
			width := strconv.FormatFloat(live["width"].(float64), 'f', -1, 64)
			for _, id := range selected {
				want[fmt.Sprintf("camera/%s/frames/%s/%s", id, fps, width)] = true
			}
		case "metrics":
			// The whole fleet streams on one channel; a camera subset on a channel per camera.
			if len(selected) == len(fx.cameras) {
				want["fleet/metrics"] = true
			} else {
				for _, id := range selected {
					want["camera/"+id+"/metrics"] = true
				}
			}
		case "video":
			// One tile row per selected camera naming its video channel (and its picture fallback's);
			// the panel subscribes to both itself, so the frame carries no meta.channel.
			t.Check(len(frames) == 1, "%s: %d frames, want 1 tile table", where, len(frames))
			if len(frames) != 1 {
				return "no tiles"
			}
			fr := frames[0]
			ids := requireField(t, fr, "camera_id", data.FieldTypeString, data.FieldTypeNullableString)
			vc := requireField(t, fr, "video_channel", data.FieldTypeString, data.FieldTypeNullableString)
			fc := requireField(t, fr, "frames_channel", data.FieldTypeString, data.FieldTypeNullableString)
			stream, _ := live["stream"].(string)
			fps := strconv.FormatFloat(live["fps"].(float64), 'f', -1, 64)
			width := strconv.FormatFloat(live["width"].(float64), 'f', -1, 64)
			var paths []string
			for i := 0; i < fr.Rows(); i++ {
				id, _ := str(ids, i)
				v, _ := str(vc, i)
				f, _ := str(fc, i)
				t.Check(isSelected[id], "%s: tile for camera %q, which is not selected %v", where, id, selected)
				t.Check(strings.HasPrefix(v, prefix) && strings.HasPrefix(f, prefix), "%s: channels %q, %q are not under %s", where, v, f, prefix)
				vp, fp := strings.TrimPrefix(v, prefix), strings.TrimPrefix(f, prefix)
				if stream != "" {
					t.Check(vp == fmt.Sprintf("camera/%s/video/%s", id, stream), "%s: video channel %q, want stream %s of %s", where, vp, stream, id)
				} else {
					t.Check(vp == "camera/"+id+"/video/main" || vp == "camera/"+id+"/video/sub", "%s: video channel %q", where, vp)
				}
				t.Check(fp == fmt.Sprintf("camera/%s/frames/%s/%s", id, fps, width), "%s: picture channel %q, want %s fps at %s", where, fp, fps, width)
				paths = append(paths, vp, fp)
			}
			t.Check(fr.Rows() == len(selected), "%s: %d tiles, want one per selected camera %v", where, fr.Rows(), selected)
			for _, path := range paths {
				resp, err := l.stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: fx.pluginContext(), Path: path})
				t.NoErr(err, "SubscribeStream "+path)
				t.Check(resp.Status == pluginv2.SubscribeStreamResponse_OK, "%s: SubscribeStream %s: status %v, want OK", where, path, resp.Status)
			}
			return fmt.Sprintf("%d tiles, %d channels subscribed", fr.Rows(), len(paths))
		default:
			t.Fatalf("%s: live kind %q is unknown to the harness", where, kind)
		}
		var paths []string
		for _, fr := range frames {
			t.Check(fr.Meta != nil && fr.Meta.Channel != "", "%s: frame %q has no meta.channel: the panel would never subscribe", where, fr.Name)
			t.Check(strings.HasPrefix(fr.Meta.Channel, prefix), "%s: channel %q is not under %s", where, fr.Meta.Channel, prefix)
			paths = append(paths, strings.TrimPrefix(fr.Meta.Channel, prefix))
		}
		sort.Strings(paths)
		t.Check(strings.Join(paths, " ") == strings.Join(keys(want), " "), "%s: channels %v, want %v", where, paths, keys(want))
		for _, path := range paths {
			resp, err := l.stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: fx.pluginContext(), Path: path})
			t.NoErr(err, "SubscribeStream "+path)
			t.Check(resp.Status == pluginv2.SubscribeStreamResponse_OK, "%s: SubscribeStream %s: status %v, want OK", where, path, resp.Status)
			if len(resp.Data) > 0 {
				fr := &data.Frame{}
				t.NoErr(json.Unmarshal(resp.Data, fr), fmt.Sprintf("SubscribeStream %s: initial data is not frame JSON (%.200s)", path, resp.Data))
			}
		}
		return fmt.Sprintf("%d channels subscribed", len(paths))
	}
	if queryType == "recordings" {
		return checkRecordingsFrames(t, q, frames, isSelected, selected, where)
	}
	if queryType == "sensors" {
		// One table of the sensors behind hubs among the selected devices (the harness's fleet
		// has cameras only, so it may be empty, never another device's row).
		t.Check(len(frames) == 1, "%s: %d frames, want 1 table of sensors", where, len(frames))
		if len(frames) != 1 {
			return "no table"
		}
		fr := frames[0]
		t.Check(fr.Name == "sensors", "%s: frame %q, want sensors", where, fr.Name)
		idf := requireField(t, fr, "sensor_id", data.FieldTypeString, data.FieldTypeNullableString)
		for i := 0; i < fr.Rows(); i++ {
			id, _ := str(idf, i)
			t.Check(isSelected[id], "%s: row %d for sensor %q, which is not selected %v", where, i, id, selected)
		}
		return fmt.Sprintf("%d sensors", fr.Rows())
	}
	t.Fatalf("%s: query type %q is unknown to the harness", where, queryType)
	return ""
}

// checkRecordingsFrames: the camera's own recordings. `clips` is one table of clips (rows only for
// selected cameras); `timeline` is a frame per selected camera, labelled with its id. A camera whose
// card cannot be read (the harness's cameras have no simulated card) is a frame notice, never the
// query's error.
func checkRecordingsFrames(t *T, q map[string]any, frames data.Frames, isSelected map[string]bool, selected []string, where string) string {
	rec, _ := q["recordings"].(map[string]any)
	format, _ := rec["format"].(string)
	notices := 0
	for _, fr := range frames {
		if fr.Meta != nil {
			notices += len(fr.Meta.Notices)
		}
	}
	if format == "timeline" {
		for _, fr := range frames {
			t.Check(fr.Fields[0].Type() == data.FieldTypeTime || fr.Fields[0].Type() == data.FieldTypeNullableTime, "%s: timeline frame %q does not start with its time field", where, fr.Name)
			for _, f := range fr.Fields[1:] {
				id := f.Labels["camera_id"]
				t.Check(isSelected[id], "%s: timeline for camera %q, which is not selected %v", where, id, selected)
			}
		}
		return fmt.Sprintf("%d timeline frames, %d notices", len(frames), notices)
	}
	t.Check(len(frames) == 1, "%s: %d frames, want 1 table of clips", where, len(frames))
	if len(frames) != 1 {
		return "no table"
	}
	fr := frames[0]
	requireField(t, fr, "time", data.FieldTypeTime, data.FieldTypeNullableTime)
	cf := requireField(t, fr, "camera_id", data.FieldTypeString, data.FieldTypeNullableString)
	for i := 0; i < fr.Rows(); i++ {
		id, _ := str(cf, i)
		t.Check(isSelected[id], "%s: clip row %d for camera %q, which is not selected %v", where, i, id, selected)
	}
	return fmt.Sprintf("%d clips, %d notices", fr.Rows(), notices)
}

func compactJSON(b []byte) string {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return string(b)
	}
	return out.String()
}
