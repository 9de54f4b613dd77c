package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// grafanaHandshake is the handshake Grafana's plugin client uses (pkg/plugins/backendplugin/grpcplugin):
// protocol version 2 and the datasource magic cookie, taken from the SDK's constants.
var grafanaHandshake = goplugin.HandshakeConfig{
	ProtocolVersion:  grpcplugin.ProtocolVersion,
	MagicCookieKey:   grpcplugin.MagicCookieKey,
	MagicCookieValue: grpcplugin.MagicCookieValue,
}

// grafanaPluginSet mirrors the v2 plugin set Grafana dispenses from (minus renderer/secrets
// manager, which a datasource never serves).
func grafanaPluginSet() goplugin.PluginSet {
	return goplugin.PluginSet{
		"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
		"resource":    &grpcplugin.ResourceGRPCPlugin{},
		"data":        &grpcplugin.DataGRPCPlugin{},
		"stream":      &grpcplugin.StreamGRPCPlugin{},
	}
}

// launched is one plugin process started the way Grafana starts it, with the typed clients
// Grafana dispenses.
type launched struct {
	client      *goplugin.Client
	rpc         goplugin.ClientProtocol
	data        grpcplugin.DataClient
	diagnostics grpcplugin.DiagnosticsClient
	resource    grpcplugin.ResourceClient
	stream      grpcplugin.StreamClient
	pid         int
	startTook   time.Duration
	stderr      *lineBuffer // the process's raw stderr
	stdout      *lineBuffer // stdout after the handshake line
	hostLog     *lineBuffer // go-plugin's own log (what Grafana would log about the process)
}

type launchOptions struct {
	executable string
	env        []string
	// skipHostEnv runs the process with only env (plus go-plugin's own variables), as Grafana
	// does with the pluginsSkipHostEnvVars feature flag: no PATH.
	skipHostEnv bool
}

// launch starts the executable with a go-plugin client configured as Grafana configures it:
// gRPC only, magic cookie, VersionedPlugins {2: ...}, no AutoMTLS, 1 minute start timeout.
func launch(opts launchOptions) (*launched, error) {
	cmd := exec.Command(opts.executable)
	cmd.Env = opts.env
	l := &launched{stderr: newLineBuffer(), stdout: newLineBuffer(), hostLog: newLineBuffer()}
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       "plugin.camwatch-tapo-datasource",
		Level:      hclog.Debug,
		Output:     l.hostLog,
		JSONFormat: true,
	})
	l.client = goplugin.NewClient(&goplugin.ClientConfig{
		Cmd:              cmd,
		HandshakeConfig:  grafanaHandshake,
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: grafanaPluginSet()},
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           logger,
		Stderr:           l.stderr,
		SyncStdout:       l.stdout,
		SkipHostEnv:      opts.skipHostEnv,
		StartTimeout:     time.Minute,
	})
	start := time.Now()
	rpc, err := l.client.Client()
	l.startTook = time.Since(start)
	if err != nil {
		l.kill()
		return l, err
	}
	l.rpc = rpc
	if rc := l.client.ReattachConfig(); rc != nil {
		l.pid = rc.Pid
	}
	if v := l.client.NegotiatedVersion(); v != 2 {
		return l, fmt.Errorf("negotiated protocol version %d, want 2", v)
	}
	if err := l.dispense(); err != nil {
		return l, err
	}
	return l, nil
}

func (l *launched) dispense() error {
	get := func(name string) (any, error) {
		raw, err := l.rpc.Dispense(name)
		if err != nil {
			return nil, fmt.Errorf("dispense %q: %w", name, err)
		}
		return raw, nil
	}
	raw, err := get("data")
	if err != nil {
		return err
	}
	l.data = raw.(grpcplugin.DataClient)
	if raw, err = get("diagnostics"); err != nil {
		return err
	}
	l.diagnostics = raw.(grpcplugin.DiagnosticsClient)
	if raw, err = get("resource"); err != nil {
		return err
	}
	l.resource = raw.(grpcplugin.ResourceClient)
	if raw, err = get("stream"); err != nil {
		return err
	}
	l.stream = raw.(grpcplugin.StreamClient)
	return nil
}

