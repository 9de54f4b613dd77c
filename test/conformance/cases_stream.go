package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// streamPackets runs RunStream and collects n packets (bounded by within).
func streamPackets(ctx context.Context, l *launched, pc *pluginv2.PluginContext, path string, n int, within time.Duration) ([][]byte, error) {
	sctx, cancel := context.WithTimeout(ctx, within)
	defer cancel() // what Grafana does when the last subscriber leaves
	st, err := l.stream.RunStream(sctx, &pluginv2.RunStreamRequest{PluginContext: pc, Path: path})
	if err != nil {
		return nil, fmt.Errorf("RunStream: %w", err)
	}
	var out [][]byte
	for len(out) < n {
		p, err := st.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, fmt.Errorf("stream ended after %d of %d packets", len(out), n)
			}
			return out, fmt.Errorf("after %d of %d packets: %w", len(out), n, err)
		}
		out = append(out, p.Data)
	}
	return out, nil
}

// runStream runs RunStream and hands each packet to onPacket until it returns true (nil error) or
// the deadline passes / the stream ends (the error says which).
func runStream(ctx context.Context, l *launched, pc *pluginv2.PluginContext, path string, within time.Duration, onPacket func([]byte) bool) error {
	sctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	st, err := l.stream.RunStream(sctx, &pluginv2.RunStreamRequest{PluginContext: pc, Path: path})
	if err != nil {
		return fmt.Errorf("RunStream: %w", err)
	}
	for {
		p, err := st.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return errors.New("the stream ended")
			}
			return err
		}
		if onPacket(p.Data) {
			return nil
		}
	}
}

// decodePackets reads packets as Grafana Live's consumers do with the SDK: the first is a whole
// frame ({schema, data}) read with json.Unmarshal into data.Frame, the next ones data only,
// appended with data.AppendJSONData (which rejects a packet that repeats the schema).
func decodePackets(t *T, packets [][]byte) *data.Frame {
	fr := &data.Frame{}
	t.NoErr(json.Unmarshal(packets[0], fr), fmt.Sprintf("first packet is not frame JSON the SDK reads (%.200s)", packets[0]))
	t.Check(len(fr.Fields) > 0, "first packet has no schema fields: %.300s", packets[0])
	for i, p := range packets[1:] {
		var probe map[string]json.RawMessage
		t.NoErr(json.Unmarshal(p, &probe), fmt.Sprintf("packet %d is not JSON", i+2))
		_, hasSchema := probe["schema"]
		t.Check(!hasSchema, "packet %d repeats the schema: send it with the first packet only", i+2)
		t.NoErr(data.AppendJSONData(fr, p), fmt.Sprintf("packet %d: data.AppendJSONData", i+2))
	}
	return fr
}

