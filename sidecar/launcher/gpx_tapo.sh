#!/bin/sh
# Grafana runs this as the Tapo Cameras datasource's backend (gpx_tapo_<os>_<arch>).
#
# Two modes:
# - managed: find a node binary (v20+) by absolute path — Grafana may not pass PATH — and run
#   the bundled sidecar beside this file;
# - locator: when a sidecar address is configured (ini [plugin.camwatch-tapo-datasource]
#   sidecar_address = host:port, which Grafana passes as GF_PLUGIN_SIDECAR_ADDRESS, or
#   TAPO_SIDECAR_ADDRESS):
#   - with the gRPC link secret (grpc_secret_file / grpc_secret in that section, or
#     TAPO_GRPC_SECRET_FILE / TAPO_GRPC_SECRET), run the relay beside this file (tapo-relay.mjs,
#     needs node): Grafana talks plain gRPC to it on 127.0.0.1, it talks TLS with the secret to
#     the sidecar;
#   - without a secret, only for a sidecar on loopback (same host or pod): print go-plugin's
#     handshake pointing at that address and stay alive. Any other address is refused.
[ -n "$PATH" ] || PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)

# fail MESSAGE [ADDRESS]: one hclog JSON line on stderr, exit 1.
fail() {
  if [ -n "$2" ]; then
    echo "{\"@level\":\"error\",\"@message\":\"$1\",\"address\":\"$2\"}" >&2
  else
    echo "{\"@level\":\"error\",\"@message\":\"$1\"}" >&2
  fi
  exit 1
}

find_node() {
  node="${GF_PLUGIN_NODE_PATH:-$TAPO_NODE}"
  if [ -z "$node" ]; then
    for candidate in "$(command -v node 2>/dev/null)" /usr/local/bin/node /usr/bin/node /opt/node/bin/node \
      /usr/local/nodejs/bin/node /opt/homebrew/bin/node /snap/bin/node; do
      if [ -n "$candidate" ] && [ -x "$candidate" ]; then node="$candidate"; break; fi
    done
  fi
  if [ -z "$node" ] || [ ! -x "$node" ]; then
    fail "$1"
  fi
}

address="${GF_PLUGIN_SIDECAR_ADDRESS:-$TAPO_SIDECAR_ADDRESS}"
if [ -n "$address" ]; then
  case "$address" in
    *:[0-9]*) ;;
    *) fail "sidecar address must be host:port" "$address" ;;
  esac
  if [ -n "$GF_PLUGIN_GRPC_SECRET_FILE$GF_PLUGIN_GRPC_SECRET$TAPO_GRPC_SECRET_FILE$TAPO_GRPC_SECRET" ]; then
    find_node "node (v20 or later) was not found: the relay to a remote sidecar needs it; install it, or set node_path in [plugin.camwatch-tapo-datasource]"
    # exec: Grafana's kill reaches the relay itself, and nothing else holds stdout.
    exec "$node" "$dir/tapo-relay.mjs"
  fi
  case "${address%:*}" in
    localhost | 127.* | "[::1]") ;;
    *) fail "the sidecar address is not on loopback, so the link needs the shared secret: set grpc_secret_file in [plugin.camwatch-tapo-datasource] (or TAPO_GRPC_SECRET) to the sidecar's TAPO_GRPC_SECRET" "$address" ;;
  esac
  printf '1|2|tcp|%s|grpc\n' "$address"
  echo "{\"@level\":\"info\",\"@message\":\"locator: Grafana connects to the Tapo sidecar at $address (loopback, plain gRPC)\"}" >&2
  # exec: the locator becomes the sleep, so when Grafana kills it nothing is left holding stdout.
  exec sleep 2147483647
fi

find_node "node (v20 or later) was not found: install it, or set node_path in [plugin.camwatch-tapo-datasource], or run the sidecar in its own container and set sidecar_address"
exec "$node" "$dir/sidecar/main.mjs" "$@"
