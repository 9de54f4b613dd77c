package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// rawHandshake starts the launcher with the variables go-plugin sets, reads its first stdout line,
// checks it is still running (and, when wantLog is set, that its stderr says so within a deadline),
// and stops it (its process group) without the Shutdown RPC, so the standalone sidecar behind it
// is left alone. self is the launcher's own command line (exec'd into the relay or a sleep).
func (h *harness) rawHandshake(t *T, env []string, wantLog string) (line, self, stderr string, children []string) {
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
	if wantLog != "" {
		ok, _ := eventually(10*time.Second, 50*time.Millisecond, func() (bool, string) {
			return strings.Contains(c.stderr.String(), wantLog), ""
		})
		t.Check(ok, "the launcher's stderr never said %q: %s", wantLog, c.stderr.tail(5))
	}
	self = cmdline(c.cmd.Process.Pid)
	for _, p := range descendants(c.cmd.Process.Pid) {
		children = append(children, cmdline(p))
	}
	return line, self, c.stderr.String(), children
}

// relayChild starts the launcher in locator mode with env, reads the handshake and returns the
// relay's loopback address, for callers that speak gRPC to it themselves.
func (h *harness) relayChild(t *T, env []string) (*child, string) {
	env = append(env, "grafana_plugin_type=datasource", "PLUGIN_PROTOCOL_VERSIONS=2")
	c, err := startChild(h.cfg.pluginDir, env, h.cfg.launcher)
	t.NoErr(err, "start launcher")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	line, err := c.nextLine(ctx)
	if err != nil {
		c.stop(2 * time.Second)
		t.Fatalf("no handshake from the relay: %v; stderr: %s", err, c.stderr.tail(5))
	}
	parts := strings.Split(line, "|")
	if len(parts) != 5 {
		c.stop(2 * time.Second)
		t.Fatalf("handshake %q", line)
	}
	return c, parts[3]
}

