package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// queryOpts shapes one DataQuery the way Grafana's query service builds it.
type queryOpts struct {
	refID         string
	queryType     string
	body          map[string]any // the TapoQuery fields besides refId/queryType
	rawJSON       []byte         // sent as is instead of body (malformed JSON case)
	from, to      time.Time
	maxDataPoints int64
	intervalMS    int64
}

func (f *fixture) dataQuery(o queryOpts) *pluginv2.DataQuery {
	if o.maxDataPoints == 0 {
		o.maxDataPoints = 1000
	}
	if o.intervalMS == 0 {
		o.intervalMS = 1000
	}
	if o.to.IsZero() {
		o.to = time.Now()
	}
	if o.from.IsZero() {
		o.from = o.to.Add(-5 * time.Minute)
	}
	js := o.rawJSON
	if js == nil {
		// Grafana sends the panel's whole query model, with keys the plugin does not own.
		m := map[string]any{
			"refId":         o.refID,
			"datasource":    map[string]any{"type": pluginID, "uid": f.uid},
			"intervalMs":    o.intervalMS,
			"maxDataPoints": o.maxDataPoints,
		}
		if o.queryType != "" {
			m["queryType"] = o.queryType
		}
		for k, v := range o.body {
			m[k] = v
		}
		js, _ = json.Marshal(m)
	}
	return &pluginv2.DataQuery{
		RefId:         o.refID,
		MaxDataPoints: o.maxDataPoints,
		IntervalMS:    o.intervalMS,
		TimeRange:     &pluginv2.TimeRange{FromEpochMS: o.from.UnixMilli(), ToEpochMS: o.to.UnixMilli()},
		Json:          js,
		QueryType:     o.queryType,
	}
}

// queryResult is one QueryData answer: raw protobuf, and per refId the frames decoded with the
// SDK's Arrow reader (data.UnmarshalArrowFrame), with decode errors kept per refId.
type queryResult struct {
	raw       *pluginv2.QueryDataResponse
	frames    map[string]data.Frames
	decodeErr map[string]error
	text      string // everything the answer says, for the secret check
}

func (l *launched) queryData(ctx context.Context, pc *pluginv2.PluginContext, headers map[string]string, queries ...*pluginv2.DataQuery) (*queryResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := l.data.QueryData(ctx, &pluginv2.QueryDataRequest{PluginContext: pc, Headers: headers, Queries: queries})
	if err != nil {
		return nil, err
	}
	r := &queryResult{raw: resp, frames: map[string]data.Frames{}, decodeErr: map[string]error{}}
	var text strings.Builder
	for ref, dr := range resp.Responses {
		text.WriteString(dr.Error)
		for i, b := range dr.Frames {
			text.Write(b)
			fr, err := data.UnmarshalArrowFrame(b)
			if err != nil {
				r.decodeErr[ref] = fmt.Errorf("frame %d of %d: %w (arrow file magic: %s)", i, len(dr.Frames), err, arrowMagic(b))
				break
			}
			r.frames[ref] = append(r.frames[ref], fr)
		}
	}
	r.text = text.String()
	return r, nil
}

// grafanaView converts the answer exactly as Grafana's plugin client does
// (backend.FromProto().QueryDataResponse), which fails the whole request on one bad frame.
func (r *queryResult) grafanaView() (*backend.QueryDataResponse, error) {
	return backend.FromProto().QueryDataResponse(r.raw)
}

func arrowMagic(b []byte) string {
	head := bytes.HasPrefix(b, []byte("ARROW1"))
	tail := bytes.HasSuffix(b, []byte("ARROW1"))
	switch {
	case head && tail:
		return "file format"
	case head || tail:
		return fmt.Sprintf("head=%v tail=%v", head, tail)
	default:
		return "absent (stream format?)"
	}
}

