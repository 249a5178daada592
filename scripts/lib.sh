# Shared steps of run.sh and test.sh. Source it; do not run it.
# Every step installs only what is missing, so a second run is quick.

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

ensure_system_packages() {
  step "Системные пакеты (WebKitGTK, Xvfb, WebKitWebDriver)"
  bash "$ROOT/scripts/install-system-deps.sh"
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
  fi
  command -v cargo >/dev/null 2>&1 || {
    echo "Нужен Rust (cargo): установите через rustup (https://rustup.rs) и повторите." >&2
    exit 1
  }
}

ensure_node() {
  command -v npm >/dev/null 2>&1 || {
    echo "Нужен Node.js 20+ с npm: apt-get install nodejs npm (или nvm) и повторите." >&2
    exit 1
  }
}

build_ui() {
  step "Интерфейс: npm-пакеты и сборка (ui/)"
  ensure_node
  (cd "$ROOT/ui" && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run build)
}

ensure_tauri_driver() {
  if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    step "tauri-driver (WebDriver для окна Tauri)"
    cargo install tauri-driver --locked
  fi
}
