#!/usr/bin/env bash
# The whole test suite: lint, typecheck, frontend tests (React 18 and 19), the Grafana range
# (levitate), sidecar tests (on each Node given), the pytapo and TPAP peer tests, the build, the
# built app as Grafana's loader reads it, and the conformance harness (Grafana's Go SDK driving the plugin).
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund || exit 1
fi
# React 19 for the second frontend run lives in its own folder (jest.react19.config.js).
if [ ! -d test/react19/node_modules ]; then
  npm ci --prefix test/react19 --no-audit --no-fund || exit 1
fi

declare -a names=() results=()
step() {
  local name="$1"; shift
  echo
  echo "=============== $name ==============="
  # Exit 77 (the automake convention) is a suite that could not run here and said why: skipped.
  "$@"
  case $? in
    0) results+=("pass") ;;
    77) results+=("skipped") ;;
    *) results+=("FAIL") ;;
  esac
  names+=("$name")
}

step "lint" npm run --silent lint
step "typecheck" npm run --silent typecheck
step "frontend tests (jest, React 18)" npm run --silent test:ci
step "frontend tests (jest, React 19)" npm run --silent test:react19
step "Grafana range (levitate: oldest claimed, newest 13.x)" npm run --silent test:levitate
step "sidecar tests (node:test, $(node --version))" npm run --silent test:sidecar
# The bundled sidecar runs on whatever Node the Grafana host has (>= 22.13): its tests run again on
# each node binary in TAPO_EXTRA_NODES (.ci/run passes Node 24 and 26 besides the Node 22 build).
for extra in ${TAPO_EXTRA_NODES:-}; do
  step "sidecar tests (node:test, $("$extra" --version))" "$extra" sidecar/scripts/run-tests.mjs
done
step "pytapo peer test" bash test/peer/run.sh
step "TPAP peer test (tpap-peer client)" bash test/peer/run-tpap.sh
step "provisioning files" node --import tsx --test test/provisioning/*.test.mjs
# Three sites, each a sidecar and a Prometheus agent, into a real VictoriaMetrics; the central store
# away for 10 minutes in CI (TAPO_SITES_OUTAGE_SECONDS), one site killed with -9.
step "many sites (Prometheus agents, VictoriaMetrics)" node --test test/sites/*.test.mjs
step "build (dist/)" npm run --silent build
step "built app as Grafana's plugin loader reads it" npm run --silent test:app
step "browser test (chromium)" npm run --silent test:browser
step "conformance harness (grafana-plugin-sdk-go)" npm run --silent test:conformance

echo
echo "=============== summary ==============="
passed=0; failed=0; skipped=0
for i in "${!names[@]}"; do
  printf '%-48s %s\n' "${names[$i]}" "${results[$i]}"
  case "${results[$i]}" in
    pass) passed=$((passed + 1)) ;;
    skipped) skipped=$((skipped + 1)) ;;
    *) failed=$((failed + 1)) ;;
  esac
done
echo "suites: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
