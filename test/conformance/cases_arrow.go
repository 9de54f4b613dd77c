package main

// The sidecar's direct Arrow writer (sidecar/src/grafana/arrow-file.ts) on edge frames that a
// running fleet seldom answers (no rows, all null, NaN and ±Inf as values, nulls in time, unicode,
// long metadata): sidecar/scripts/arrow-edge-frames.ts prints each file with what it must decode
// to, and the SDK's reader (data.UnmarshalArrowFrame) decodes it here.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

type arrowEdgeCase struct {
	Case   string `json:"case"`
	Arrow  []byte `json:"arrow"` // base64 in the JSON
	Expect struct {
		Name   string          `json:"name"`
		RefID  string          `json:"refId"`
		Meta   json.RawMessage `json:"meta"`
		Fields []struct {
			Name     string            `json:"name"`
			Type     string            `json:"type"`
			Nullable bool              `json:"nullable"`
			Labels   map[string]string `json:"labels"`
			Config   *struct {
				DisplayNameFromDS string `json:"displayNameFromDS"`
				Unit              string `json:"unit"`
			} `json:"config"`
			Values []*string `json:"values"`
		} `json:"fields"`
	} `json:"expect"`
}

func (h *harness) arrowEdgeCases() {
	h.s.run("QueryData Arrow writer: edge frames (no rows, all null, NaN/±Inf/-0, null times, unicode, long metadata) decoded by the SDK's Arrow reader", func(t *T) {
		node := h.cfg.node
		if node == "" {
			node = "node"
		}
		cmd := exec.Command(node, "--import", "tsx", "scripts/arrow-edge-frames.ts")
		cmd.Dir = filepath.Join(h.cfg.repo, "sidecar")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		t.NoErr(err, "sidecar/scripts/arrow-edge-frames.ts ("+stderr.String()+")")
		n := 0
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			var c arrowEdgeCase
			t.NoErr(json.Unmarshal(sc.Bytes(), &c), "edge frame line")
			checkArrowEdgeCase(t, &c)
			n++
		}
		t.Check(n >= 8, "%d edge frames, want at least 8", n)
		t.Infof("%d edge frames decoded as expected", n)
	})
}

func checkArrowEdgeCase(t *T, c *arrowEdgeCase) {
	fr, err := data.UnmarshalArrowFrame(c.Arrow)
	t.NoErr(err, c.Case+": data.UnmarshalArrowFrame")
	e := c.Expect
	t.Check(fr.Name == e.Name && fr.RefID == e.RefID, "%s: name %q refId %q, want %q %q", c.Case, fr.Name, fr.RefID, e.Name, e.RefID)
	if string(e.Meta) == "null" {
		t.Check(fr.Meta == nil, "%s: meta %+v, want none", c.Case, fr.Meta)
	} else {
		got, _ := json.Marshal(fr.Meta)
		var want, have map[string]any
		t.NoErr(json.Unmarshal(e.Meta, &want), c.Case+": expected meta")
		t.NoErr(json.Unmarshal(got, &have), c.Case+": decoded meta")
		for k, v := range want {
			wv, _ := json.Marshal(v)
			hv, _ := json.Marshal(have[k])
			t.Check(bytes.Equal(wv, hv), "%s: meta.%s is %s, want %s", c.Case, k, hv, wv)
		}
	}
	t.Check(len(fr.Fields) == len(e.Fields), "%s: %d fields, want %d", c.Case, len(fr.Fields), len(e.Fields))
	for i, ef := range e.Fields {
		f := fr.Fields[i]
		want := map[[2]any]data.FieldType{
			{"time", false}: data.FieldTypeTime, {"time", true}: data.FieldTypeNullableTime,
			{"number", false}: data.FieldTypeFloat64, {"number", true}: data.FieldTypeNullableFloat64,
		}[[2]any{ef.Type, ef.Nullable}]
		t.Check(f.Name == ef.Name && f.Type() == want, "%s: field %d is %q %s, want %q %s", c.Case, i, f.Name, f.Type().ItemTypeString(), ef.Name, want.ItemTypeString())
		t.Check(len(f.Labels) == len(ef.Labels), "%s: field %q labels %v, want %v", c.Case, f.Name, f.Labels, ef.Labels)
		for k, v := range ef.Labels {
			t.Check(f.Labels[k] == v, "%s: field %q label %q is %d bytes, want %d", c.Case, f.Name, k, len(f.Labels[k]), len(v))
		}
		if ef.Config != nil {
			t.Check(f.Config != nil && f.Config.DisplayNameFromDS == ef.Config.DisplayNameFromDS && f.Config.Unit == ef.Config.Unit,
				"%s: field %q config %+v, want %+v", c.Case, f.Name, f.Config, ef.Config)
		}
		t.Check(f.Len() == len(ef.Values), "%s: field %q has %d values, want %d", c.Case, f.Name, f.Len(), len(ef.Values))
		for r, ev := range ef.Values {
			got := arrowCell(f.At(r))
			t.Check(sameCell(got, ev), "%s: field %q row %d is %s, want %s", c.Case, f.Name, r, fmtCell(got), fmtCell(ev))
		}
	}
}

// arrowCell renders a decoded cell as the script does: epoch nanoseconds, the number, or nil.
func arrowCell(v any) *string {
	s := func(x string) *string { return &x }
	switch x := v.(type) {
	case time.Time:
		return s(strconv.FormatInt(x.UnixNano(), 10))
	case *time.Time:
		if x == nil {
			return nil
		}
		return s(strconv.FormatInt(x.UnixNano(), 10))
	case float64:
		return s(strconv.FormatFloat(x, 'g', -1, 64))
	case *float64:
		if x == nil {
			return nil
		}
		return s(strconv.FormatFloat(*x, 'g', -1, 64))
	}
	return s("?")
}

// sameCell compares numbers by value (bit for bit for -0 and NaN); integers past 2^53 (epoch
// nanoseconds), which a float64 cannot tell apart, as text.
func sameCell(got, want *string) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	g, err1 := strconv.ParseFloat(*got, 64)
	w, err2 := strconv.ParseFloat(*want, 64)
	if err1 != nil || err2 != nil || (!math.IsInf(g, 0) && math.Abs(g) > 1<<53) {
		return *got == *want
	}
	return math.Float64bits(g) == math.Float64bits(w) || (math.IsNaN(g) && math.IsNaN(w))
}

func fmtCell(v *string) string {
	if v == nil {
		return "null"
	}
	return *v
}
