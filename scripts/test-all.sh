#!/usr/bin/env bash
# The whole test suite: lint, typecheck, frontend tests, sidecar tests, the pytapo peer test,
# the TPAP peer test (login v4), the build, and the conformance harness (Grafana's Go SDK driving the built plugin).
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund || exit 1
fi

declare -a names=() results=()
step() {
  local name="$1"; shift
  echo
  echo "=============== $name ==============="
  if "$@"; then results+=("pass"); else results+=("FAIL"); fi
  names+=("$name")
}

step "lint" npm run --silent lint
step "typecheck" npm run --silent typecheck
step "frontend tests (jest)" npm run --silent test:ci
step "sidecar tests (node:test)" npm run --silent test:sidecar
step "pytapo peer test" bash test/peer/run.sh
step "TPAP peer test (tpap-peer client)" bash test/peer/run-tpap.sh
step "provisioning files" node --import tsx --test test/provisioning/
step "build (dist/)" npm run --silent build
step "browser test (chromium)" npm run --silent test:browser
step "conformance harness (grafana-plugin-sdk-go)" npm run --silent test:conformance

echo
echo "=============== summary ==============="
passed=0; failed=0
for i in "${!names[@]}"; do
  printf '%-48s %s\n' "${names[$i]}" "${results[$i]}"
  if [ "${results[$i]}" = pass ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
