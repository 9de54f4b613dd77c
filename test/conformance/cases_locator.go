package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// rawHandshake starts the launcher with the variables go-plugin sets, reads its first stdout line,
// checks it is still running, and stops it (its process group) without the Shutdown RPC, so the
// standalone sidecar behind it is left alone.
func (h *harness) rawHandshake(t *T, env []string) (line string, children []string) {
	env = append(env, "grafana_plugin_type=datasource", "PLUGIN_PROTOCOL_VERSIONS=2", "PLUGIN_MIN_PORT=10000", "PLUGIN_MAX_PORT=25000")
	c, err := startChild(h.cfg.pluginDir, env, h.cfg.launcher)
	t.NoErr(err, "start launcher")
	defer c.stop(2 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	line, err = c.nextLine(ctx)
	t.NoErr(err, "first stdout line (stderr: "+c.stderr.tail(5)+")")
	// A locator stays alive: Grafana treats an exited plugin process as crashed and restarts it.
	// Bounded check: it must still be running a moment after the handshake.
	select {
	case <-c.done:
		t.Fatalf("the locator exited after the handshake (err %v, stderr %q)", c.err, c.stderr.tail(3))
	case <-time.After(300 * time.Millisecond):
	}
	for _, p := range descendants(c.cmd.Process.Pid) {
		children = append(children, cmdline(p))
	}
	return line, children
}

func (h *harness) locatorCases(ctx context.Context) {
	fx := h.fx
	port, err := unusedLoopbackPort()
	if err != nil {
		h.s.run("locator: setup", func(t *T) { t.Fatalf("no free port: %v", err) })
		return
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var sidecar *child
	h.s.run("locator: the bundled sidecar runs standalone (node "+relPath(h.cfg.repo, h.cfg.sidecarMain)+" --standalone --grpc "+addr+")", func(t *T) {
		node := h.cfg.node
		if node == "" {
			node = "node"
		}
		_, err := os.Stat(h.cfg.sidecarMain)
		t.NoErr(err, "bundled sidecar")
		env := withoutPrefixes(withoutVars(os.Environ(), "grafana_plugin_type"), "TAPO_", "GF_PLUGIN_")
		env = append(env, "GF_PLUGIN_DATA_DIR="+filepath.Join(h.cfg.dataDir, "standalone"), "TAPO_DATA_DIR="+filepath.Join(h.cfg.dataDir, "standalone"))
		sidecar, err = startChild(h.cfg.pluginDir, env, node, h.cfg.sidecarMain, "--standalone", "--grpc", addr)
		t.NoErr(err, "start")
		h.onCleanup(func() { sidecar.stop(3 * time.Second) })
		ok, why := eventually(30*time.Second, 100*time.Millisecond, func() (bool, string) {
			if sidecar.exited() {
				return true, ""
			}
			conn, err := net.DialTimeout("tcp", addr, time.Second)
			if err != nil {
				return false, err.Error()
			}
			_ = conn.Close()
			return true, ""
		})
		t.Check(!sidecar.exited(), "the standalone sidecar exited: %v; stderr: %s", sidecar.err, sidecar.stderr.tail(8))
		t.Check(ok, "not listening on %s within 30 s: %s; stderr: %s", addr, why, sidecar.stderr.tail(5))
	})
	if sidecar == nil || sidecar.exited() {
		return
	}

	want := "1|2|tcp|" + addr + "|grpc"
	h.s.run("locator: GF_PLUGIN_SIDECAR_ADDRESS makes the launcher print the sidecar's address and stay alive, starting no sidecar", func(t *T) {
		other, _ := unusedLoopbackPort()
		env := withoutPrefixes(os.Environ(), "TAPO_", "GF_PLUGIN_")
		// GF_PLUGIN_SIDECAR_ADDRESS (Grafana's [plugin.<id>] sidecar_address) wins over TAPO_SIDECAR_ADDRESS.
		env = append(env, "GF_PLUGIN_SIDECAR_ADDRESS="+addr, fmt.Sprintf("TAPO_SIDECAR_ADDRESS=127.0.0.1:%d", other))
		line, children := h.rawHandshake(t, env)
		t.Check(line == want, "first line %q, want %q", line, want)
		for _, c := range children {
			t.Check(!strings.Contains(c, "node") && !strings.Contains(c, "main.mjs"), "the locator started a sidecar: %q", c)
		}
	})

	h.s.run("locator: falls back to TAPO_SIDECAR_ADDRESS", func(t *T) {
		env := withoutPrefixes(os.Environ(), "TAPO_", "GF_PLUGIN_")
		env = append(env, "TAPO_SIDECAR_ADDRESS="+addr)
		line, _ := h.rawHandshake(t, env)
		t.Check(line == want, "first line %q, want %q", line, want)
	})

	var l *launched
	h.s.run("locator: Grafana's client reaches the standalone sidecar through the locator (Ping, QueryData, CallResource, CheckHealth)", func(t *T) {
		var err error
		l, err = launch(launchOptions{executable: h.cfg.launcher, env: append(h.pluginEnv(), "GF_PLUGIN_SIDECAR_ADDRESS="+addr)})
		if err != nil {
			reason := err.Error()
			if l != nil {
				reason += "; locator stderr: " + l.stderr.tail(5)
			}
			l = nil
			t.Fatalf("%s", reason)
		}
		h.onCleanup(func() { l.kill() })
		t.Check(l.client.ReattachConfig().Addr.String() == addr, "go-plugin connected to %v, want %s", l.client.ReattachConfig().Addr, addr)
		t.NoErr(l.rpc.Ping(), "Ping")
		var rows int
		ok, why := eventually(30*time.Second, 300*time.Millisecond, func() (bool, string) {
			r, err := l.queryData(ctx, fx.pluginContext(), nil, fx.dataQuery(queryOpts{refID: "S", queryType: "status", body: map[string]any{}}))
			if err != nil {
				return false, err.Error()
			}
			if r.decodeErr["S"] != nil || len(r.frames["S"]) != 1 {
				return false, fmt.Sprintf("answer: %+v %v", r.raw.Responses["S"], r.decodeErr["S"])
			}
			rows = r.frames["S"][0].Rows()
			return statusesSettled(fx, r.frames["S"][0])
		})
		t.Check(ok, "status through the locator: %s", why)
		t.Check(rows == len(fx.cameras), "%d status rows, want %d", rows, len(fx.cameras))
		code, _, _ := callResource(t, ctx, l, fx.pluginContext(), "GET", "cameras")
		t.Check(code == 200, "cameras: code %d", code)
		hctx, cancel := context.WithTimeout(ctx, 45*time.Second)
		defer cancel()
		health, err := l.diagnostics.CheckHealth(hctx, &pluginv2.CheckHealthRequest{PluginContext: fx.pluginContext()})
		t.NoErr(err, "CheckHealth")
		// Reached through the locator: the answer is the sidecar's (ERROR names the cameras that do not answer).
		t.Check(health.Message != "" && (health.Status == pluginv2.CheckHealthResponse_OK || strings.Contains(health.Message, "not answering")),
			"CheckHealth %v: %q", health.Status, health.Message)
	})
	if l == nil {
		return
	}

	h.s.run("locator: Kill (Grafana stopping the plugin) returns promptly and leaves no locator process", func(t *T) {
		tree := append([]int{l.pid}, descendants(l.pid)...)
		took, hung := l.kill()
		t.Infof("Kill took %v (go-plugin waits up to 2 s for the locator to exit after Shutdown, then kills it)", took.Round(time.Millisecond))
		t.Check(len(hung) == 0, "go-plugin's Kill (Grafana's plugin Stop) did not return within %v: it waits until the locator's stdout/stderr close, and these processes still held them: %s", killTimeout, strings.Join(hung, "; "))
		left := waitGone(tree, 3*time.Second)
		killLeftovers(left)
		var leftNames []string
		for _, p := range left {
			leftNames = append(leftNames, fmt.Sprintf("%d %s", p, cmdline(p)))
		}
		t.Check(len(left) == 0, "still running after Kill (locator tree): %s", strings.Join(leftNames, "; "))
	})

	h.s.run("locator: the standalone sidecar ignores the Shutdown sent through the locator and keeps serving", func(t *T) {
		// The sidecar serves whoever connects next (Grafana restarting the plugin): a Shutdown sent
		// through a locator must not take the shared sidecar down. (The Go SDK's standalone server
		// does not serve GRPCController at all, so Grafana's Kill leaves it running.)
		select {
		case <-sidecar.done:
			t.Fatalf("the standalone sidecar exited after Grafana's Kill through the locator: %v; stderr: %s", sidecar.err, sidecar.stderr.tail(4))
		case <-time.After(time.Second):
		}
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		t.NoErr(err, "dial the sidecar")
		defer conn.Close()
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		resp, err := pluginv2.NewDataClient(conn).QueryData(qctx, &pluginv2.QueryDataRequest{PluginContext: fx.pluginContext(),
			Queries: []*pluginv2.DataQuery{fx.dataQuery(queryOpts{refID: "S", queryType: "status", body: map[string]any{}})}})
		t.NoErr(err, "QueryData straight to the sidecar after Kill")
		t.Check(resp.Responses["S"] != nil && resp.Responses["S"].Error == "", "answer %+v", resp.Responses["S"])
	})
}

// skipHostEnvCase: with Grafana's pluginsSkipHostEnvVars the plugin gets no PATH; the launcher must
// find node by an absolute path.
func (h *harness) skipHostEnvCase(ctx context.Context) {
	h.s.run("launcher: starts without PATH in its environment (pluginsSkipHostEnvVars) and shuts down", func(t *T) {
		env := []string{
			"GF_VERSION=10.4.8",
			"GF_EDITION=Open",
			"GF_PLUGIN_DATA_DIR=" + filepath.Join(h.cfg.dataDir, "nopath"),
			"TAPO_DATA_DIR=" + filepath.Join(h.cfg.dataDir, "nopath"),
		}
		l, err := launch(launchOptions{executable: h.cfg.launcher, env: env, skipHostEnv: true})
		if err != nil {
			reason := err.Error()
			if l != nil {
				reason += "; stderr: " + l.stderr.tail(5)
			}
			t.Fatalf("%s", reason)
		}
		defer l.kill()
		t.NoErr(l.rpc.Ping(), "Ping")
		r, err := l.queryData(ctx, h.fx.pluginContext(), nil, h.fx.dataQuery(queryOpts{refID: "S", queryType: "status", body: map[string]any{}}))
		t.NoErr(err, "QueryData")
		dr, frames := r.response(t, "S")
		t.Check(dr.Error == "" && len(frames) == 1, "status: error %q, %d frames", dr.Error, len(frames))
		pid := l.pid
		tree := append([]int{pid}, descendants(pid)...)
		took, hung := l.kill()
		t.Check(len(hung) == 0, "Kill did not return within %v; leftovers: %s", killTimeout, strings.Join(hung, "; "))
		left := waitGone(tree, 2*time.Second)
		killLeftovers(left)
		t.Check(len(left) == 0, "processes left after Kill: %v", left)
		t.Infof("handshake after %v, Kill took %v", l.startTook.Round(time.Millisecond), took.Round(time.Millisecond))
	})
}

func relPath(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