// kill stops the process as Grafana does (go-plugin's Kill: GRPCController.Shutdown, then up to 2 s
// for the process to exit, then SIGKILL, then it waits until the process's stdout and stderr close).
// When Kill has not returned after killTimeout (a child that outlived the process still holds those
// pipes, and go-plugin would wait for it), the harness ends the leftover processes of the tree by
// pid and reports them in hung. Safe to call twice.
func (l *launched) kill() (took time.Duration, hung []string) {
	if l == nil || l.client == nil {
		return 0, nil
	}
	tree := []int{}
	if l.pid > 0 {
		tree = append(tree, descendants(l.pid)...)
	}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		l.client.Kill()
		close(done)
	}()
	select {
	case <-done:
		return time.Since(start), nil
	case <-time.After(killTimeout):
	}
	for _, p := range tree {
		if alive(p) {
			hung = append(hung, fmt.Sprintf("%d %s", p, cmdline(p)))
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		hung = append(hung, "go-plugin's Kill still blocked after the leftovers were killed")
	}
	return time.Since(start), hung
}

const killTimeout = 6 * time.Second

// lineBuffer is a concurrency-safe writer that keeps everything written to it.
type lineBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func newLineBuffer() *lineBuffer { return &lineBuffer{} }

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lineBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lineBuffer) Lines() []string {
	var out []string
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
	}
	return out
}

// tail returns the last n lines, for failure reasons.
func (b *lineBuffer) tail(n int) string {
	lines := b.Lines()
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ---- process helpers (Linux /proc) ----

// descendants lists the live descendants of pid, so the shutdown case can check that the
// launcher took its node child with it.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, state, ok := procStat(p)
		if !ok || state == "Z" {
			continue
		}
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// alive reports whether pid is a running (non-zombie) process.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	_, state, ok := procStat(pid)
	return ok && state != "Z" && state != "X"
}

func procStat(pid int) (ppid int, state string, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", false
	}
	s := string(b)
	// The command name is in parentheses and may contain spaces: parse after the last ')'.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, "", false
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 2 {
		return 0, "", false
	}
	ppid, err = strconv.Atoi(fields[1])
	if err != nil {
		return 0, "", false
	}
	return ppid, fields[0], true
}

func cmdline(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// waitGone polls (bounded) until none of pids is alive.
func waitGone(pids []int, within time.Duration) []int {
	deadline := time.Now().Add(within)
	for {
		var left []int
		for _, p := range pids {
			if alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ---- processes the harness starts itself (simulator, standalone sidecar, raw launcher) ----

// child is a process group the harness owns; stop ends exactly that group.
type child struct {
	cmd    *exec.Cmd
	stdout *lineBuffer
	stderr *lineBuffer
	lines  chan string // stdout lines as they arrive
	done   chan struct{}
	err    error
}

func startChild(dir string, env []string, name string, args ...string) (*child, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c := &child{cmd: cmd, stdout: newLineBuffer(), stderr: newLineBuffer(), lines: make(chan string, 1024), done: make(chan struct{})}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
		for sc.Scan() {
			line := sc.Text()
			_, _ = c.stdout.Write([]byte(line + "\n"))
			select {
			case c.lines <- line:
			default: // nobody is reading lines any more; the buffer still has them
			}
		}
		_, _ = io.Copy(io.Discard, out)
		close(c.lines)
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the child's process group, then SIGKILL after grace.
func (c *child) stop(grace time.Duration) {
	if c == nil || c.cmd.Process == nil {
		return
	}
	pgid := c.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-c.done
	}
	// Members of the group that outlived the leader.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// nextLine waits for the next stdout line, bounded by ctx.
func (c *child) nextLine(ctx context.Context) (string, error) {
	select {
	case line, ok := <-c.lines:
		if !ok {
			return "", errors.New("process closed stdout")
		}
		return line, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// killLeftovers ends processes of a plugin tree the harness started that outlived go-plugin's Kill
// (after the case has recorded them), by pid.
func killLeftovers(pids []int) {
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
}
