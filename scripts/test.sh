#!/usr/bin/env bash
# Every test of the project, as CI runs it: Rust (unit, property, store, API), the UI's
# Vitest suite, the bindings check, and the end-to-end test of the real window under Xvfb.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/lib.sh"

ensure_system_packages
ensure_rust
build_ui

step "Rust: сборка и все тесты рабочей области (включая актуальность ui/src/backend/bindings.ts)"
(cd "$ROOT" && cargo build --workspace --locked && cargo test --workspace --locked)

step "Интерфейс: Vitest"
(cd "$ROOT/ui" && npm test)

ensure_tauri_driver
step "Сквозной тест: настоящее окно под Xvfb через tauri-driver и WebKitWebDriver"
bash "$ROOT/tests/e2e/run.sh"
