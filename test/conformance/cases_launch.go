package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
)

// launcherCases check the plugin directory as Grafana's loader sees it, and the launcher's
// refusal to run outside a plugin host.
func (h *harness) launcherCases() {
	h.s.run("plugin.json: backend datasource, executable gpx_tapo, alerting and streaming", func(t *T) {
		b, err := os.ReadFile(filepath.Join(h.cfg.pluginDir, "plugin.json"))
		t.NoErr(err, "read plugin.json")
		var pj struct {
			ID           string `json:"id"`
			Type         string `json:"type"`
			Backend      bool   `json:"backend"`
			Alerting     bool   `json:"alerting"`
			Streaming    bool   `json:"streaming"`
			Executable   string `json:"executable"`
			Dependencies struct {
				GrafanaDependency string `json:"grafanaDependency"`
			} `json:"dependencies"`
		}
		t.NoErr(json.Unmarshal(b, &pj), "parse plugin.json")
		t.Check(pj.ID == pluginID, "id %q, want %q", pj.ID, pluginID)
		t.Check(pj.Type == "datasource", "type %q, want datasource", pj.Type)
		t.Check(pj.Backend && pj.Alerting && pj.Streaming, "backend=%v alerting=%v streaming=%v, want all true", pj.Backend, pj.Alerting, pj.Streaming)
		t.Check(pj.Executable == "gpx_tapo", "executable %q, want gpx_tapo", pj.Executable)
		// A nested plugin claims its app's Grafana range (the app's plugin.json one folder up).
		var app struct {
			Dependencies struct {
				GrafanaDependency string `json:"grafanaDependency"`
			} `json:"dependencies"`
		}
		ab, aerr := os.ReadFile(filepath.Join(h.cfg.appDir, "plugin.json"))
		t.NoErr(aerr, "read the app's plugin.json")
		t.NoErr(json.Unmarshal(ab, &app), "parse the app's plugin.json")
		t.Check(strings.HasPrefix(pj.Dependencies.GrafanaDependency, ">=") && pj.Dependencies.GrafanaDependency == app.Dependencies.GrafanaDependency,
			"grafanaDependency %q, want the app's %q", pj.Dependencies.GrafanaDependency, app.Dependencies.GrafanaDependency)
	})

	for _, arch := range []string{"amd64", "arm64"} {
		name := "gpx_tapo_linux_" + arch
		h.s.run("launcher: "+name+" exists and is executable", func(t *T) {
			st, err := os.Stat(filepath.Join(h.cfg.pluginDir, name))
			t.NoErr(err, "stat "+name)
			t.Check(st.Mode().IsRegular(), "%s is not a regular file", name)
			t.Check(st.Mode().Perm()&0o111 == 0o111, "%s has mode %v, want executable by all (0755)", name, st.Mode().Perm())
		})
	}

	h.s.run("launcher: started by hand (no magic cookie) exits 1 with a message on stderr, nothing on stdout", func(t *T) {
		env := withoutVars(h.pluginEnv(), "grafana_plugin_type", "PLUGIN_PROTOCOL_VERSIONS")
		c, err := startChild(h.cfg.pluginDir, env, h.cfg.launcher)
		t.NoErr(err, "start launcher")
		defer c.stop(time.Second)
		select {
		case <-c.done:
		case <-time.After(15 * time.Second):
			t.Fatalf("still running after 15 s without the magic cookie (stdout %q)", c.stdout.tail(3))
		}
		var exitErr *exec.ExitError
		code := 0
		if errors.As(c.err, &exitErr) {
			code = exitErr.ExitCode()
		} else if c.err != nil {
			t.Fatalf("wait: %v", c.err)
		}
		t.Check(code == 1, "exit status %d, want 1 (stderr %q)", code, c.stderr.tail(3))
		t.Check(strings.TrimSpace(c.stdout.String()) == "", "printed on stdout: %q", c.stdout.tail(3))
		t.Check(strings.TrimSpace(c.stderr.String()) != "", "no message on stderr")
		t.Infof("stderr: %s", c.stderr.tail(2))
	})
}

// setupCameras starts the simulator and builds the datasource's camera list: the simulated
// cameras (online), one simulated camera configured with a wrong password, and one camera whose
// host is a loopback port nothing listens on (offline).
func (h *harness) setupCameras(ctx context.Context) {
	var cams []*camera
	n := h.cfg.simulators
	h.s.prerequisite(fmt.Sprintf("setup: the simulator serves %d cameras on loopback", n+1), func(t *T) {
		sctx, cancel := context.WithTimeout(ctx, 90*time.Second)
		defer cancel()
		sim, lines, err := startSimulator(sctx, h.cfg.repo, n+1, "Conf-"+randomToken(6))
		t.NoErr(err, "simulator")
		h.onCleanup(func() { sim.stop(3 * time.Second) })
		for i := 0; i < n; i++ {
			c := lines[i].toCamera(fmt.Sprintf("sim-%d", i+1), fmt.Sprintf("Simulated %d", i+1))
			t.Check(c.Host != "" && c.Password != "", "simulator line %d lacks host or password: %v", i+1, lines[i].raw)
			cams = append(cams, c)
		}
		bad := lines[n].toCamera("sim-wrongpw", "Wrong password")
		bad.Password = "wrong-" + randomToken(8)
		bad.Expect = "auth_failed"
		cams = append(cams, bad)
		for _, c := range cams {
			t.Infof("%s %s model=%q host=%s temperature=%v rtsp=%d onvif=%d", c.ID, c.Expect, c.Model, c.Host, c.ReportsTemperature, c.RtspPort, c.OnvifPort)
		}
	})
	port, err := unusedLoopbackPort()
	if err != nil {
		port = 9
	}
	cams = append(cams, &camera{
		ID:       "offline-1",
		Name:     "Offline camera",
		Host:     fmt.Sprintf("127.0.0.1:%d", port),
		Username: "admin",
		Password: "offline-" + randomToken(8),
		Expect:   "offline",
	})
	h.fx = newFixture(cams)
}

