package main

// Readers for the shipped provisioning (test/provisioning/alert-queries.json, generated from
// provisioning/alerting/ and checked against it by test/provisioning/alerting.test.mjs, and the
// dashboards in provisioning/dashboards/tapo/), and the parts of Grafana the provisioning cases
// emulate: the reduce and threshold expressions, relative time ranges, template variables.
// Facts (defaults, semantics) are from Grafana 10.4's documentation and behaviour; no code of it.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ---- alert rules ----

const alertQueriesFile = "test/provisioning/alert-queries.json"

type alertQueriesDoc struct {
	Rules []provisionedRule `json:"rules"`
}

type provisionedRule struct {
	UID               string `json:"uid"`
	Title             string `json:"title"`
	File              string `json:"file"`
	For               string `json:"for"`
	DatasourceUID     string `json:"datasourceUid"`
	RelativeTimeRange *struct {
		From int64 `json:"from"`
		To   int64 `json:"to"`
	} `json:"relativeTimeRange"`
	Reduce    *ruleReduce     `json:"reduce"`
	Threshold *ruleThreshold  `json:"threshold"`
	Model     json.RawMessage `json:"model"`
}

type ruleReduce struct {
	Reducer          string   `json:"reducer"`
	Mode             string   `json:"mode"`
	ReplaceWithValue *float64 `json:"replaceWithValue"`
}

type ruleThreshold struct {
	Type   string    `json:"type"`
	Params []float64 `json:"params"`
}

// ruleModel is the part of a rule's refId A model the harness reads; the model itself is sent
// untouched, as Grafana's alert evaluator sends it.
type ruleModel struct {
	RefID         string   `json:"refId"`
	QueryType     string   `json:"queryType"`
	Cameras       []string `json:"cameras"`
	Metrics       []string `json:"metrics"`
	MaxDataPoints float64  `json:"maxDataPoints"`
	IntervalMs    float64  `json:"intervalMs"`
	Datasource    *dsRef   `json:"datasource"`
}

func loadAlertQueries(repo string) ([]provisionedRule, error) {
	b, err := os.ReadFile(filepath.Join(repo, alertQueriesFile))
	if err != nil {
		return nil, err
	}
	var doc alertQueriesDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", alertQueriesFile, err)
	}
	if len(doc.Rules) == 0 {
		return nil, fmt.Errorf("%s holds no rules", alertQueriesFile)
	}
	return doc.Rules, nil
}

// Grafana's alert evaluator fills these in when a query model leaves them out (or at 0).
const (
	alertDefaultMaxDataPoints = 43200
	alertDefaultIntervalMs    = 1000
)

// alertTimeRange is a rule query's relative time range resolved at evaluation time `now`.
func alertTimeRange(r provisionedRule, now time.Time) (from, to time.Time, err error) {
	if r.RelativeTimeRange == nil {
		return time.Time{}, time.Time{}, fmt.Errorf("rule %s has no relativeTimeRange", r.UID)
	}
	from = now.Add(-time.Duration(r.RelativeTimeRange.From) * time.Second)
	to = now.Add(-time.Duration(r.RelativeTimeRange.To) * time.Second)
	if !from.Before(to) {
		return from, to, fmt.Errorf("rule %s: relativeTimeRange from %d s to %d s is empty", r.UID, r.RelativeTimeRange.From, r.RelativeTimeRange.To)
	}
	return from, to, nil
}

// reduceValues is Grafana's reduce expression on one series.
//   - mode "" (strict): a null/NaN point, or an empty series, gives null (NaN in Grafana), except
//     for count, and for last, which only looks at the last point;
//   - "dropNN": null/NaN/±Inf points are dropped first; nothing left gives null;
//   - "replaceNN": they are replaced by replaceWithValue first.
//
// A null result never satisfies a threshold.
func reduceValues(values []*float64, red ruleReduce) (*float64, error) {
	var xs []float64
	for _, v := range values {
		nonNumber := v == nil || math.IsNaN(*v) || math.IsInf(*v, 0)
		switch red.Mode {
		case "":
			// Strict: last looks at the last point only; the others fail on any non-number.
			if nonNumber && red.Reducer != "count" && red.Reducer != "last" {
				return nil, nil
			}
			if v != nil {
				xs = append(xs, *v)
			} else {
				xs = append(xs, math.NaN())
			}
		case "dropNN":
			if !nonNumber {
				xs = append(xs, *v)
			}
		case "replaceNN":
			if red.ReplaceWithValue == nil {
				return nil, fmt.Errorf("reduce mode replaceNN without replaceWithValue")
			}
			if nonNumber {
				xs = append(xs, *red.ReplaceWithValue)
			} else {
				xs = append(xs, *v)
			}
		default:
			return nil, fmt.Errorf("unknown reduce mode %q", red.Mode)
		}
	}
	if red.Reducer == "count" {
		n := float64(len(xs))
		return &n, nil
	}
	if len(xs) == 0 {
		return nil, nil
	}
	var out float64
	switch red.Reducer {
	case "last":
		out = xs[len(xs)-1]
	case "max":
		out = xs[0]
		for _, x := range xs[1:] {
			out = math.Max(out, x)
		}
	case "min":
		out = xs[0]
		for _, x := range xs[1:] {
			out = math.Min(out, x)
		}
	case "sum", "mean":
		for _, x := range xs {
			out += x
		}
		if red.Reducer == "mean" {
			out /= float64(len(xs))
		}
	default:
		return nil, fmt.Errorf("unknown reducer %q", red.Reducer)
	}
	if math.IsNaN(out) {
		return nil, nil
	}
	return &out, nil
}

