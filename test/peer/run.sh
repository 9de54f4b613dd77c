#!/usr/bin/env bash
# Peer test: pytapo (from PyPI, pinned in requirements.txt) against the camera simulator.
# Usage: test/peer/run.sh   (from anywhere). Needs python3 (3.9+) with venv, node + the repo's npm install, openssl.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$here/.venv"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || { echo "peer: 0 passed, 1 failed (cannot create venv)"; exit 1; }
fi
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" \
  || { echo "peer: 0 passed, 1 failed (pip install failed)"; exit 1; }

work="$(mktemp -d)"
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid" 2>/dev/null
    wait "$sim_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Three cameras: secure/SHA256 (C210), secure/MD5 (C200), legacy (C110); free loopback ports.
# One failed credential suspends logins, so the lockout checks at the end need one wrong try.
count=3
(cd "$repo/sidecar" && exec node --import tsx src/simulator/cli.ts --cameras "$count" --host 127.0.0.1 \
  --models C210,C200,C110 --flows secure,secure,legacy --hashes sha256,md5,md5 \
  --max-failed-logins 1 --lockout-seconds 600) \
  >"$work/cameras.jsonl" 2>"$work/simulator.log" &
sim_pid=$!

# Wait (bounded) until the simulator has described every camera.
deadline=$((SECONDS + 60))
while [ "$(wc -l <"$work/cameras.jsonl")" -lt "$count" ]; do
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    cat "$work/simulator.log" >&2
    echo "peer: 0 passed, 1 failed (simulator exited)"; exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "peer: 0 passed, 1 failed (simulator did not start in 60 s)"; exit 1
  fi
  sleep 0.2
done

"$venv/bin/python" "$here/peer_pytapo.py" "$work/cameras.jsonl"
rc=$?
if [ $rc -ne 0 ]; then
  echo "--- simulator log ---" >&2
  tail -n 50 "$work/simulator.log" >&2
fi
exit $rc
