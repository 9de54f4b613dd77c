#!/usr/bin/env bash
# Peer test of login v4 (TPAP): the independent client in ../shared/tools/tpap-peer (Python, written
# from the fact sheet, not from our code) logs in to the simulator's 2026-firmware cameras, checks
# their confirmation and reads device info plus several polled methods in one session.
# Usage: test/peer/run-tpap.sh (from anywhere). Needs python3 with venv, node + the repo's npm install, openssl.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$here/.venv"

# shared/ sits beside the repository (CI clones main next to it); a git worktree has it one level higher.
peer=""
for d in "${CAMWATCH_SHARED_DIR:-}" "$repo/../shared" "$repo/../../shared"; do
  if [ -n "$d" ] && [ -f "$d/tools/tpap-peer/client.py" ]; then peer="$(cd "$d/tools/tpap-peer" && pwd)"; break; fi
done
if [ -z "$peer" ]; then
  echo "tpap peer: 0 passed, 1 failed (shared/tools/tpap-peer not found beside $repo)"; exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || { echo "tpap peer: 0 passed, 1 failed (cannot create venv)"; exit 1; }
fi
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements-tpap.txt" \
  || { echo "tpap peer: 0 passed, 1 failed (pip install cryptography failed)"; exit 1; }

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

# Two cameras on 2026 firmware (MD5 passcode, no extra_crypt, as the peer speaks): a C510W 1.3.4
# and a C210 moved to TPAP; free loopback ports. Two wrong passwords suspend logins.
count=2
(cd "$repo/sidecar" && exec node --import tsx src/simulator/cli.ts --cameras "$count" --host 127.0.0.1 \
  --models C510W-1.3.4,C210 --flows tpap --max-failed-logins 2 --lockout-seconds 600) \
  >"$work/cameras.jsonl" 2>"$work/simulator.log" &
sim_pid=$!

deadline=$((SECONDS + 60))
while [ "$(wc -l <"$work/cameras.jsonl")" -lt "$count" ]; do
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    cat "$work/simulator.log" >&2
    echo "tpap peer: 0 passed, 1 failed (simulator exited)"; exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "tpap peer: 0 passed, 1 failed (simulator did not start in 60 s)"; exit 1
  fi
  sleep 0.2
done

"$venv/bin/python" "$here/peer_tpap.py" "$peer/client.py" "$work/cameras.jsonl"
rc=$?
if [ $rc -ne 0 ]; then
  echo "--- simulator log ---" >&2
  tail -n 50 "$work/simulator.log" >&2
fi
exit $rc
