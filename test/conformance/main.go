// Command conformance drives the Tapo Cameras datasource's backend exactly as Grafana does (the
// Grafana plugin SDK's gRPC stubs on a hashicorp/go-plugin client configured like Grafana's) and
// checks every answer with the SDK's own readers. It prints one line per case and ends with
// "N passed, N failed"; the exit status is 1 when any case failed.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

type config struct {
	repo        string // repository root (runs the simulator from here)
	appDir      string // dist: the app plugin's folder, as copied into Grafana's plugins folder
	pluginDir   string // the nested datasource's folder inside appDir (dist/datasource)
	launcher    string // <pluginDir>/gpx_tapo_linux_amd64
	sidecarMain string // the bundled sidecar entry for standalone mode
	node        string
	simulators  int
	dataDir     string
}

type harness struct {
	cfg config
	s   *suite
	fx  *fixture

	mu       sync.Mutex
	cleanups []func()
}

func (h *harness) onCleanup(fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cleanups = append(h.cleanups, fn)
}

// cleanup stops everything the harness started, newest first. Idempotent.
func (h *harness) cleanup() {
	h.mu.Lock()
	fns := h.cleanups
	h.cleanups = nil
	h.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

func main() {
	var cfg config
	var run string
	var verbose bool
	flag.StringVar(&cfg.repo, "repo", ".", "repository root")
	flag.StringVar(&cfg.appDir, "app-dir", "", "built app plugin directory (default <repo>/dist)")
	flag.StringVar(&cfg.pluginDir, "plugin-dir", "", "built datasource plugin directory (default: the folder nested in the app whose plugin.json has id "+pluginID+")")
	flag.StringVar(&cfg.sidecarMain, "sidecar-main", "", "bundled sidecar entry for --standalone (default: <plugin-dir>/sidecar/main.{mjs,cjs,js})")
	flag.StringVar(&cfg.node, "node", "", "node binary for the standalone sidecar (default: node on PATH)")
	flag.IntVar(&cfg.simulators, "simulated-cameras", 3, "simulated cameras that must come online")
	flag.StringVar(&run, "run", "", "only run cases whose name matches this regexp")
	flag.BoolVar(&verbose, "v", false, "verbose: stack traces and process logs on failure")
	flag.Parse()

	var err error
	if cfg.repo, err = filepath.Abs(cfg.repo); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if cfg.appDir == "" {
		cfg.appDir = filepath.Join(cfg.repo, "dist")
	}
	cfg.appDir, _ = filepath.Abs(cfg.appDir)
	if cfg.pluginDir == "" {
		dir, err := findNestedPlugin(cfg.appDir, pluginID)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		cfg.pluginDir = dir
	}
	cfg.pluginDir, _ = filepath.Abs(cfg.pluginDir)
	cfg.launcher = filepath.Join(cfg.pluginDir, "gpx_tapo_linux_amd64")
	if cfg.sidecarMain == "" {
		cfg.sidecarMain = findSidecarMain(cfg.pluginDir)
	}
	tmp, err := os.MkdirTemp("", "tapo-conformance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg.dataDir = tmp

	s := &suite{verbose: verbose}
	if run != "" {
		s.filter = regexp.MustCompile("(?i)" + run) // case-insensitive: -run Video finds "video" cases
	}
	h := &harness{cfg: cfg, s: s}
	h.onCleanup(func() { _ = os.RemoveAll(tmp) })

	// Ctrl-C or a CI timeout must not leave simulators or sidecars behind.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		logf("interrupted: stopping the processes the harness started")
		h.cleanup()
		os.Exit(130)
	}()

	code := h.runAll()
	h.cleanup()
	os.Exit(code)
}

// findNestedPlugin finds a plugin inside an app's folder as Grafana's loader does: every
// plugin.json below the app's own is a nested plugin, identified by its id.
func findNestedPlugin(appDir, id string) (string, error) {
	var found string
	err := filepath.WalkDir(appDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		if d.IsDir() || d.Name() != "plugin.json" || filepath.Dir(path) == appDir {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var pj struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(b, &pj) == nil && pj.ID == id {
			found = filepath.Dir(path)
			return filepath.SkipAll
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("reading the app folder %s: %w (run npm run build)", appDir, err)
	}
	if found == "" {
		return "", fmt.Errorf("no nested plugin %s in the app folder %s (run npm run build)", id, appDir)
	}
	return found, nil
}

func findSidecarMain(pluginDir string) string {
	for _, name := range []string{"main.mjs", "main.cjs", "main.js"} {
		p := filepath.Join(pluginDir, "sidecar", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join(pluginDir, "sidecar", "main.mjs")
}

func (h *harness) runAll() int {
	ctx := context.Background()

	h.launcherCases()
	h.arrowEdgeCases()
	h.setupCameras(ctx)

	managed := h.managedCases(ctx)
	h.shutdownCases(managed)
	h.locatorCases(ctx)
	h.skipHostEnvCase(ctx)

	return h.s.summary()
}

// pluginEnv is the environment Grafana gives a plugin process: its own variables (GF_VERSION,
// GF_EDITION, GF_PLUGIN_<KEY> for the plugin's ini section) on top of the host's. go-plugin adds the
// magic cookie, PLUGIN_PROTOCOL_VERSIONS and the port range itself.
func (h *harness) pluginEnv(extra ...string) []string {
	// The developer's own TAPO_*/GF_PLUGIN_* settings (a sidecar address, a config file) would change
	// what is under test: start from the host environment without them.
	env := withoutPrefixes(os.Environ(), "TAPO_", "GF_PLUGIN_")
	env = append(env,
		"GF_VERSION=10.4.8",
		"GF_EDITION=Open",
		"GF_PLUGIN_APP_CLIENT_SECRET=",
		// Keep the run's history out of the repository and away from earlier runs.
		"GF_PLUGIN_DATA_DIR="+filepath.Join(h.cfg.dataDir, "managed"),
		"TAPO_DATA_DIR="+filepath.Join(h.cfg.dataDir, "managed"),
	)
	return append(env, extra...)
}

func withoutPrefixes(env []string, prefixes ...string) []string {
	var out []string
	for _, kv := range env {
		keep := true
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

func withoutVars(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		keep := true
		for _, n := range names {
			if len(kv) > len(n) && kv[:len(n)+1] == n+"=" {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// eventually polls fn until it reports ready or the deadline passes; it returns fn's last word.
// For waiting on an external process (the sidecar polling cameras): bounded, never a fixed sleep.
func eventually(within, every time.Duration, fn func() (bool, string)) (bool, string) {
	deadline := time.Now().Add(within)
	for {
		ok, why := fn()
		if ok {
			return true, why
		}
		if time.Now().After(deadline) {
			return false, why
		}
		time.Sleep(every)
	}
}
