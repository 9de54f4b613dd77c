#!/bin/sh
# Grafana runs this as the Tapo Cameras datasource's backend (gpx_tapo_<os>_<arch>).
#
# Two modes:
# - managed: find a node binary (v20+) by absolute path — Grafana may not pass PATH — and run
#   the bundled sidecar beside this file;
# - locator: when a sidecar address is configured (ini [plugin.camwatch-tapo-datasource]
#   sidecar_address = host:port, which Grafana passes as GF_PLUGIN_SIDECAR_ADDRESS, or
#   TAPO_SIDECAR_ADDRESS), print go-plugin's handshake pointing at that sidecar and stay alive.
#   The gRPC link is then plaintext: keep it inside one pod or compose network.
[ -n "$PATH" ] || PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

address="${GF_PLUGIN_SIDECAR_ADDRESS:-$TAPO_SIDECAR_ADDRESS}"
if [ -n "$address" ]; then
  case "$address" in
    *:[0-9]*) ;;
    *) echo "{\"@level\":\"error\",\"@message\":\"sidecar address must be host:port\",\"address\":\"$address\"}" >&2; exit 1 ;;
  esac
  printf '1|2|tcp|%s|grpc\n' "$address"
  echo "{\"@level\":\"info\",\"@message\":\"locator: Grafana connects to the Tapo sidecar at $address\"}" >&2
  # exec: the locator becomes the sleep, so when Grafana kills it nothing is left holding stdout.
  exec sleep 2147483647
fi

dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
node="${GF_PLUGIN_NODE_PATH:-$TAPO_NODE}"
if [ -z "$node" ]; then
  for candidate in "$(command -v node 2>/dev/null)" /usr/local/bin/node /usr/bin/node /opt/node/bin/node \
    /usr/local/nodejs/bin/node /opt/homebrew/bin/node /snap/bin/node; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then node="$candidate"; break; fi
  done
fi
if [ -z "$node" ] || [ ! -x "$node" ]; then
  echo '{"@level":"error","@message":"node (v20 or later) was not found: install it, or set node_path in [plugin.camwatch-tapo-datasource], or run the sidecar in its own container and set sidecar_address"}' >&2
  exit 1
fi
exec "$node" "$dir/sidecar/main.mjs" "$@"
