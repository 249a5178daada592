#!/usr/bin/env bash
# Every test of the project, as CI runs it: Rust (unit, property, store, API), the UI's
# Vitest suite, the bindings check, and the end-to-end test of the real window under Xvfb.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/lib.sh"
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT

ensure_system_packages
ensure_rust
build_ui

step "Rust: сборка и все тесты рабочей области (включая актуальность ui/src/backend/bindings.ts)"
# The binaries are built together with the tests (`--bins --tests`), so features are unified with
# the dev-dependencies once: a plain `cargo build` resolves them without, and compiled a second copy
# of the Tauri stack into target/ (CI once ran out of disk on that).
(cd "$ROOT" && cargo build --workspace --bins --tests --locked && cargo test --workspace --locked) 2>&1 | tee "$LOGS/rust.log"

step "Интерфейс: Vitest"
(cd "$ROOT/ui" && npm test) 2>&1 | tee "$LOGS/ui.log"

ensure_tauri_driver
step "Сквозной тест: настоящее окно под Xvfb через tauri-driver и WebKitWebDriver"
bash "$ROOT/tests/e2e/run.sh" 2>&1 | tee "$LOGS/e2e.log"

# One closing line over all three runners (each step above stops the script on a failure).
rust=$(grep -oE 'test result: ok\. [0-9]+ passed' "$LOGS/rust.log" | awk '{s += $4} END {print s + 0}')
ui=$(sed 's/\x1b\[[0-9;]*m//g' "$LOGS/ui.log" | grep -E '^ +Tests +[0-9]+ passed' | awk '{print $2}' | tail -1)
e2e=$(grep -oE 'ℹ pass [0-9]+' "$LOGS/e2e.log" | awk '{print $3}' | tail -1)
echo
echo "Rust: ${rust}, интерфейс: ${ui:-0}, сквозной: ${e2e:-0}"
echo "$((rust + ${ui:-0} + ${e2e:-0})) passed, 0 failed"
