#!/bin/sh
# Grafana runs this as the Tapo Cameras datasource's backend (gpx_tapo_<os>_<arch>).
#
# Two modes:
# - managed: find a node binary (v22.13+) by absolute path — Grafana may not pass PATH — and run
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

# The oldest node the sidecar and the relay run on (sidecar/src/node-version.ts: node:sqlite is
# unflagged from 22.13).
min_major=22
min_minor=13

# node_version NODE: prints NODE's version (22.13.0) if it is at least min_major.min_minor, else
# prints what it is and fails.
node_version() {
  v=$("$1" --version 2>/dev/null) || { echo "does not run"; return 1; }
  v=${v#v}
  major=${v%%.*}
  minor=${v#*.}
  minor=${minor%%.*}
  case "$major.$minor" in
    *[!0-9.]* | .* | *.) echo "v$v"; return 1 ;;
  esac
  echo "$v"
  [ "$major" -gt "$min_major" ] || { [ "$major" -eq "$min_major" ] && [ "$minor" -ge "$min_minor" ]; }
}

# try_node CANDIDATE: sets node when CANDIDATE is a node recent enough; notes it in too_old when not.
try_node() {
  [ -n "$1" ] && [ -x "$1" ] && [ ! -d "$1" ] || return 1
  # PATH's node is often one of the usual places too: ask each once.
  case " $tried " in *" $1 "*) return 1 ;; esac
  tried="$tried $1"
  if version=$(node_version "$1"); then
    node="$1"
    return 0
  fi
  too_old="${too_old:+$too_old, }$1 ($version)"
  return 1
}

# find_node MESSAGE: sets node to the first node found that is recent enough. An explicit
# node_path (GF_PLUGIN_NODE_PATH, or TAPO_NODE) is the only candidate; otherwise PATH's and the
# usual places. None at all: fails with MESSAGE; only older ones: fails naming them.
find_node() {
  node=""
  too_old=""
  tried=""
  explicit="${GF_PLUGIN_NODE_PATH:-$TAPO_NODE}"
  if [ -n "$explicit" ]; then
    try_node "$explicit" && return 0
  else
    for candidate in "$(command -v node 2>/dev/null)" /usr/local/bin/node /usr/bin/node /opt/node/bin/node \
      /usr/local/nodejs/bin/node /opt/homebrew/bin/node /snap/bin/node; do
      try_node "$candidate" && return 0
    done
  fi
  if [ -n "$too_old" ]; then
    fail "node $min_major.$min_minor or later is needed, and the only node found is too old: $too_old; install a current node, or set node_path in [plugin.camwatch-tapo-datasource] to one"
  fi
  fail "$1"
}

address="${GF_PLUGIN_SIDECAR_ADDRESS:-$TAPO_SIDECAR_ADDRESS}"
if [ -n "$address" ]; then
  case "$address" in
    *:[0-9]*) ;;
    *) fail "sidecar address must be host:port" "$address" ;;
  esac
  if [ -n "$GF_PLUGIN_GRPC_SECRET_FILE$GF_PLUGIN_GRPC_SECRET$TAPO_GRPC_SECRET_FILE$TAPO_GRPC_SECRET" ]; then
    find_node "node (v22.13 or later) was not found: the relay to a remote sidecar needs it; install it, or set node_path in [plugin.camwatch-tapo-datasource]"
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

find_node "node (v22.13 or later) was not found: install it, or set node_path in [plugin.camwatch-tapo-datasource], or run the sidecar in its own container and set sidecar_address"
exec "$node" "$dir/sidecar/main.mjs" "$@"