func (h *harness) streamCases(ctx context.Context, l *launched) {
	fx := h.fx

	h.s.run("SubscribeStream fleet/metrics: OK", func(t *T) {
		resp, err := l.stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: fx.pluginContext(), Path: "fleet/metrics"})
		t.NoErr(err, "SubscribeStream")
		t.Check(resp.Status == pluginv2.SubscribeStreamResponse_OK, "status %v, want OK", resp.Status)
		if len(resp.Data) > 0 {
			fr := &data.Frame{}
			t.NoErr(json.Unmarshal(resp.Data, fr), fmt.Sprintf("initial data is not frame JSON (%.200s)", resp.Data))
			t.Infof("initial data: frame %q with %d fields, %d rows", fr.Name, len(fr.Fields), fr.Rows())
		}
	})

	h.s.run("SubscribeStream unknown path: NOT_FOUND", func(t *T) {
		resp, err := l.stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: fx.pluginContext(), Path: "no/such/channel"})
		t.NoErr(err, "SubscribeStream")
		t.Check(resp.Status == pluginv2.SubscribeStreamResponse_NOT_FOUND, "status %v, want NOT_FOUND", resp.Status)
	})

	h.s.run("RunStream fleet/metrics: schema then data-only packets the SDK decodes, with poll rows", func(t *T) {
		packets, err := streamPackets(ctx, l, fx.pluginContext(), "fleet/metrics", 3, 20*time.Second)
		t.NoErr(err, "fleet/metrics")
		fr := decodePackets(t, packets)
		requireField(t, fr, "time", data.FieldTypeTime, data.FieldTypeNullableTime)
		S := []data.FieldType{data.FieldTypeString, data.FieldTypeNullableString}
		ids := requireField(t, fr, "camera_id", S...)
		requireField(t, fr, "camera_name", S...)
		st := requireField(t, fr, "status", S...)
		requireField(t, fr, "latency_ms", data.FieldTypeNullableFloat64, data.FieldTypeFloat64)
		t.Check(fr.Rows() > 0, "no rows in %d packets", len(packets))
		seen := map[string]string{}
		tf := fr.Fields[0]
		for i := 0; i < fr.Rows(); i++ {
			id, _ := str(ids, i)
			t.Check(fx.camera(id) != nil, "row %d: unknown camera %q", i, id)
			s, _ := str(st, i)
			t.Check(validStatus(s), "row %d: status %q", i, s)
			seen[id] = s
			if ts, ok := tm(tf, i); ok {
				t.Check(time.Since(ts) < 2*time.Minute && time.Until(ts) < 5*time.Second, "row %d: time %v is not recent", i, ts)
			}
		}
		if where := fx.leak(string(bytes.Join(packets, nil))); where != "" {
			t.Fatalf("secret in a packet: %s", where)
		}
		t.Infof("%d packets, %d rows, cameras %v", len(packets), fr.Rows(), seen)
	})

	target := fx.cameras[0]
	path := fmt.Sprintf("camera/%s/frames/2/320", target.ID)
	h.s.run("RunStream "+path+": JPEG frames 320 px wide", func(t *T) {
		if _, err := exec.LookPath("ffmpeg"); err != nil {
			t.Skipf("ffmpeg is not installed on this machine")
		}
		resp, err := l.stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: fx.pluginContext(), Path: path})
		t.NoErr(err, "SubscribeStream")
		t.Check(resp.Status == pluginv2.SubscribeStreamResponse_OK, "SubscribeStream status %v, want OK", resp.Status)
		// Rows without a picture are accepted only as status rows (an error text set); the case
		// needs two decodable pictures within the deadline.
		var fr *data.Frame
		var packets [][]byte
		var statusRows []string
		pictures := 0
		err = runStream(ctx, l, fx.pluginContext(), path, 30*time.Second, func(p []byte) bool {
			packets = append(packets, p)
			if len(packets) == 1 {
				fr = decodePackets(t, packets)
			} else {
				t.NoErr(data.AppendJSONData(fr, p), fmt.Sprintf("packet %d: data.AppendJSONData", len(packets)))
			}
			jf := requireField(t, fr, "jpeg", data.FieldTypeString, data.FieldTypeNullableString)
			ef := field(fr, "error")
			pictures = 0
			statusRows = nil
			for i := 0; i < fr.Rows(); i++ {
				if b64, ok := str(jf, i); ok && b64 != "" {
					pictures++
				} else if ef != nil {
					e, _ := str(ef, i)
					statusRows = append(statusRows, e)
				}
			}
			return pictures >= 2
		})
		if pictures < 2 {
			t.Fatalf("%d pictures in %d packets (%v); rows without a picture say: %q; sidecar log: %s",
				pictures, len(packets), err, statusRows, grepLines(l.stderr, target.ID, 2))
		}
		requireField(t, fr, "time", data.FieldTypeTime, data.FieldTypeNullableTime)
		S := []data.FieldType{data.FieldTypeString, data.FieldTypeNullableString}
		ids := requireField(t, fr, "camera_id", S...)
		requireField(t, fr, "camera_name", S...)
		wf := requireField(t, fr, "width", data.FieldTypeFloat64, data.FieldTypeNullableFloat64, data.FieldTypeInt64)
		hf := requireField(t, fr, "height", data.FieldTypeFloat64, data.FieldTypeNullableFloat64, data.FieldTypeInt64)
		jf := requireField(t, fr, "jpeg", S...)
		for i := 0; i < fr.Rows(); i++ {
			id, _ := str(ids, i)
			t.Check(id == target.ID, "row %d: camera_id %q, want %q", i, id, target.ID)
			b64, ok := str(jf, i)
			if !ok || b64 == "" {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(b64)
			t.NoErr(err, fmt.Sprintf("row %d: jpeg is not base64", i))
			img, err := jpeg.Decode(bytes.NewReader(raw))
			t.NoErr(err, fmt.Sprintf("row %d: image/jpeg cannot decode the picture (%d bytes)", i, len(raw)))
			w, _ := num(wf, i)
			hh, _ := num(hf, i)
			t.Check(img.Bounds().Dx() == 320, "row %d: picture is %dx%d, want 320 wide", i, img.Bounds().Dx(), img.Bounds().Dy())
			t.Check(int(w) == img.Bounds().Dx() && int(hh) == img.Bounds().Dy(), "row %d: width/height fields %gx%g, picture %dx%d", i, w, hh, img.Bounds().Dx(), img.Bounds().Dy())
			t.Infof("row %d: picture %dx%d, %d bytes", i, img.Bounds().Dx(), img.Bounds().Dy(), len(raw))
		}
	})

	h.s.run("RunStream after a cancelled stream: the sidecar still answers", func(t *T) {
		// The two streams above were cancelled by the client (Grafana's behaviour when the last
		// subscriber leaves); the process must carry on.
		resp, err := l.stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: fx.pluginContext(), Path: "fleet/metrics"})
		t.NoErr(err, "SubscribeStream")
		t.Check(resp.Status == pluginv2.SubscribeStreamResponse_OK, "status %v", resp.Status)
		t.NoErr(l.rpc.Ping(), "Ping")
		t.Check(!strings.Contains(l.stderr.String(), "Unhandled"), "unhandled error in the log: %s", l.stderr.tail(5))
	})
}

// grepLines returns the last n log lines mentioning s.
func grepLines(b *lineBuffer, s string, n int) string {
	var out []string
	for _, line := range b.Lines() {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return strings.Join(out, " | ")
}
