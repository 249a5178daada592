#!/usr/bin/env bash
# One command for a new user: installs what is missing, builds, fills the demo database on
# first run and opens the situation-room window.
#   ./scripts/run.sh                 # the default database (~/.local/share/tsur/tsur.db)
#   TSUR_DB=/path/to/file.db ./scripts/run.sh
#   TSUR_DEMO_APPEALS=300000 ./scripts/run.sh   # a bigger demo on first run
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/lib.sh"

ensure_system_packages
ensure_rust
build_ui
step "Сборка Rust (release)"
(cd "$ROOT" && cargo build --release -p tsur-cli -p tsur-app)

TSUR="$ROOT/target/release/tsur"
appeals=$("$TSUR" stats --json | grep -m1 '"total"' | tr -dc '0-9')
if [ "$appeals" = "0" ]; then
  step "Первый запуск: демо-данные — год обращений по Астраханской области"
  "$TSUR" demo --appeals "${TSUR_DEMO_APPEALS:-100000}"
fi
"$TSUR" stats | head -1

step "Окно ситуационного центра"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "Нет графического сеанса (DISPLAY): запускаю виртуальный экран Xvfb :99; снимок: DISPLAY=:99 import -window root shot.png"
  Xvfb :99 -screen 0 1920x1080x24 >/dev/null 2>&1 &
  export DISPLAY=:99
  sleep 1
fi
exec "$ROOT/target/release/tsur-app" "$@"
