// Command querytime asks a running plugin's gRPC server one QueryData at a time, as Grafana's
// plugin client does (grpc-go, then backend.FromProto, which decodes every frame with the SDK's
// Arrow reader), and prints each round trip's wall time in milliseconds as JSON lines.
//
// It reads one request per line on stdin ({"json": <query model>, "from": ms, "to": ms,
// "maxDataPoints": n, "jsonData": <datasource settings>, "uid": <datasource uid>}) and writes
// {"ms": wall, "frames": n, "bytes": n, "rows": n} or {"error": "..."} per line, so that a
// benchmark can interleave its questions with a peer's.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

type request struct {
	JSON          json.RawMessage `json:"json"`
	From          int64           `json:"from"`
	To            int64           `json:"to"`
	MaxDataPoints int64           `json:"maxDataPoints"`
	JSONData      json.RawMessage `json:"jsonData"`
	// UID of the datasource the request comes from (one sidecar keeps one set of cameras a datasource).
	UID string `json:"uid"`
}

type answer struct {
	Ms float64 `json:"ms,omitempty"`
	// ReceivedMs: until the answer was received and its protobuf decoded, before the frames were.
	ReceivedMs float64 `json:"receivedMs,omitempty"`
	Frames     int     `json:"frames,omitempty"`
	Bytes      int     `json:"bytes,omitempty"`
	Rows       int     `json:"rows,omitempty"`
	Error      string  `json:"error,omitempty"`
}

func main() {
	addr := flag.String("addr", "", "the plugin's gRPC address (host:port)")
	flag.Parse()
	if *addr == "" {
		fmt.Fprintln(os.Stderr, "querytime: -addr is required")
		os.Exit(2)
	}
	conn, err := grpc.NewClient(*addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// go-plugin's own call options, which Grafana's plugin client keeps (go-plugin grpc_client.go).
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(math.MaxInt32), grpc.MaxCallSendMsgSize(math.MaxInt32)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "querytime:", err)
		os.Exit(1)
	}
	defer conn.Close()
	client := pluginv2.NewDataClient(conn)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			_ = out.Encode(answer{Error: "bad request line: " + err.Error()})
			continue
		}
		_ = out.Encode(ask(client, r))
	}
}

func ask(client pluginv2.DataClient, r request) answer {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req := &pluginv2.QueryDataRequest{
		PluginContext: &pluginv2.PluginContext{
			OrgId:    1,
			PluginId: "camwatch-tapo-datasource",
			DataSourceInstanceSettings: &pluginv2.DataSourceInstanceSettings{
				Id: 1, Uid: r.UID, Name: "Tapo Cameras", JsonData: r.JSONData, LastUpdatedMS: 1,
			},
		},
		Queries: []*pluginv2.DataQuery{{
			RefId:         "A",
			MaxDataPoints: r.MaxDataPoints,
			IntervalMS:    max(1, (r.To-r.From)/max(1, r.MaxDataPoints)),
			TimeRange:     &pluginv2.TimeRange{FromEpochMS: r.From, ToEpochMS: r.To},
			Json:          r.JSON,
		}},
	}
	var model struct {
		QueryType string `json:"queryType"`
	}
	_ = json.Unmarshal(r.JSON, &model)
	req.Queries[0].QueryType = model.QueryType
	start := time.Now()
	resp, err := client.QueryData(ctx, req)
	if err != nil {
		return answer{Error: err.Error()}
	}
	received := time.Since(start)
	// What Grafana does with the answer: every frame through the SDK's Arrow reader.
	res, err := backend.FromProto().QueryDataResponse(resp)
	if err != nil {
		return answer{Error: "decoding the frames: " + err.Error()}
	}
	ms := float64(time.Since(start).Microseconds()) / 1000
	a := answer{Ms: ms, ReceivedMs: float64(received.Microseconds()) / 1000}
	for _, dr := range res.Responses {
		if dr.Error != nil {
			return answer{Error: dr.Error.Error()}
		}
		a.Frames += len(dr.Frames)
		for _, f := range dr.Frames {
			a.Rows += f.Rows()
		}
	}
	for _, dr := range resp.Responses {
		for _, b := range dr.Frames {
			a.Bytes += len(b)
		}
	}
	return a
}
