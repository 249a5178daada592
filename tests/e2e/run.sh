#!/usr/bin/env bash
# End-to-end test of the real window: builds the app, fills a fresh demo database, starts a
# virtual screen (Xvfb) and tauri-driver, and runs main-window.test.mjs against them.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

# The same build as test.sh's (features unified with the dev-dependencies),
# so the binaries it left are reused and nothing is compiled a second time.
(cd "$ROOT" && cargo build --locked --workspace --bins --tests)
(cd "$HERE" && { [ -d node_modules ] || npm ci --no-audit --no-fund; })

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The window under test starts with an empty web profile: a view remembered by someone's own
# run of the window (its period, in WebKit's local storage under ~/.local/share) must not change
# what the tests see.
export XDG_DATA_HOME="$work/data"

export TSUR_E2E_DB="$work/e2e.db"
export TSUR_E2E_APPEALS="${TSUR_E2E_APPEALS:-20000}"
"$ROOT/target/debug/tsur" --db "$TSUR_E2E_DB" demo --appeals "$TSUR_E2E_APPEALS" --seed 7
"$ROOT/target/debug/tsur" --db "$TSUR_E2E_DB" stats --json > "$work/stats.json"
export TSUR_E2E_STATS="$work/stats.json"
"$ROOT/target/debug/tsur" --db "$TSUR_E2E_DB" screen > "$work/screen.json"
export TSUR_E2E_SCREEN="$work/screen.json"
export TSUR_E2E_MEETING_BLOCK=roads
"$ROOT/target/debug/tsur" --db "$TSUR_E2E_DB" screen --block roads > "$work/meeting-screen.json"
export TSUR_E2E_MEETING_SCREEN="$work/meeting-screen.json"
# What must never reach the wall: citizens' names and phones, and fragments of appeal texts.
python3 - "$TSUR_E2E_DB" > "$work/private.json" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
names = [r[0] for r in db.execute("SELECT full_name FROM appeal_authors WHERE length(full_name) > 8 LIMIT 300")]
phones = [r[0] for r in db.execute("SELECT phone FROM appeal_authors WHERE phone IS NOT NULL LIMIT 300")]
texts = [r[0][:40] for r in db.execute("SELECT text FROM appeals WHERE length(text) > 60 LIMIT 300")]
assert names and texts, "the demo has authors and texts"
print(json.dumps({"names": names, "phones": phones, "texts": texts}, ensure_ascii=False))
PY
export TSUR_E2E_PRIVATE="$work/private.json"
export TSUR_E2E_APP="$ROOT/target/debug/tsur-app"
export TSUR_E2E_ARTIFACTS="$HERE/artifacts"
mkdir -p "$TSUR_E2E_ARTIFACTS"

display=":${TSUR_E2E_DISPLAY_NUMBER:-97}"
Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY="$display"
# No session bus is needed; keep WebKit from looking for one.
export NO_AT_BRIDGE=1
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done

tauri-driver --port 4444 --native-port 4445 --native-driver "$(command -v WebKitWebDriver)" >"$work/tauri-driver.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.1; done

status=0
(cd "$HERE" && npm test) || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- tauri-driver log ---"; tail -50 "$work/tauri-driver.log" || true
fi
exit "$status"
