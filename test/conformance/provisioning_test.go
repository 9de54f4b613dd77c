package main

// Self-tests of the provisioning emulation: the reduce/threshold expressions, template variable
// substitution and the panel request, so a FAIL of a provisioning case means the backend or the
// provisioning, not the harness.

import (
	"strings"
	"testing"
	"time"
)

func TestReduceModes(t *testing.T) {
	vals := []*float64{f64(3), nil, f64(7), nil}
	cases := []struct {
		red  ruleReduce
		want *float64
	}{
		{ruleReduce{Reducer: "last", Mode: "dropNN"}, f64(7)},
		{ruleReduce{Reducer: "max", Mode: "dropNN"}, f64(7)},
		{ruleReduce{Reducer: "min", Mode: "dropNN"}, f64(3)},
		{ruleReduce{Reducer: "mean", Mode: "dropNN"}, f64(5)},
		{ruleReduce{Reducer: "sum", Mode: "dropNN"}, f64(10)},
		{ruleReduce{Reducer: "count", Mode: "dropNN"}, f64(2)},
		{ruleReduce{Reducer: "last", Mode: ""}, nil},     // strict: a null point gives NaN
		{ruleReduce{Reducer: "max", Mode: ""}, nil},      // strict
		{ruleReduce{Reducer: "count", Mode: ""}, f64(4)}, // count counts every point
		{ruleReduce{Reducer: "last", Mode: "replaceNN", ReplaceWithValue: f64(-1)}, f64(-1)},
		{ruleReduce{Reducer: "max", Mode: "replaceNN", ReplaceWithValue: f64(100)}, f64(100)},
	}
	for _, c := range cases {
		got, err := reduceValues(vals, c.red)
		if err != nil {
			t.Fatalf("%+v: %v", c.red, err)
		}
		if fmtPtr(got) != fmtPtr(c.want) {
			t.Errorf("%+v: got %s, want %s", c.red, fmtPtr(got), fmtPtr(c.want))
		}
	}
	if got, _ := reduceValues([]*float64{nil, f64(2)}, ruleReduce{Reducer: "last"}); fmtPtr(got) != "2" {
		t.Errorf("strict last over an earlier null = %s, want 2", fmtPtr(got))
	}
	if got, _ := reduceValues([]*float64{nil, nil}, ruleReduce{Reducer: "last", Mode: "dropNN"}); got != nil {
		t.Errorf("dropNN of only nulls = %s, want null", fmtPtr(got))
	}
	if got, _ := reduceValues(nil, ruleReduce{Reducer: "max", Mode: "dropNN"}); got != nil {
		t.Errorf("max of an empty series = %s, want null", fmtPtr(got))
	}
	if _, err := reduceValues(vals, ruleReduce{Reducer: "median", Mode: "dropNN"}); err == nil {
		t.Error("accepted an unknown reducer")
	}
	if _, err := reduceValues(vals, ruleReduce{Reducer: "last", Mode: "replaceNN"}); err == nil {
		t.Error("accepted replaceNN without a value")
	}
}

func TestThreshold(t *testing.T) {
	cases := []struct {
		th   ruleThreshold
		v    *float64
		want bool
	}{
		{ruleThreshold{"gt", []float64{10}}, f64(11), true},
		{ruleThreshold{"gt", []float64{10}}, f64(10), false},
		{ruleThreshold{"lt", []float64{1}}, f64(0), true},
		{ruleThreshold{"lt", []float64{1}}, f64(1), false},
		{ruleThreshold{"lt", []float64{1}}, nil, false},
		{ruleThreshold{"within_range", []float64{0, 5}}, f64(3), true},
		{ruleThreshold{"within_range", []float64{0, 5}}, f64(5), false},
		{ruleThreshold{"outside_range", []float64{0, 5}}, f64(6), true},
	}
	for _, c := range cases {
		got, err := thresholdFires(c.th, c.v)
		if err != nil || got != c.want {
			t.Errorf("%+v on %s: %v (%v), want %v", c.th, fmtPtr(c.v), got, err, c.want)
		}
	}
	if _, err := thresholdFires(ruleThreshold{"within_range", []float64{1}}, f64(1)); err == nil {
		t.Error("accepted a range with one bound")
	}
	if _, err := thresholdFires(ruleThreshold{"eq", []float64{1}}, f64(1)); err == nil {
		t.Error("accepted an unknown threshold type")
	}
}

