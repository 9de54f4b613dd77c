package main

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

const pluginID = "camwatch-tapo-datasource"

// camera is one camera of the datasource under test, and what the harness expects of it.
type camera struct {
	ID              string
	Name            string
	Host            string
	Username        string
	Password        string // local API password (secureJsonData password.<id>)
	Account         string // camera account (RTSP/ONVIF)
	AccountPassword string
	Model           string // the simulator's model; "" when unknown
	Expect          string // "online", "offline" or "auth_failed"
	RtspPort        int    // the simulator's RTSP port, when it serves one
	OnvifPort       int
	// ReportsTemperature is what the simulator says (or, failing that, what the model implies).
	ReportsTemperature bool
}

// fixture holds the datasource settings every request carries, and the secrets that must never
// show up in any answer.
type fixture struct {
	mu          sync.Mutex
	uid         string
	dsID        int64
	dsName      string
	cameras     []*camera
	lastUpdated int64
	extraJSON   map[string]any
	secrets     []string
}

func newFixture(cams []*camera) *fixture {
	f := &fixture{
		uid:         "conformance-" + randomToken(6),
		dsID:        7,
		dsName:      "Tapo Cameras (conformance)",
		cameras:     cams,
		lastUpdated: time.Now().UnixMilli(),
		extraJSON:   map[string]any{},
	}
	for _, c := range cams {
		f.addSecret(c.Password)
		f.addSecret(c.AccountPassword)
	}
	return f
}

// addSecret records a secret and the digests of it a Tapo client computes (MD5/SHA-256 hex),
// so the harness also catches a leaked hash.
func (f *fixture) addSecret(s string) {
	if len(s) < 6 { // too short to search for without false positives
		return
	}
	md := md5.Sum([]byte(s))
	sh := sha256.Sum256([]byte(s))
	f.secrets = append(f.secrets, s, hex.EncodeToString(md[:]), hex.EncodeToString(sh[:]))
}

// leak returns a description of the first secret found in text, or "".
func (f *fixture) leak(text string) string {
	lower := strings.ToLower(text)
	for i, s := range f.secrets {
		if strings.Contains(lower, strings.ToLower(s)) {
			kind := []string{"password", "MD5 of a password", "SHA-256 of a password"}[i%3]
			at := strings.Index(lower, strings.ToLower(s))
			from := max(0, at-40)
			to := min(len(text), at+len(s)+20)
			ctx := strings.ReplaceAll(text[from:to], s, "<SECRET>")
			return fmt.Sprintf("%s found in %q", kind, ctx)
		}
	}
	return ""
}

func (f *fixture) camerasJSON() []map[string]any {
	var out []map[string]any
	for _, c := range f.cameras {
		m := map[string]any{
			"id":                  c.ID,
			"name":                c.Name,
			"host":                c.Host,
			"pollIntervalSeconds": 1,
			"stream":              "stream2",
		}
		if c.Username != "" {
			m["username"] = c.Username
		}
		if c.Account != "" {
			m["cameraAccount"] = c.Account
		}
		// The simulator serves RTSP/ONVIF on its own ports, not the camera's 554/2020.
		if c.RtspPort > 0 {
			m["rtspUrlOverride"] = fmt.Sprintf("rtsp://%s:%d/stream2", hostOnly(c.Host), c.RtspPort)
		}
		if c.OnvifPort > 0 {
			m["onvifPort"] = c.OnvifPort
		}
		out = append(out, m)
	}
	return out
}

// settings builds DataSourceInstanceSettings as Grafana sends them: jsonData bytes and the
// decrypted secureJsonData map.
func (f *fixture) settings() *pluginv2.DataSourceInstanceSettings {
	f.mu.Lock()
	defer f.mu.Unlock()
	jd := map[string]any{
		"connection":                 "managed",
		"cameras":                    f.camerasJSON(),
		"retentionHours":             1,
		"defaultPollIntervalSeconds": 1,
		"liveFps":                    2,
		"liveWidth":                  320,
	}
	for k, v := range f.extraJSON {
		jd[k] = v
	}
	b, _ := json.Marshal(jd)
	secure := map[string]string{}
	for _, c := range f.cameras {
		if c.Password != "" {
			secure["password."+c.ID] = c.Password
		}
		if c.AccountPassword != "" {
			secure["cameraPassword."+c.ID] = c.AccountPassword
		}
	}
	return &pluginv2.DataSourceInstanceSettings{
		Id:                      f.dsID,
		Name:                    f.dsName,
		JsonData:                b,
		DecryptedSecureJsonData: secure,
		LastUpdatedMS:           f.lastUpdated,
		Uid:                     f.uid,
	}
}

// pluginContext is what Grafana puts in every request made on behalf of a user.
func (f *fixture) pluginContext() *pluginv2.PluginContext {
	return &pluginv2.PluginContext{
		OrgId:                      1,
		PluginId:                   pluginID,
		User:                       &pluginv2.User{Login: "admin", Name: "admin", Email: "admin@localhost", Role: "Admin"},
		DataSourceInstanceSettings: f.settings(),
		GrafanaConfig: map[string]string{
			"GF_APP_URL": "http://localhost:3000/",
		},
		PluginVersion: "0.1.0",
		UserAgent:     "Grafana/10.4.8 (linux; amd64)",
	}
}

// alertContext is what the alerting scheduler sends: no user.
func (f *fixture) alertContext() *pluginv2.PluginContext {
	pc := f.pluginContext()
	pc.User = nil
	return pc
}

func (f *fixture) camera(id string) *camera {
	for _, c := range f.cameras {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (f *fixture) ids() []string {
	var out []string
	for _, c := range f.cameras {
		out = append(out, c.ID)
	}
	return out
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// unusedLoopbackPort returns a loopback port nothing listens on (bound then released).
func unusedLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port, nil
}

// freePortRange finds a base port with n consecutive free loopback ports after it.
func freePortRange(n int) (int, error) {
	for attempt := 0; attempt < 50; attempt++ {
		var rb [2]byte
		_, _ = rand.Read(rb[:])
		// Below Linux's ephemeral range (32768 and up, where outgoing connections take their
		// local ports): a range picked there could be taken between this probe and the bind.
		base := 20000 + (int(rb[0])<<8|int(rb[1]))%(32768-20000-n)
		ok := true
		for p := base; p < base+n; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			_ = l.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, fmt.Errorf("no %d consecutive free ports found", n)
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}