// managedCases: the launcher started as Grafana starts a managed plugin, then every RPC.
func (h *harness) managedCases(ctx context.Context) *launched {
	var l *launched
	var startErr error
	h.s.prerequisite("handshake: a go-plugin client configured as Grafana's starts gpx_tapo_linux_amd64", func(t *T) {
		l, startErr = launch(launchOptions{executable: h.cfg.launcher, env: h.pluginEnv()})
		if startErr != nil {
			reason := startErr.Error()
			if l != nil {
				reason += "; stderr: " + l.stderr.tail(8)
			}
			l = nil
			t.Fatalf("%s", reason)
		}
		h.onCleanup(func() { l.kill() })
		t.Check(l.client.Protocol() == goplugin.ProtocolGRPC, "protocol %v, want grpc", l.client.Protocol())
		addr := l.client.ReattachConfig().Addr
		tcp, ok := addr.(*net.TCPAddr)
		t.Check(ok && tcp.IP.IsLoopback(), "plugin address %v (%s), want a loopback TCP address", addr, addr.Network())
		t.Infof("handshake after %v, pid %d, address %v", l.startTook.Round(time.Millisecond), l.pid, addr)
	})
	if l == nil {
		h.s.run("datasource cases", func(t *T) { t.Fatalf("not run: the plugin did not start: %v", startErr) })
		return nil
	}
	h.s.run("handshake: grpc.health.v1 Check(\"plugin\") is SERVING (go-plugin Ping)", func(t *T) {
		t.NoErr(l.rpc.Ping(), "Ping")
	})
	h.datasourceCases(ctx, l)
	return l
}

// shutdownCases: Grafana stops a plugin with go-plugin's Kill, which calls GRPCController.Shutdown
// and gives the process 2 s before SIGKILL. The sidecar must be gone well before that, children
// included; and nothing it printed may hold a secret.
func (h *harness) shutdownCases(l *launched) {
	if l == nil {
		return
	}
	var tree []int
	h.s.run("shutdown: Kill (GRPCController.Shutdown) ends the process and its children within 1 s", func(t *T) {
		tree = append([]int{l.pid}, descendants(l.pid)...)
		var names []string
		for _, p := range tree {
			names = append(names, fmt.Sprintf("%d %s", p, cmdline(p)))
		}
		took, hung := l.kill()
		t.Infof("Kill took %v; process tree was: %s", took.Round(time.Millisecond), strings.Join(names, "; "))
		t.Check(len(hung) == 0, "go-plugin's Kill did not return within %v: it waits for the plugin's stdout/stderr to close, and these processes still held them: %s", killTimeout, strings.Join(hung, "; "))
		t.Check(l.client.Exited(), "go-plugin does not see the process as exited")
		t.Check(!strings.Contains(l.hostLog.String(), "plugin failed to exit gracefully"),
			"go-plugin had to kill the process (\"plugin failed to exit gracefully\") after %v", took.Round(time.Millisecond))
		t.Check(took < 1500*time.Millisecond, "Kill took %v, want under ~1 s", took.Round(time.Millisecond))
		left := waitGone(tree, 2*time.Second)
		var leftNames []string
		for _, p := range left {
			leftNames = append(leftNames, fmt.Sprintf("%d %s", p, cmdline(p)))
		}
		killLeftovers(left)
		t.Check(len(left) == 0, "still running after Kill: %s", strings.Join(leftNames, "; "))
	})

	h.s.run("logs: stderr is hclog JSON (@level, @message, @timestamp)", func(t *T) {
		lines := l.stderr.Lines()
		t.Check(len(lines) > 0, "the plugin wrote nothing on stderr")
		for i, line := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("stderr line %d is not JSON: %q", i+1, line)
			}
			for _, k := range []string{"@level", "@message", "@timestamp"} {
				_, ok := m[k]
				t.Check(ok, "stderr line %d lacks %s: %q", i+1, k, line)
			}
		}
		t.Infof("%d log lines", len(lines))
	})

	h.s.run("logs: no secret on stderr or stdout", func(t *T) {
		if where := h.fx.leak(l.stderr.String()); where != "" {
			t.Fatalf("stderr: %s", where)
		}
		if where := h.fx.leak(l.stdout.String()); where != "" {
			t.Fatalf("stdout: %s", where)
		}
	})
}