func (h *harness) locatorCases(ctx context.Context) {
	fx := h.fx
	port, err := unusedLoopbackPort()
	if err != nil {
		h.s.run("locator: setup", func(t *T) { t.Fatalf("no free port: %v", err) })
		return
	}
	// The sidecar listens on every interface, as in its own container; the harness reaches it
	// through 127.0.0.1 only (tests never leave loopback).
	bind := fmt.Sprintf("0.0.0.0:%d", port)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	secret := "link-" + randomToken(24)
	fx.addSecret(secret)
	secretFile := filepath.Join(h.cfg.dataDir, "grpc-secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		h.s.run("locator: setup", func(t *T) { t.Fatalf("secret file: %v", err) })
		return
	}
	var sidecar *child
	h.s.run("locator: the bundled sidecar runs standalone off loopback with a gRPC secret (TAPO_GRPC_SECRET=… node "+relPath(h.cfg.repo, h.cfg.sidecarMain)+" --standalone --grpc "+bind+")", func(t *T) {
		node := h.cfg.node
		if node == "" {
			node = "node"
		}
		_, err := os.Stat(h.cfg.sidecarMain)
		t.NoErr(err, "bundled sidecar")
		base := withoutPrefixes(withoutVars(os.Environ(), "grafana_plugin_type"), "TAPO_", "GF_PLUGIN_")
		base = append(base, "GF_PLUGIN_DATA_DIR="+filepath.Join(h.cfg.dataDir, "standalone"), "TAPO_DATA_DIR="+filepath.Join(h.cfg.dataDir, "standalone"))
		// Without the secret, an address beyond loopback is refused before anything starts.
		bare, err := startChild(h.cfg.pluginDir, base, node, h.cfg.sidecarMain, "--standalone", "--grpc", bind)
		t.NoErr(err, "start without a secret")
		select {
		case <-bare.done:
			t.Check(strings.Contains(bare.stderr.String(), "TAPO_GRPC_SECRET"), "the refusal names TAPO_GRPC_SECRET: %s", bare.stderr.tail(2))
		case <-time.After(30 * time.Second):
			bare.stop(time.Second)
			t.Fatalf("a sidecar bound to %s without a secret kept running", bind)
		}
		sidecar, err = startChild(h.cfg.pluginDir, append(base, "TAPO_GRPC_SECRET="+secret), node, h.cfg.sidecarMain, "--standalone", "--grpc", bind)
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

	h.s.run("locator: a client without the secret is refused (QueryData, and CheckHealth carrying settings)", func(t *T) {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		t.NoErr(err, "dial")
		defer conn.Close()
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err = pluginv2.NewDataClient(conn).QueryData(qctx, &pluginv2.QueryDataRequest{PluginContext: fx.pluginContext(),
			Queries: []*pluginv2.DataQuery{fx.dataQuery(queryOpts{refID: "S", queryType: "status", body: map[string]any{}})}})
		t.Check(err != nil, "a plain gRPC client's QueryData was answered")
		_, err = pluginv2.NewDiagnosticsClient(conn).CheckHealth(qctx, &pluginv2.CheckHealthRequest{PluginContext: fx.pluginContext()})
		t.Check(err != nil, "a plain gRPC client's CheckHealth (with datasource settings) was answered")
		t.Infof("refused with: %v", err)
		ok, _ := eventually(10*time.Second, 100*time.Millisecond, func() (bool, string) {
			return strings.Contains(sidecar.stderr.String(), "did not prove the shared secret"), ""
		})
		t.Check(ok, "the sidecar did not log the refusal: %s", sidecar.stderr.tail(3))
	})

	h.s.run("locator: off loopback without a secret the launcher refuses, naming grpc_secret_file", func(t *T) {
		env := withoutPrefixes(os.Environ(), "TAPO_", "GF_PLUGIN_")
		env = append(env, "grafana_plugin_type=datasource", "PLUGIN_PROTOCOL_VERSIONS=2", fmt.Sprintf("GF_PLUGIN_SIDECAR_ADDRESS=sidecar.invalid:%d", port))
		c, err := startChild(h.cfg.pluginDir, env, h.cfg.launcher)
		t.NoErr(err, "start launcher")
		select {
		case <-c.done:
		case <-time.After(15 * time.Second):
			c.stop(time.Second)
			t.Fatalf("the launcher kept running without a secret")
		}
		t.Check(c.stdout.String() == "", "printed a handshake: %q", c.stdout.String())
		t.Check(strings.Contains(c.stderr.String(), "grpc_secret_file"), "stderr: %s", c.stderr.tail(2))
	})

	h.s.run("locator: with grpc_secret_file the launcher becomes the relay: a loopback handshake, the sidecar from GF_PLUGIN_SIDECAR_ADDRESS, no sidecar started", func(t *T) {
		other, _ := unusedLoopbackPort()
		env := withoutPrefixes(os.Environ(), "TAPO_", "GF_PLUGIN_")
		// GF_PLUGIN_SIDECAR_ADDRESS (Grafana's [plugin.<id>] sidecar_address) wins over TAPO_SIDECAR_ADDRESS.
		env = append(env, "GF_PLUGIN_SIDECAR_ADDRESS="+addr, fmt.Sprintf("TAPO_SIDECAR_ADDRESS=127.0.0.1:%d", other), "GF_PLUGIN_GRPC_SECRET_FILE="+secretFile)
		line, self, stderr, children := h.rawHandshake(t, env, "the sidecar accepted the shared secret")
		t.Check(strings.HasPrefix(line, "1|2|tcp|127.0.0.1:") && strings.HasSuffix(line, "|grpc") && line != "1|2|tcp|"+addr+"|grpc", "first line %q: want the relay's own loopback port", line)
		t.Check(strings.Contains(self, "tapo-relay.mjs"), "the launcher runs %q, want the relay", self)
		t.Check(strings.Contains(stderr, `"sidecar":"`+addr+`"`), "the relay does not name %s: %s", addr, stderr)
		for _, c := range append(children, self) {
			t.Check(!strings.Contains(c, "main.mjs"), "the locator started a sidecar: %q", c)
		}
		if where := fx.leak(stderr); where != "" {
			t.Check(false, "the relay's log leaks %s", where)
		}
	})

	h.s.run("locator: falls back to TAPO_SIDECAR_ADDRESS and TAPO_GRPC_SECRET", func(t *T) {
		env := withoutPrefixes(os.Environ(), "TAPO_", "GF_PLUGIN_")
		env = append(env, "TAPO_SIDECAR_ADDRESS="+addr, "TAPO_GRPC_SECRET="+secret)
		_, _, stderr, _ := h.rawHandshake(t, env, "the sidecar accepted the shared secret")
		t.Check(strings.Contains(stderr, `"sidecar":"`+addr+`"`), "the relay does not name %s: %s", addr, stderr)
	})

	h.s.run("locator: a wrong secret is refused with a clear error, and no secret is in any log line", func(t *T) {
		wrong := "wrong-" + randomToken(24)
		fx.addSecret(wrong)
		l, err := launch(launchOptions{executable: h.cfg.launcher, env: append(h.pluginEnv(), "GF_PLUGIN_SIDECAR_ADDRESS="+addr, "GF_PLUGIN_GRPC_SECRET="+wrong)})
		if l == nil {
			t.Fatalf("launch: %v", err)
		}
		defer l.kill()
		if err == nil {
			qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			_, qerr := l.queryData(qctx, fx.pluginContext(), nil, fx.dataQuery(queryOpts{refID: "S", queryType: "status", body: map[string]any{}}))
			t.Check(qerr != nil, "QueryData was answered through a relay with the wrong secret")
		}
		ok, _ := eventually(15*time.Second, 100*time.Millisecond, func() (bool, string) {
			return strings.Contains(l.stderr.String(), "refused the key"), ""
		})
		t.Check(ok, "the relay did not say the sidecar refused the key: %s", l.stderr.tail(4))
		for name, text := range map[string]string{"relay stderr": l.stderr.String(), "host log": l.hostLog.String(), "sidecar stderr": sidecar.stderr.String()} {
			if where := fx.leak(text); where != "" {
				t.Check(false, "%s leaks %s", name, where)
			}
		}
	})

	var l *launched
	h.s.run("locator: Grafana's client reaches the off-loopback sidecar through the relay (Ping, QueryData, CallResource, CheckHealth)", func(t *T) {
		var err error
		l, err = launch(launchOptions{executable: h.cfg.launcher, env: append(h.pluginEnv(), "GF_PLUGIN_SIDECAR_ADDRESS="+addr, "GF_PLUGIN_GRPC_SECRET_FILE="+secretFile)})
		if err != nil {
			reason := err.Error()
			if l != nil {
				reason += "; relay stderr: " + l.stderr.tail(5)
			}
			l = nil
			t.Fatalf("%s", reason)
		}
		h.onCleanup(func() { l.kill() })
		got := l.client.ReattachConfig().Addr.String()
		t.Check(strings.HasPrefix(got, "127.0.0.1:") && got != addr, "go-plugin connected to %v, want the relay's loopback port", got)
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
		t.Check(ok, "status through the relay: %s", why)
		t.Check(rows == len(fx.cameras), "%d status rows, want %d", rows, len(fx.cameras))
		code, _, _ := callResource(t, ctx, l, fx.pluginContext(), "GET", "cameras")
		t.Check(code == 200, "cameras: code %d", code)
		hctx, cancel := context.WithTimeout(ctx, 45*time.Second)
		defer cancel()
		health, err := l.diagnostics.CheckHealth(hctx, &pluginv2.CheckHealthRequest{PluginContext: fx.pluginContext()})
		t.NoErr(err, "CheckHealth")
		// Reached through the relay: the answer is the sidecar's (ERROR names the cameras that do not answer).
		t.Check(health.Message != "" && (health.Status == pluginv2.CheckHealthResponse_OK || strings.Contains(health.Message, "not answering")),
			"CheckHealth %v: %q", health.Status, health.Message)
		for name, text := range map[string]string{"relay stderr": l.stderr.String(), "sidecar stderr": sidecar.stderr.String()} {
			if where := fx.leak(text); where != "" {
				t.Check(false, "%s leaks %s", name, where)
			}
		}
	})
	if l == nil {
		return
	}

	h.s.run("locator: Kill (Grafana stopping the plugin) returns promptly and leaves no relay process", func(t *T) {
		tree := append([]int{l.pid}, descendants(l.pid)...)
		took, hung := l.kill()
		t.Infof("Kill took %v (go-plugin waits up to 2 s for the relay to exit after Shutdown, then kills it)", took.Round(time.Millisecond))
		t.Check(len(hung) == 0, "go-plugin's Kill (Grafana's plugin Stop) did not return within %v: it waits until the relay's stdout/stderr close, and these processes still held them: %s", killTimeout, strings.Join(hung, "; "))
		left := waitGone(tree, 3*time.Second)
		killLeftovers(left)
		var leftNames []string
		for _, p := range left {
			leftNames = append(leftNames, fmt.Sprintf("%d %s", p, cmdline(p)))
		}
		t.Check(len(left) == 0, "still running after Kill (relay tree): %s", strings.Join(leftNames, "; "))
	})

	h.s.run("locator: the standalone sidecar ignores the Shutdown sent through the relay and keeps serving (a new relay)", func(t *T) {
		// The sidecar serves whoever connects next (Grafana restarting the plugin): a Shutdown sent
		// through a relay must not take the shared sidecar down. (The Go SDK's standalone server
		// does not serve GRPCController at all, so Grafana's Kill leaves it running.)
		select {
		case <-sidecar.done:
			t.Fatalf("the standalone sidecar exited after Grafana's Kill through the relay: %v; stderr: %s", sidecar.err, sidecar.stderr.tail(4))
		case <-time.After(time.Second):
		}
		env := withoutPrefixes(os.Environ(), "TAPO_", "GF_PLUGIN_")
		relay, relayAddr := h.relayChild(t, append(env, "GF_PLUGIN_SIDECAR_ADDRESS="+addr, "GF_PLUGIN_GRPC_SECRET_FILE="+secretFile))
		defer relay.stop(2 * time.Second)
		conn, err := grpc.NewClient(relayAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		t.NoErr(err, "dial the relay")
		defer conn.Close()
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		resp, err := pluginv2.NewDataClient(conn).QueryData(qctx, &pluginv2.QueryDataRequest{PluginContext: fx.pluginContext(),
			Queries: []*pluginv2.DataQuery{fx.dataQuery(queryOpts{refID: "S", queryType: "status", body: map[string]any{}})}})
		t.NoErr(err, "QueryData through a new relay after Kill")
		t.Check(resp.Responses["S"] != nil && resp.Responses["S"].Error == "", "answer %+v", resp.Responses["S"])
	})
}

// skipHostEnvCase: with Grafana's pluginsSkipHostEnvVars the plugin gets no PATH; the launcher must
// find node by an absolute path (a recent enough one: where the usual places hold only an older
// node, it must refuse by name, and start with node_path).
func (h *harness) skipHostEnvCase(ctx context.Context) {
	h.s.run("launcher: starts without PATH in its environment (pluginsSkipHostEnvVars) and shuts down", func(t *T) {
		env := []string{
			"GF_VERSION=10.4.8",
			"GF_EDITION=Open",
			"GF_PLUGIN_DATA_DIR=" + filepath.Join(h.cfg.dataDir, "nopath"),
			"TAPO_DATA_DIR=" + filepath.Join(h.cfg.dataDir, "nopath"),
		}
		l, err := launch(launchOptions{executable: h.cfg.launcher, env: env, skipHostEnv: true})
		if err != nil && l != nil && strings.Contains(l.stderr.String(), "the only node found is too old") {
			// This host has only a node older than the sidecar's floor in the usual places: the
			// launcher must say so (it did), and works once node_path names a recent one, as the
			// guide tells the admin (Grafana passes it as GF_PLUGIN_NODE_PATH).
			t.Infof("no recent node in the usual places; the launcher said: %s", l.stderr.tail(1))
			node := h.cfg.node
			if node == "" {
				node, _ = exec.LookPath("node")
			}
			l, err = launch(launchOptions{executable: h.cfg.launcher, env: append(env, "GF_PLUGIN_NODE_PATH="+node), skipHostEnv: true})
		}
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
