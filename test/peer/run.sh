#!/usr/bin/env bash
# Peer test: pytapo (from PyPI, pinned in requirements.txt) against the camera simulator.
# Usage: test/peer/run.sh   (from anywhere). Needs python3 (3.9+) with venv, node + the repo's npm install, openssl.
set -uo pipefail
label=peer
source "$(dirname "${BASH_SOURCE[0]}")/simulator.sh"

peer_venv requirements.txt
# Three cameras: secure/SHA256 (C210), secure/MD5 (C200), legacy (C110).
# One failed credential suspends logins, so the lockout checks at the end need one wrong try.
start_simulator 3 --models C210,C200,C110 --flows secure,secure,legacy --hashes sha256,md5,md5 \
  --max-failed-logins 1 --lockout-seconds 600
run_peer "$venv/bin/python" "$here/peer_pytapo.py" "$work/cameras.jsonl"
