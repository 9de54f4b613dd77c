package main

// Self-tests of the harness's own readers against frames the Go SDK writes, so a FAIL against the
// sidecar means the sidecar, not the harness. Run: cd test/conformance && go test ./...

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

func sdkSeries(metric string, labels data.Labels, values ...*float64) *data.Frame {
	now := time.Now().Truncate(time.Second)
	var times []time.Time
	for i := range values {
		times = append(times, now.Add(time.Duration(i-len(values))*time.Second))
	}
	fr := data.NewFrame(metric,
		data.NewField("time", nil, times),
		data.NewField(metric, labels, values),
	)
	fr.RefID = "A"
	fr.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti}
	return fr
}

func f64(v float64) *float64 { return &v }

// runCase runs fn as a harness case and returns whether it passed and its reason.
func runCase(fn func(t *T)) (bool, string) {
	s := &suite{}
	var reason string
	s.run("selftest", func(t *T) {
		defer func() {
			reason = t.reason
		}()
		fn(t)
	})
	return s.failed == 0, reason
}

func TestAsSeriesAcceptsSDKFrame(t *testing.T) {
	labels := data.Labels{"camera_id": "c1", "camera_name": "One", "model": "C210"}
	fr := sdkSeries("online", labels, f64(1), nil, f64(0))
	b, err := fr.MarshalArrow()
	if err != nil {
		t.Fatal(err)
	}
	if arrowMagic(b) != "file format" {
		t.Fatalf("SDK arrow magic: %s", arrowMagic(b))
	}
	back, err := data.UnmarshalArrowFrame(b)
	if err != nil {
		t.Fatal(err)
	}
	var got series
	ok, reason := runCase(func(tt *T) { got = asSeries(tt, back, "online") })
	if !ok {
		t.Fatalf("asSeries rejects an SDK frame: %s", reason)
	}
	if v := got.last(); v == nil || *v != 0 {
		t.Fatalf("last = %s, want 0", fmtPtr(v))
	}
	if got.labels["camera_name"] != "One" {
		t.Fatalf("labels %v", got.labels)
	}
}

func TestAsSeriesRejectsWrongShapes(t *testing.T) {
	labels := data.Labels{"camera_id": "c1", "camera_name": "One", "model": "C210"}
	noLabels := sdkSeries("online", nil, f64(1))
	if ok, _ := runCase(func(tt *T) { asSeries(tt, noLabels, "online") }); ok {
		t.Fatal("accepted a series without labels")
	}
	notNullable := data.NewFrame("online", data.NewField("time", nil, []time.Time{time.Now()}), data.NewField("online", labels, []float64{1}))
	notNullable.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti}
	if ok, _ := runCase(func(tt *T) { asSeries(tt, notNullable, "online") }); ok {
		t.Fatal("accepted a non-nullable value field")
	}
	noMeta := sdkSeries("online", labels, f64(1))
	noMeta.Meta = nil
	if ok, _ := runCase(func(tt *T) { asSeries(tt, noMeta, "online") }); ok {
		t.Fatal("accepted a frame without meta.type")
	}
}

func TestDecodePacketsSchemaThenData(t *testing.T) {
	fr := data.NewFrame("polls",
		data.NewField("time", nil, []time.Time{time.Now()}),
		data.NewField("camera_id", nil, []string{"c1"}),
		data.NewField("latency_ms", nil, []*float64{f64(12)}),
	)
	first, err := data.FrameToJSON(fr, data.IncludeAll)
	if err != nil {
		t.Fatal(err)
	}
	next, err := data.FrameToJSON(fr, data.IncludeDataOnly)
	if err != nil {
		t.Fatal(err)
	}
	var got *data.Frame
	ok, reason := runCase(func(tt *T) { got = decodePackets(tt, [][]byte{first, next}) })
	if !ok {
		t.Fatalf("decodePackets rejects SDK packets: %s", reason)
	}
	if got.Rows() != 2 {
		t.Fatalf("%d rows, want 2", got.Rows())
	}
	// A packet that repeats the schema is a contract breach.
	if ok, _ := runCase(func(tt *T) { decodePackets(tt, [][]byte{first, first}) }); ok {
		t.Fatal("accepted a repeated schema")
	}
}

func TestLeakFindsDigests(t *testing.T) {
	fx := newFixture([]*camera{{ID: "c", Password: "Sup3rSecret!"}})
	if fx.leak(`{"hash":"`+"2D7E2C1F"+`"}`) != "" {
		t.Fatal("false positive")
	}
	if fx.leak("login with sup3rsecret! failed") == "" {
		t.Fatal("missed the password (case-insensitive)")
	}
	// sha256("Sup3rSecret!") upper-case, as Tapo's secure login sends it.
	fx2 := newFixture([]*camera{{ID: "c", Password: "abcdefgh"}})
	if fx2.leak("9C56CC51B374C3BA189210D5B6D4BF57790D351C96C47C02190ECF1E430635AB") == "" {
		t.Fatal("missed an upper-case SHA-256")
	}
}
