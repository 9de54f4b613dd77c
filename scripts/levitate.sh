#!/usr/bin/env bash
# Proves the Grafana range plugin.json claims: @grafana/levitate (pinned in package.json) checks
# that every plugin's module (the app's and the nested datasource's and panel's) uses only APIs
# that exist, with compatible types, in the oldest Grafana we claim (grafanaDependency's lower
# bound in src/plugin.json) and in the newest 13.x packages. Levitate fetches the target
# packages from the npm registry. Prints "N passed, N failed"; exit 1 on any incompatibility.
set -uo pipefail
cd "$(dirname "$0")/.."

# The newest Grafana we claim and check; bump it with the packages' releases.
NEWEST="${LEVITATE_NEWEST:-13.2.3}"
OLDEST="${LEVITATE_OLDEST:-$(node -p "require('./src/plugin.json').dependencies.grafanaDependency.match(/>=\s*([0-9.]+)/)[1]")}"

targets() { echo "@grafana/data@$1,@grafana/ui@$1,@grafana/runtime@$1"; }
modules=$(ls src/module.ts* src/*/module.ts* 2>/dev/null)

# Pairs read and accepted (scripts/levitate-known.txt says why).
known_reason() { awk -v m="$1" -v v="$2" '$1 == m && $2 == v { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' scripts/levitate-known.txt; }

passed=0; failed=0; known=0
for version in "$OLDEST" "$NEWEST"; do
  for module in $modules; do
    echo "::: levitate: $module against Grafana $version"
    if npx --no-install levitate is-compatible --path "$module" --target "$(targets "$version")"; then
      passed=$((passed + 1))
    elif reason="$(known_reason "$module" "$version")" && [ -n "$reason" ]; then
      echo "KNOWN: $module with Grafana $version packages: $reason"
      known=$((known + 1))
    else
      echo "INCOMPATIBLE: $module with Grafana $version packages"
      failed=$((failed + 1))
    fi
  done
done
echo "levitate: $passed passed, $failed failed ($known known, listed in scripts/levitate-known.txt)"
[ "$failed" -eq 0 ]