// thresholdFires is Grafana's threshold expression: gt/lt against params[0], within_range /
// outside_range against params[0..1] (exclusive bounds). Null never fires.
func thresholdFires(th ruleThreshold, v *float64) (bool, error) {
	need := 1
	if strings.Contains(th.Type, "range") {
		need = 2
	}
	if len(th.Params) < need {
		return false, fmt.Errorf("threshold %s needs %d params, has %v", th.Type, need, th.Params)
	}
	if v == nil {
		return false, nil
	}
	x, p := *v, th.Params
	switch th.Type {
	case "gt":
		return x > p[0], nil
	case "lt":
		return x < p[0], nil
	case "within_range":
		return x > p[0] && x < p[1], nil
	case "outside_range":
		return x < p[0] || x > p[1], nil
	}
	return false, fmt.Errorf("unknown threshold type %q", th.Type)
}

func (r provisionedRule) describe() string {
	red, th := "?", "?"
	if r.Reduce != nil {
		red = r.Reduce.Reducer
		if r.Reduce.Mode != "" {
			red += "(" + r.Reduce.Mode + ")"
		}
	}
	if r.Threshold != nil {
		var ps []string
		for _, p := range r.Threshold.Params {
			ps = append(ps, strconv.FormatFloat(p, 'g', -1, 64))
		}
		th = r.Threshold.Type + " " + strings.Join(ps, "..")
	}
	return red + " " + th
}

// ---- dashboards ----

// dashboardsDir is where the app's includes put its dashboards, relative to the app's folder.
const dashboardsDir = "dashboards"

// dsRef is a datasource reference: an object {type, uid} or, in old dashboards, a bare string.
type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

func (d *dsRef) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		d.UID = s
		return nil
	}
	type plain dsRef
	return json.Unmarshal(b, (*plain)(d))
}

type dashboardDoc struct {
	file  string
	UID   string `json:"uid"`
	Title string `json:"title"`
	Time  struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"time"`
	Panels     []dashPanel `json:"panels"`
	Templating struct {
		List []dashVar `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []dashAnnotation `json:"list"`
	} `json:"annotations"`
}

type dashPanel struct {
	ID            int              `json:"id"`
	Type          string           `json:"type"`
	Title         string           `json:"title"`
	Datasource    *dsRef           `json:"datasource"`
	Targets       []map[string]any `json:"targets"`
	MaxDataPoints *float64         `json:"maxDataPoints"`
	Interval      string           `json:"interval"`
	TimeFrom      string           `json:"timeFrom"`
	TimeShift     string           `json:"timeShift"`
	GridPos       struct {
		W int `json:"w"`
	} `json:"gridPos"`
	Panels []dashPanel `json:"panels"` // a collapsed row's panels
}

type dashVar struct {
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	Datasource *dsRef          `json:"datasource"`
	Query      json.RawMessage `json:"query"`
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
	AllValue   *string         `json:"allValue"`
	Sort       int             `json:"sort"`
	Current    struct {
		Value any `json:"value"`
	} `json:"current"`
}

type dashAnnotation struct {
	Name       string         `json:"name"`
	BuiltIn    int            `json:"builtIn"`
	Enable     bool           `json:"enable"`
	Datasource *dsRef         `json:"datasource"`
	Target     map[string]any `json:"target"`
}

