#!/usr/bin/env bash
# Peer test of login v4 (TPAP): the independent client in ../shared/tools/tpap-peer (Python, written
# from the fact sheet, not from our code) logs in to the simulator's 2026-firmware cameras, checks
# their confirmation and reads device info plus several polled methods in one session.
# Usage: test/peer/run-tpap.sh (from anywhere). Needs python3 with venv, node + the repo's npm install, openssl.
set -uo pipefail
label="tpap peer"
source "$(dirname "${BASH_SOURCE[0]}")/simulator.sh"

# shared/ sits beside the repository (CI clones main next to it); a git worktree has it one level higher.
peer=""
for d in "${CAMWATCH_SHARED_DIR:-}" "$repo/../shared" "$repo/../../shared"; do
  if [ -n "$d" ] && [ -f "$d/tools/tpap-peer/client.py" ]; then peer="$(cd "$d/tools/tpap-peer" && pwd)"; break; fi
done
if [ -z "$peer" ]; then
  # The peer tool is written apart from our code and is not part of the repository: a clone
  # without shared/ beside it skips this test and says why (CI has it and runs it).
  echo "$label: SKIPPED: the independent TPAP client (shared/tools/tpap-peer) is not beside this clone at $repo/../shared; set CAMWATCH_SHARED_DIR to run it"
  echo "$label: 0 passed, 0 failed, 1 skipped"
  exit 77
fi

peer_venv requirements-tpap.txt
# Two cameras on 2026 firmware (MD5 passcode, no extra_crypt, as the peer speaks): a C510W 1.3.4
# and a C210 moved to TPAP. Two wrong passwords suspend logins.
start_simulator 2 --models C510W-1.3.4,C210 --flows tpap --max-failed-logins 2 --lockout-seconds 600
run_peer "$venv/bin/python" "$here/peer_tpap.py" "$peer/client.py" "$work/cameras.jsonl"
