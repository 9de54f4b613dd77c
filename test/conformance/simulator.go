package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// simCamera is one line of the simulator's output: one JSON object per simulated camera.
type simCamera struct {
	raw map[string]any
}

func (s simCamera) str(keys ...string) string {
	for _, k := range keys {
		if v, ok := s.raw[k]; ok && v != nil {
			switch x := v.(type) {
			case string:
				if x != "" {
					return x
				}
			case float64:
				return strconv.FormatFloat(x, 'f', -1, 64)
			}
		}
	}
	return ""
}

func (s simCamera) boolean(keys ...string) (bool, bool) {
	for _, k := range keys {
		if v, ok := s.raw[k].(bool); ok {
			return v, true
		}
	}
	return false, false
}

// simMotionMeanMs: the simulated cameras trigger a motion/person event this often on average
// (exponential intervals), so events, motion counts and the motion alert have something to show.
const simMotionMeanMs = 3000

// startSimulator runs `npm run simulator -w sidecar -- --cameras n --host 127.0.0.1 --base-port P`
// from the repository root and reads one JSON line per camera.
func startSimulator(ctx context.Context, repo string, n int, password string) (*child, []simCamera, error) {
	// The ports are probed free, then bound by the simulator: another process may take one in
	// between, so a start that meets EADDRINUSE tries another range.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var sim *child
		var cams []simCamera
		sim, cams, err = startSimulatorOnce(ctx, repo, n, password)
		if err == nil || !strings.Contains(err.Error(), "EADDRINUSE") {
			return sim, cams, err
		}
	}
	return nil, nil, err
}

func startSimulatorOnce(ctx context.Context, repo string, n int, password string) (*child, []simCamera, error) {
	base, err := freePortRange(n * 10)
	if err != nil {
		return nil, nil, err
	}
	args := []string{"run", "simulator", "-w", "sidecar", "--", "--cameras", strconv.Itoa(n), "--host", "127.0.0.1", "--base-port", strconv.Itoa(base),
		// A password unique to this run, so the secret checks cannot match by accident; motion
		// every few seconds so events and motion counts have something to show.
		"--password", password, "--auto-motion-ms", strconv.Itoa(simMotionMeanMs)}
	// With ffmpeg, each camera also serves RTSP and ONVIF (their ports come in its JSON line).
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		args = append(args, "--media")
	}
	sim, err := startChild(repo, os.Environ(), "npm", args...)
	if err != nil {
		return nil, nil, fmt.Errorf("npm %s: %w", strings.Join(args, " "), err)
	}
	var cams []simCamera
	for len(cams) < n {
		line, err := sim.nextLine(ctx)
		if err != nil {
			sim.stop(2 * time.Second)
			return nil, nil, fmt.Errorf("simulator gave %d of %d camera lines (%v); stdout: %s; stderr: %s",
				len(cams), n, err, sim.stdout.tail(5), sim.stderr.tail(10))
		}
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "{") {
			continue // npm's own banner lines
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			continue
		}
		if _, hasPort := m["port"]; !hasPort {
			continue // a log line, not a camera
		}
		cams = append(cams, simCamera{raw: m})
	}
	return sim, cams, nil
}

// toCamera maps a simulator line ({name, model, host, port, user, cloudPassword,
// cameraAccount: {username, password}, battery, rtspPort, ...}) to the datasource's camera settings.
func (s simCamera) toCamera(id, name string) *camera {
	host := s.str("host")
	if port := s.str("port"); port != "" && !strings.Contains(host, ":") {
		host = host + ":" + port
	}
	c := &camera{
		ID:       id,
		Name:     name,
		Host:     host,
		Username: s.str("user", "username"),
		Password: s.str("cloudPassword", "password"),
		Model:    s.str("model"),
		Expect:   "online",
	}
	if acc, ok := s.raw["cameraAccount"].(map[string]any); ok {
		c.Account, _ = acc["username"].(string)
		c.AccountPassword, _ = acc["password"].(string)
	}
	if v, ok := s.raw["rtspPort"].(float64); ok {
		c.RtspPort = int(v)
	}
	if v, ok := s.raw["onvifPort"].(float64); ok {
		c.OnvifPort = int(v)
	}
	if b, ok := s.boolean("battery"); ok {
		c.ReportsTemperature = b
	} else {
		c.ReportsTemperature = batteryModel(c.Model)
	}
	return c
}

// batteryModel: only battery/hub children report a temperature; wired Tapo cameras report none.
func batteryModel(model string) bool {
	m := strings.ToUpper(model)
	return strings.HasPrefix(m, "C4") || strings.HasPrefix(m, "D2") || strings.HasPrefix(m, "TC8")
}
