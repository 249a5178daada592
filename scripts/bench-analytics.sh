#!/usr/bin/env bash
# Analytics benchmark: one screen of the situation room (KPIs with the previous period,
# the choropleth's values, top-10 problems, both ratings) at 1,000,000 and 10,000,000
# appeals, ours and DuckDB's, side by side in one run, with the figures cross-checked.
#   scripts/bench-analytics.sh [STORE.db]
# Without a store it fills one with a 1,000,000-appeal demo year (about 2 minutes); 10
# million is that year ten times over (distinct ids, the same distributions). DuckDB comes
# from PyPI into a virtual environment under target/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
cargo build --release --locked -p tsur-cli >/dev/null
cargo build --release --locked -p tsur-api --example analytics_bench >/dev/null
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DB="${1:-}"
if [[ -z "$DB" ]]; then
  DB="$WORK/demo.db"
  echo "Заполняю демо-базу на 1 000 000 обращений…"
  target/release/tsur --db "$DB" demo --appeals 1000000 >/dev/null
fi
VENV="$ROOT/target/bench-venv"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet duckdb
fi
echo "Машина: $(nproc) ядра, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), нагрузка: $(cut -d' ' -f1-3 /proc/loadavg)"
for copies in 1 10; do
  echo
  target/release/examples/analytics_bench --db "$DB" --copies "$copies" --runs 9 --export "$WORK/x$copies"
  "$VENV/bin/python" scripts/bench_duckdb.py "$WORK/x$copies" --runs 5
  rm -rf "$WORK/x$copies"
done