// loadDashboards reads the dashboards from the built app's folder (what Grafana imports).
func loadDashboards(repo, appDir string) ([]*dashboardDoc, error) {
	files, err := filepath.Glob(filepath.Join(appDir, dashboardsDir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no dashboards in %s", filepath.Join(appDir, dashboardsDir))
	}
	sort.Strings(files)
	var out []*dashboardDoc
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		d := &dashboardDoc{file: relPath(repo, f)}
		if err := json.Unmarshal(b, d); err != nil {
			return nil, fmt.Errorf("%s: %w", d.file, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// resolveDatasourceVariables does what Grafana's frontend does with a datasource variable
// ({"type": "datasource", "query": "<plugin id>"}): it selects a datasource of that type, here the
// provisioned Tapo one (the only one), and every reference "$name" / "${name}" becomes its uid.
func resolveDatasourceVariables(d *dashboardDoc, tapoUID string) {
	names := map[string]bool{}
	for _, v := range d.Templating.List {
		var q string
		if v.Type == "datasource" && json.Unmarshal(v.Query, &q) == nil && q == pluginID {
			names["$"+v.Name] = true
			names["${"+v.Name+"}"] = true
		}
	}
	fix := func(ds *dsRef) {
		if ds != nil && names[ds.UID] {
			ds.UID = tapoUID
		}
	}
	var panels func(ps []dashPanel)
	panels = func(ps []dashPanel) {
		for i := range ps {
			fix(ps[i].Datasource)
			for _, t := range ps[i].Targets {
				if m, ok := t["datasource"].(map[string]any); ok {
					if uid, _ := m["uid"].(string); names[uid] {
						m["uid"] = tapoUID
					}
				}
			}
			panels(ps[i].Panels)
		}
	}
	panels(d.Panels)
	for i := range d.Templating.List {
		fix(d.Templating.List[i].Datasource)
	}
	for i := range d.Annotations.List {
		fix(d.Annotations.List[i].Datasource)
	}
}

// allPanels flattens rows: a collapsed row carries its panels inside it.
func allPanels(ps []dashPanel) []dashPanel {
	var out []dashPanel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// targetDatasource: a target's own datasource, else its panel's (Grafana's rule for non-mixed panels).
func targetDatasource(target map[string]any, panel *dsRef) *dsRef {
	if raw, ok := target["datasource"]; ok && raw != nil {
		b, _ := json.Marshal(raw)
		var d dsRef
		if json.Unmarshal(b, &d) == nil && (d.UID != "" || d.Type != "") {
			return &d
		}
	}
	return panel
}

// grafanaTime resolves the relative times a dashboard uses: "now", "now-<n><unit>"; a panel's
// timeFrom ("10m") means now-10m.
func grafanaTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "now" {
		return now, nil
	}
	rest, ok := strings.CutPrefix(s, "now-")
	if !ok {
		return time.Time{}, fmt.Errorf("unsupported time %q (the harness reads now and now-<n><unit>)", s)
	}
	d, err := grafanaDuration(rest)
	if err != nil {
		return time.Time{}, err
	}
	return now.Add(-d), nil
}

func grafanaDuration(s string) (time.Duration, error) {
	m := regexp.MustCompile(`^(\d+)(ms|s|m|h|d|w)$`).FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("unsupported duration %q", s)
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}

// panelRequest is the time range, maxDataPoints and intervalMs Grafana's frontend sends for a
// panel on a 1920 px wide dashboard: the panel's maxDataPoints, else its width in pixels;
// intervalMs = range / maxDataPoints, at least the panel's min interval and 1 ms.
func panelRequest(d *dashboardDoc, p dashPanel, now time.Time) (from, to time.Time, maxDataPoints, intervalMs int64, err error) {
	if from, err = grafanaTime(d.Time.From, now); err != nil {
		return
	}
	if to, err = grafanaTime(d.Time.To, now); err != nil {
		return
	}
	if p.TimeFrom != "" {
		tf := p.TimeFrom
		if !strings.HasPrefix(tf, "now") {
			tf = "now-" + tf
		}
		if from, err = grafanaTime(tf, now); err != nil {
			return
		}
		to = now
	}
	if p.TimeShift != "" {
		var shift time.Duration
		if shift, err = grafanaDuration(p.TimeShift); err != nil {
			return
		}
		from, to = from.Add(-shift), to.Add(-shift)
	}
	maxDataPoints = int64(max(1, p.GridPos.W) * 1920 / 24)
	if p.MaxDataPoints != nil && *p.MaxDataPoints > 0 {
		maxDataPoints = int64(*p.MaxDataPoints)
	}
	intervalMs = max(1, to.Sub(from).Milliseconds()/maxDataPoints)
	if p.Interval != "" {
		var minIv time.Duration
		if minIv, err = grafanaDuration(strings.TrimPrefix(p.Interval, ">")); err != nil {
			return
		}
		intervalMs = max(intervalMs, minIv.Milliseconds())
	}
	return
}

// ---- template variables ----

// varValue is one variable's selection: All, or some option values (camera ids).
type varValue struct {
	all bool
	ids []string
}

func (v varValue) String() string {
	if v.all {
		return "All"
	}
	return strings.Join(v.ids, "+")
}

// scene is one selection of every variable of a dashboard.
type scene map[string]varValue

func (s scene) String() string {
	var parts []string
	for _, k := range keys(s) {
		parts = append(parts, "$"+k+"="+s[k].String())
	}
	if len(parts) == 0 {
		return "no variables"
	}
	return strings.Join(parts, ", ")
}

// A whole entry that is one variable reference: $name, ${name}, ${name:format}, [[name]].
var varRef = regexp.MustCompile(`^(?:\$(\w+)|\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\])$`)

// substituteCameras does what the frontend's applyTemplateVariables does to `cameras`
// (src/datasource/templating.ts): literal ids pass, a variable becomes the ids it holds, and a
// variable set to All empties the list (the backend reads an empty list as every camera).
func substituteCameras(entries []string, sc scene) ([]string, error) {
	var ids []string
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if e == "$__all" || e == "*" {
			return []string{}, nil
		}
		m := varRef.FindStringSubmatch(e)
		if m == nil {
			if strings.ContainsAny(e, "$[") {
				return nil, fmt.Errorf("camera entry %q mixes a variable with text: the harness substitutes whole-entry variables only", e)
			}
			ids = appendUnique(ids, e)
			continue
		}
		name := m[1] + m[2] + m[3]
		v, ok := sc[name]
		if !ok {
			return nil, fmt.Errorf("camera entry %q names variable $%s, which the dashboard does not define (Grafana would send it literally)", e, name)
		}
		if v.all {
			return []string{}, nil
		}
		for _, id := range v.ids {
			ids = appendUnique(ids, id)
		}
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, nil
}

func appendUnique(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

// scenes lists the selections a dashboard is checked with: for each variable, All (when
// offered), each option alone (the first is Grafana's default), and the first two together (when
// multi-value); several variables combine (cartesian product).
func scenes(vars []dashVar, options map[string][]string) []scene {
	out := []scene{{}}
	for _, v := range vars {
		var choices []varValue
		if v.IncludeAll {
			choices = append(choices, varValue{all: true})
		}
		for _, o := range options[v.Name] {
			choices = append(choices, varValue{ids: []string{o}})
		}
		if v.Multi && len(options[v.Name]) >= 2 {
			choices = append(choices, varValue{ids: options[v.Name][:2]})
		}
		var next []scene
		for _, s := range out {
			for _, c := range choices {
				n := scene{}
				for k, x := range s {
					n[k] = x
				}
				n[v.Name] = c
				next = append(next, n)
			}
		}
		out = next
	}
	return out
}

// stringsWithVariables lists the string values in a target, other than `cameras`, that hold a
// template variable: the harness (like the frontend) substitutes only cameras.
func stringsWithVariables(target map[string]any) []string {
	var out []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case string:
			if strings.Contains(x, "$") || strings.Contains(x, "[[") {
				out = append(out, path+"="+x)
			}
		case map[string]any:
			for k, y := range x {
				walk(path+"."+k, y)
			}
		case []any:
			for i, y := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), y)
			}
		}
	}
	for k, v := range target {
		if k == "cameras" || k == "datasource" {
			continue
		}
		walk(k, v)
	}
	sort.Strings(out)
	return out
}

func stringList(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("not a list: %v", v)
	}
	var out []string
	for _, x := range arr {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("not a string: %v", x)
		}
		out = append(out, s)
	}
	return out, nil
}

// sortOptions is a query variable's `sort`: 0 as listed, 1/2 alphabetical by text asc/desc,
// 5/6 the same case-insensitive (3/4, numerical, are not used for camera names).
func sortOptions(opts []varOption, mode int) error {
	less := func(a, b string) bool { return a < b }
	switch mode {
	case 0:
		return nil
	case 1, 2:
	case 5, 6:
		less = func(a, b string) bool { return strings.ToLower(a) < strings.ToLower(b) }
	default:
		return fmt.Errorf("variable sort %d is not emulated", mode)
	}
	desc := mode == 2 || mode == 6
	sort.SliceStable(opts, func(i, j int) bool {
		if desc {
			return less(opts[j].Text, opts[i].Text)
		}
		return less(opts[i].Text, opts[j].Text)
	})
	return nil
}

type varOption struct {
	Text, Value string
}