func TestSubstituteCameras(t *testing.T) {
	sc := scene{"camera": {ids: []string{"a", "b"}}, "one": {ids: []string{"c"}}, "wall": {all: true}}
	cases := []struct {
		in   []string
		want string
	}{
		{[]string{"$camera"}, "a,b"},
		{[]string{"${camera}"}, "a,b"},
		{[]string{"${camera:csv}", "$one", "a"}, "a,b,c"},
		{[]string{"[[one]]"}, "c"},
		{[]string{"literal"}, "literal"},
		{[]string{"$one", "$wall"}, ""}, // All: every camera, sent as an empty list
		{[]string{"$__all"}, ""},
		{nil, ""},
	}
	for _, c := range cases {
		got, err := substituteCameras(c.in, sc)
		if err != nil {
			t.Fatalf("%v: %v", c.in, err)
		}
		if got == nil || strings.Join(got, ",") != c.want {
			t.Errorf("%v: got %#v, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range [][]string{{"$nosuch"}, {"cam-$one"}} {
		if _, err := substituteCameras(bad, sc); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestScenes(t *testing.T) {
	vars := []dashVar{{Name: "camera", Multi: true, IncludeAll: true}}
	got := scenes(vars, map[string][]string{"camera": {"x", "y", "z"}})
	var names []string
	for _, s := range got {
		names = append(names, s.String())
	}
	want := "$camera=All|$camera=x|$camera=y|$camera=z|$camera=x+y"
	if strings.Join(names, "|") != want {
		t.Fatalf("scenes %q, want %q", strings.Join(names, "|"), want)
	}
	if got := scenes([]dashVar{{Name: "camera"}}, map[string][]string{}); len(got) != 0 {
		t.Fatalf("a variable without options gave %d scenes, want 0 (the case must notice)", len(got))
	}
}

func TestPanelRequest(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	d := &dashboardDoc{}
	d.Time.From, d.Time.To = "now-1h", "now"
	p := dashPanel{}
	p.GridPos.W = 12
	from, to, mdp, iv, err := panelRequest(d, p, now)
	if err != nil || !to.Equal(now) || to.Sub(from) != time.Hour || mdp != 960 || iv != 3750 {
		t.Fatalf("half-width panel over 1h: %v..%v mdp %d iv %d (%v)", from, to, mdp, iv, err)
	}
	n := 11.0
	p.MaxDataPoints = &n
	p.TimeFrom = "10m"
	from, _, mdp, _, err = panelRequest(d, p, now)
	if err != nil || now.Sub(from) != 10*time.Minute || mdp != 11 {
		t.Fatalf("timeFrom 10m, maxDataPoints 11: from %v mdp %d (%v)", from, mdp, err)
	}
	d.Time.From = "now/d"
	if _, _, _, _, err := panelRequest(d, dashPanel{}, now); err == nil {
		t.Fatal("accepted a time the harness cannot resolve")
	}
}

func TestFrontendLive(t *testing.T) {
	got := frontendLive(map[string]any{"kind": "frames", "fps": 50.0, "width": 100.0})
	if got["fps"] != 10.0 || got["width"] != 160.0 {
		t.Fatalf("clamped %v", got)
	}
	if got := frontendLive(nil); got["kind"] != "frames" || got["fps"] != 2.0 || got["width"] != 640.0 {
		t.Fatalf("default %v", got)
	}
	if got := frontendLive(map[string]any{"kind": "metrics", "fps": 3.0}); len(got) != 1 {
		t.Fatalf("metrics %v", got)
	}
}
