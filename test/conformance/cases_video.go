package main

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// isoBoxes walks the top-level ISO-BMFF boxes of b: each a 32-bit size (or 1 and a 64-bit size)
// and a four-character type; an error when a size runs past the end or a type is not printable.
func isoBoxes(b []byte) ([]string, error) {
	var types []string
	for at := 0; at < len(b); {
		if len(b)-at < 8 {
			return types, fmt.Errorf("truncated box header at %d", at)
		}
		size := uint64(binary.BigEndian.Uint32(b[at:]))
		typ := string(b[at+4 : at+8])
		head := uint64(8)
		if size == 1 {
			if len(b)-at < 16 {
				return types, fmt.Errorf("truncated large box at %d", at)
			}
			size = binary.BigEndian.Uint64(b[at+8:])
			head = 16
		}
		for _, c := range typ {
			if c < 0x20 || c > 0x7e {
				return types, fmt.Errorf("box type %q at %d is not printable", typ, at)
			}
		}
		if size < head || uint64(at)+size > uint64(len(b)) {
			return types, fmt.Errorf("box %q of %d bytes at %d runs past %d", typ, size, at, len(b))
		}
		types = append(types, typ)
		at += int(size)
	}
	return types, nil
}

// videoRows decodes a video channel's rows (kind, seq, keyframe, codec, data) from an SDK frame.
type videoRow struct {
	kind, codec, data, err string
	seq                    float64
	keyframe               bool
}

func videoRows(t *T, fr *data.Frame) []videoRow {
	S := []data.FieldType{data.FieldTypeString, data.FieldTypeNullableString}
	kinds := requireField(t, fr, "kind", S...)
	seqs := requireField(t, fr, "seq", data.FieldTypeFloat64, data.FieldTypeNullableFloat64)
	keys := requireField(t, fr, "keyframe", data.FieldTypeBool, data.FieldTypeNullableBool)
	codecs := requireField(t, fr, "codec", S...)
	datas := requireField(t, fr, "data", S...)
	errs := field(fr, "error")
	requireField(t, fr, "time", data.FieldTypeTime, data.FieldTypeNullableTime)
	requireField(t, fr, "width", data.FieldTypeFloat64, data.FieldTypeNullableFloat64)
	requireField(t, fr, "height", data.FieldTypeFloat64, data.FieldTypeNullableFloat64)
	var out []videoRow
	for i := 0; i < fr.Rows(); i++ {
		r := videoRow{}
		r.kind, _ = str(kinds, i)
		r.codec, _ = str(codecs, i)
		r.data, _ = str(datas, i)
		r.seq, _ = num(seqs, i)
		if v, ok := keys.ConcreteAt(i); ok {
			r.keyframe, _ = v.(bool)
		}
		if errs != nil {
			r.err, _ = str(errs, i)
		}
		out = append(out, r)
	}
	return out
}

func (h *harness) videoCases(ctx context.Context, l *launched) {
	fx := h.fx
	target := fx.cameras[0]
	path := fmt.Sprintf("camera/%s/video/sub", target.ID)

	h.s.run("SubscribeStream camera/<id>/video/<stream>: OK for a camera, NOT_FOUND for a bad stream name", func(t *T) {
		resp, err := l.stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: fx.pluginContext(), Path: path})
		t.NoErr(err, "SubscribeStream")
		t.Check(resp.Status == pluginv2.SubscribeStreamResponse_OK, "status %v, want OK", resp.Status)
		if len(resp.Data) > 0 {
			fr := &data.Frame{}
			t.NoErr(json.Unmarshal(resp.Data, fr), fmt.Sprintf("initial data is not frame JSON (%.200s)", resp.Data))
			rows := videoRows(t, fr)
			t.Infof("initial data: %d rows, first %q", len(rows), rows[0].kind)
		}
		bad, err := l.stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: fx.pluginContext(), Path: fmt.Sprintf("camera/%s/video/stream9", target.ID)})
		t.NoErr(err, "SubscribeStream")
		t.Check(bad.Status == pluginv2.SubscribeStreamResponse_NOT_FOUND, "status %v, want NOT_FOUND", bad.Status)
	})

	h.s.run("RunStream "+path+": init then fMP4 fragments the SDK decodes, data parses as ISO-BMFF", func(t *T) {
		var packets [][]byte
		var fr *data.Frame
		var rows []videoRow
		frags := 0
		err := runStream(ctx, l, fx.pluginContext(), path, 30*time.Second, func(p []byte) bool {
			packets = append(packets, p)
			if len(packets) == 1 {
				fr = decodePackets(t, packets)
			} else {
				t.NoErr(data.AppendJSONData(fr, p), fmt.Sprintf("packet %d: data.AppendJSONData", len(packets)))
			}
			rows = videoRows(t, fr)
			frags = 0
			for _, r := range rows {
				if r.kind == "fragment" {
					frags++
				}
			}
			return frags >= 30 || (len(rows) > 0 && rows[0].kind == "problem")
		})
		if len(rows) > 0 && rows[0].kind == "problem" {
			// No video for the camera: the channel must say why, in a row the SDK reads. With a
			// simulated camera serving RTSP that is a failure; without ffmpeg (no RTSP) it is a skip.
			t.Check(rows[0].err != "", "a problem row without words")
			if target.RtspPort > 0 {
				t.Fatalf("the channel answers a problem row for a camera serving RTSP: %q (codec %q)", rows[0].err, rows[0].codec)
			}
			t.Skipf("the fixture's camera serves no RTSP (no ffmpeg?); the channel says: %q", rows[0].err)
		}
		t.NoErr(err, fmt.Sprintf("30 fragments (got %d in %d packets)", frags, len(packets)))
		t.Check(rows[0].kind == "init", "first row is %q, want init", rows[0].kind)
		t.Check(strings.HasPrefix(rows[0].codec, "avc1."), "codec %q, want avc1.PPCCLL", rows[0].codec)
		last := -1.0
		for i, r := range rows {
			raw, err := base64.StdEncoding.DecodeString(r.data)
			t.NoErr(err, fmt.Sprintf("row %d: data is not base64", i))
			types, err := isoBoxes(raw)
			t.NoErr(err, fmt.Sprintf("row %d (%s): not ISO-BMFF", i, r.kind))
			switch r.kind {
			case "init":
				t.Check(len(types) == 2 && types[0] == "ftyp" && types[1] == "moov", "row %d: init boxes %v, want [ftyp moov]", i, types)
				t.Check(i+1 < len(rows) && rows[i+1].kind == "fragment" && rows[i+1].keyframe || i+1 == len(rows), "row %d: an init is followed by a keyframe", i)
			case "fragment":
				t.Check(len(types) == 2 && types[0] == "moof" && types[1] == "mdat", "row %d: fragment boxes %v, want [moof mdat]", i, types)
				t.Check(last < 0 || r.seq == last+1 || r.keyframe, "row %d: seq %g after %g without a keyframe", i, r.seq, last)
				last = r.seq
			default:
				t.Fatalf("row %d: kind %q", i, r.kind)
			}
		}
		if where := fx.leak(string(joinBytes(packets))); where != "" {
			t.Fatalf("secret in a packet: %s", where)
		}
		t.Infof("%d packets, %d rows, %d fragments, codec %s", len(packets), len(rows), frags, rows[0].codec)
	})
}

func joinBytes(parts [][]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
