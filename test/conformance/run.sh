#!/usr/bin/env bash
# Conformance harness: drives dist/datasource/gpx_tapo_linux_amd64 (the datasource nested in the app) as Grafana does
# (go-plugin + the Grafana plugin SDK) and prints "N passed, N failed". Exit status 1 on any failure.
# Usage (from anywhere): bash test/conformance/run.sh [-run REGEXP] [-v]
# Needs: go (>= the version in go.mod), node, npm (the simulator), a built plugin (npm run build).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
(cd "$here" && go build -buildvcs=false -o bin/conformance .)
exec "$here/bin/conformance" -repo "$repo" "$@"
