package main

import (
	"fmt"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
)

// suite runs named cases and prints one line per case: PASS, FAIL (with the reason) or SKIP.
// A case ends at its first failed check; panics inside a case are caught and reported as failures
// so one broken case never hides the others.
type suite struct {
	passed, failed, skipped int
	filter                  *regexp.Regexp
	verbose                 bool
}

// T is what a case gets: checks that end the case on failure, and info lines.
type T struct {
	name    string
	verbose bool
	outcome string // "", "fail", "skip"
	reason  string
	infos   []string
}

type caseEnd struct{}

func (t *T) Fatalf(format string, args ...any) {
	t.outcome = "fail"
	t.reason = fmt.Sprintf(format, args...)
	panic(caseEnd{})
}

func (t *T) Skipf(format string, args ...any) {
	t.outcome = "skip"
	t.reason = fmt.Sprintf(format, args...)
	panic(caseEnd{})
}

// Infof records a figure or an observation printed under the case's result line.
func (t *T) Infof(format string, args ...any) {
	t.infos = append(t.infos, fmt.Sprintf(format, args...))
}

func (t *T) Check(ok bool, format string, args ...any) {
	if !ok {
		t.Fatalf(format, args...)
	}
}

func (t *T) NoErr(err error, what string) {
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (s *suite) run(name string, fn func(t *T)) bool {
	if s.filter != nil && !s.filter.MatchString(name) {
		return true
	}
	return s.runCase(name, fn)
}

// prerequisite runs a case that later cases need (the cameras, the started plugin) whatever
// -run says, so that `-run alert` runs the alert cases rather than nothing.
func (s *suite) prerequisite(name string, fn func(t *T)) bool {
	return s.runCase(name, fn)
}

func (s *suite) runCase(name string, fn func(t *T)) bool {
	t := &T{name: name, verbose: s.verbose}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(caseEnd); ok {
					return
				}
				t.outcome = "fail"
				t.reason = fmt.Sprintf("panic: %v", r)
				if s.verbose {
					t.reason += "\n" + string(debug.Stack())
				}
			}
		}()
		fn(t)
	}()
	switch t.outcome {
	case "fail":
		s.failed++
		fmt.Printf("FAIL %s: %s\n", name, oneLine(t.reason))
	case "skip":
		s.skipped++
		fmt.Printf("SKIP %s: %s\n", name, oneLine(t.reason))
	default:
		s.passed++
		fmt.Printf("PASS %s\n", name)
	}
	for _, info := range t.infos {
		fmt.Printf("     %s\n", oneLine(info))
	}
	return t.outcome != "fail"
}

func (s *suite) summary() int {
	fmt.Printf("%d passed, %d failed\n", s.passed, s.failed)
	if s.failed > 0 {
		return 1
	}
	return 0
}

// oneLine keeps each report line a single line, and bounds its length so a dumped frame or a
// stderr tail stays readable.
func oneLine(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\n", " | ")
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "conformance: "+format+"\n", args...)
}