// response returns the decoded frames of refId, failing the case on a transport or decode error.
func (r *queryResult) response(t *T, ref string) (*pluginv2.DataResponse, data.Frames) {
	dr, ok := r.raw.Responses[ref]
	t.Check(ok, "no DataResponse for refId %q (got %v)", ref, keys(r.raw.Responses))
	if err := r.decodeErr[ref]; err != nil {
		t.Fatalf("refId %s: the SDK's Arrow reader rejects the frame: %v", ref, err)
	}
	return dr, r.frames[ref]
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// field finds a field by name.
func field(fr *data.Frame, name string) *data.Field {
	for _, f := range fr.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

func fieldNames(fr *data.Frame) []string {
	var out []string
	for _, f := range fr.Fields {
		out = append(out, f.Name+":"+f.Type().ItemTypeString())
	}
	return out
}

// requireField checks a field exists with one of the allowed types.
func requireField(t *T, fr *data.Frame, name string, types ...data.FieldType) *data.Field {
	f := field(fr, name)
	t.Check(f != nil, "frame %q has no field %q (fields: %v)", fr.Name, name, fieldNames(fr))
	for _, ty := range types {
		if f.Type() == ty {
			return f
		}
	}
	var want []string
	for _, ty := range types {
		want = append(want, ty.ItemTypeString())
	}
	t.Fatalf("frame %q field %q has type %s, want %s", fr.Name, name, f.Type().ItemTypeString(), strings.Join(want, " or "))
	return nil
}

// str reads a string or *string cell; ok is false for null.
func str(f *data.Field, i int) (string, bool) {
	switch v := f.At(i).(type) {
	case string:
		return v, true
	case *string:
		if v == nil {
			return "", false
		}
		return *v, true
	}
	return "", false
}

func num(f *data.Field, i int) (float64, bool) {
	switch v := f.At(i).(type) {
	case float64:
		return v, true
	case *float64:
		if v == nil {
			return 0, false
		}
		return *v, true
	case int64:
		return float64(v), true
	case *int64:
		if v == nil {
			return 0, false
		}
		return float64(*v), true
	}
	return 0, false
}

func tm(f *data.Field, i int) (time.Time, bool) {
	switch v := f.At(i).(type) {
	case time.Time:
		return v, true
	case *time.Time:
		if v == nil {
			return time.Time{}, false
		}
		return *v, true
	}
	return time.Time{}, false
}

func boolean(f *data.Field, i int) (bool, bool) {
	switch v := f.At(i).(type) {
	case bool:
		return v, true
	case *bool:
		if v == nil {
			return false, false
		}
		return *v, true
	}
	return false, false
}

// rowByCamera maps camera_id → row index of a table frame.
func rowByCamera(t *T, fr *data.Frame, idField string) map[string]int {
	f := requireField(t, fr, idField, data.FieldTypeString, data.FieldTypeNullableString)
	rows := map[string]int{}
	for i := 0; i < f.Len(); i++ {
		id, ok := str(f, i)
		t.Check(ok, "frame %q row %d has a null %s", fr.Name, i, idField)
		_, dup := rows[id]
		t.Check(!dup, "frame %q has two rows for camera %q", fr.Name, id)
		rows[id] = i
	}
	return rows
}

// series is one labelled numeric time series as an alert rule sees it after the SDK decode.
type series struct {
	frame  *data.Frame
	labels data.Labels
	times  []time.Time
	values []*float64
}

// asSeries checks a metrics frame has the shape Grafana's server-side expressions accept as a
// series: a wide frame with one time field and one numeric field carrying the camera labels.
func asSeries(t *T, fr *data.Frame, metric string) series {
	t.Check(fr.Name == metric, "frame name %q, want %q", fr.Name, metric)
	t.Check(len(fr.Fields) == 2, "frame %q has %d fields %v, want 2 (time, %s)", fr.Name, len(fr.Fields), fieldNames(fr), metric)
	tf := fr.Fields[0]
	vf := fr.Fields[1]
	t.Check(tf.Name == "time" && tf.Type() == data.FieldTypeTime, "frame %q first field is %s:%s, want time:time.Time (non-null)", fr.Name, tf.Name, tf.Type().ItemTypeString())
	t.Check(vf.Name == metric && vf.Type() == data.FieldTypeNullableFloat64, "frame %q value field is %s:%s, want %s:*float64", fr.Name, vf.Name, vf.Type().ItemTypeString(), metric)
	for _, k := range []string{"camera_id", "camera_name", "model"} {
		_, ok := vf.Labels[k]
		t.Check(ok, "frame %q value field lacks label %q (labels %v)", fr.Name, k, vf.Labels)
	}
	t.Check(fr.Meta != nil && fr.Meta.Type == data.FrameTypeTimeSeriesMulti, "frame %q meta.type is %v, want timeseries-multi", fr.Name, metaType(fr))
	// The check the SSE engine makes before it reduces a frame.
	tss := fr.TimeSeriesSchema()
	t.Check(tss.Type == data.TimeSeriesTypeWide, "frame %q is not a wide time series for the SDK (TimeSeriesSchema type %v)", fr.Name, tss.Type)
	s := series{frame: fr, labels: vf.Labels}
	var prev time.Time
	for i := 0; i < fr.Rows(); i++ {
		ts := tf.At(i).(time.Time)
		t.Check(i == 0 || ts.After(prev), "frame %q times not strictly ascending at row %d (%v after %v)", fr.Name, i, ts, prev)
		prev = ts
		s.times = append(s.times, ts)
		v := vf.At(i).(*float64)
		if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
			t.Fatalf("frame %q row %d holds %v: use null for missing values", fr.Name, i, *v)
		}
		s.values = append(s.values, v)
	}
	return s
}

func metaType(fr *data.Frame) any {
	if fr.Meta == nil {
		return "<no meta>"
	}
	return fr.Meta.Type
}

// last is the `last` reducer of Grafana's reduce expression in its default (strict) mode: the value
// of the last point, null (NaN in Grafana) when that point is null or the series is empty.
func (s series) last() *float64 {
	if len(s.values) == 0 {
		return nil
	}
	return s.values[len(s.values)-1]
}

func fmtPtr(v *float64) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%g", *v)
}

// tailString shows the last n points of a series (time offset from now, value), for failure reasons.
func (s series) tailString(n int) string {
	from := max(0, len(s.values)-n)
	var parts []string
	for i := from; i < len(s.values); i++ {
		parts = append(parts, fmt.Sprintf("%s@-%.1fs", fmtPtr(s.values[i]), time.Since(s.times[i]).Seconds()))
	}
	return fmt.Sprintf("%d points, last: [%s]", len(s.values), strings.Join(parts, " "))
}
