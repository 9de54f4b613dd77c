#!/bin/sh
# Starts the sidecar standalone: gRPC for Grafana on 0.0.0.0:10001, the HTTP API on :8080.
# gRPC beyond loopback needs TAPO_GRPC_SECRET (or TAPO_GRPC_SECRET_FILE): the sidecar reads it from
# the environment and refuses to start without it; it never goes on the command line.
#
# The HTTP API needs a bearer token (TAPO_API_TOKEN) to listen beyond loopback. Without one it
# listens on the container's own loopback with --no-auth: the health check (run inside the
# container) still works, and nothing outside the container can reach it. Extra arguments are
# passed on (e.g. --config /config/cameras.yaml, --no-demo, --log-level debug).
set -eu

# TAPO_SIDECAR_MAIN: another bundle path (tests use it; the image mounts the plugin at /plugin).
main="${TAPO_SIDECAR_MAIN:-/plugin/sidecar/main.mjs}"
if [ ! -f "$main" ]; then
  echo "{\"@level\":\"error\",\"@message\":\"$main is missing: run 'npm run build' and mount dist/datasource at /plugin\"}" >&2
  exit 1
fi

grpc="${TAPO_GRPC_ADDRESS:-0.0.0.0:10001}"
http="${TAPO_HTTP_ADDRESS:-}"
auth=""
if [ -z "$http" ]; then
  if [ -n "${TAPO_API_TOKEN:-}" ]; then
    http=0.0.0.0:8080
  else
    http=127.0.0.1:8080
    auth=--no-auth
  fi
fi

# shellcheck disable=SC2086 # $auth is one flag or nothing
exec "${TAPO_NODE:-node}" "$main" --standalone --grpc "$grpc" --http "$http" $auth --data-dir "${TAPO_DATA_DIR:-/data}" "$@"
