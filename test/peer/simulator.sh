# Sourced by the peer tests (run.sh, run-tpap.sh): a Python venv with the given requirements, and
# the camera simulator started on free loopback ports, waited for (bounded) and stopped on exit.
# The caller sets `label` (the name in its "N passed, N failed" line) before sourcing.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$here/.venv"

fail() { echo "$label: 0 passed, 1 failed ($1)"; exit 1; }

# peer_venv REQUIREMENTS...: the venv, with each requirements file installed.
peer_venv() {
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || fail "cannot create venv"
  fi
  local r args=()
  for r in "$@"; do args+=(-r "$here/$r"); done
  "$venv/bin/pip" install -q --disable-pip-version-check "${args[@]}" || fail "pip install failed"
}

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

# start_simulator COUNT ARGS...: COUNT cameras described in $work/cameras.jsonl, one JSON line each.
start_simulator() {
  local count="$1"; shift
  (cd "$repo/sidecar" && exec node --import tsx src/simulator/cli.ts --cameras "$count" --host 127.0.0.1 "$@") \
    >"$work/cameras.jsonl" 2>"$work/simulator.log" &
  sim_pid=$!
  local deadline=$((SECONDS + 60))
  while [ "$(wc -l <"$work/cameras.jsonl")" -lt "$count" ]; do
    if ! kill -0 "$sim_pid" 2>/dev/null; then
      cat "$work/simulator.log" >&2
      fail "simulator exited"
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "simulator did not start in 60 s"
    sleep 0.2
  done
}

# run_peer COMMAND...: the peer itself; the simulator's log follows a failure.
run_peer() {
  "$@"
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "--- simulator log ---" >&2
    tail -n 50 "$work/simulator.log" >&2
  fi
  exit $rc
}
