#!/usr/bin/env bash
# The window's figures at scale (docs/benchmarks.md): a release tsur-app on a store of
# STORE (default: a new demo store of 1,000,000 appeals in target/bench-window/), driven under Xvfb through
# tauri-driver like the end-to-end tests: cold start, each filter and drill-down step, memory.
#   [TSUR_BENCH_NO_BUILD=1] [TSUR_BENCH_APP=PATH [TSUR_BENCH_CLI=PATH]] [TSUR_BENCH_SMAPS=DIR] scripts/bench-window.sh [STORE]
# (TSUR_BENCH_SMAPS: each process's /proc/PID/smaps at the end of the run, kept in DIR.)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
# TSUR_BENCH_NO_BUILD=1 times the binaries as they are (a rebuilt UI relinks the app: minutes).
if [ -z "${TSUR_BENCH_NO_BUILD:-}" ]; then
  (cd "$ROOT/ui" && npm run build >/dev/null)
  (cd "$ROOT" && cargo build --release --locked -p tsur-cli -p tsur-app >/dev/null)
fi
(cd "$ROOT/tests/e2e" && { [ -d node_modules ] || npm ci --no-audit --no-fund; })
store="${1:-$ROOT/target/bench-window/m1.db}"
if [ ! -f "$store" ]; then
  mkdir -p "$(dirname "$store")"
  "$ROOT/target/release/tsur" --db "$store" demo --appeals 1000000 --seed 7
fi
# TSUR_BENCH_APP=PATH times another build of the app (a copy kept for a paired comparison), with
# TSUR_BENCH_CLI=PATH the CLI of the same build: the script reads the store through the CLI, and a
# CLI of another snapshot format would rebuild the store's snapshot under the app at each run.
# (Paths as given here: the driver runs from tests/e2e.)
cli="$(realpath "${TSUR_BENCH_CLI:-$ROOT/target/release/tsur}")"
export TSUR_E2E_DB="$(realpath "$store")" TSUR_E2E_APP="$(realpath "${TSUR_BENCH_APP:-$ROOT/target/release/tsur-app}")" TSUR_E2E_CLI="$cli"
work="$(mktemp -d)"
# An empty web profile, as on a first start: no view remembered by an earlier run of the window.
export XDG_DATA_HOME="$work/data"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
display=":${TSUR_E2E_DISPLAY_NUMBER:-96}"
Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY="$display" NO_AT_BRIDGE=1
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
tauri-driver --port 4444 --native-port 4445 --native-driver "$(command -v WebKitWebDriver)" >"$work/tauri-driver.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.1; done
echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; store $store ($("$cli" --db "$store" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])') appeals)"
cd "$ROOT/tests/e2e" && node bench-window.mjs
