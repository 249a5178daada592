#!/usr/bin/env bash
# Benchmark of the demo generator (release build): time and peak memory of
# `tsur demo --appeals N` into a fresh database, for each N given (default 100000).
#   ./scripts/bench-demo.sh 100000 1000000
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$ROOT" && cargo build --release --locked -p tsur-cli >/dev/null)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '| appeals | events | wall time, s | appeals/s | peak RSS, MiB | database, MiB |\n|---:|---:|---:|---:|---:|---:|\n'
for n in "${@:-100000}"; do
  db="$work/bench-$n.db"
  /usr/bin/time -f '%e %M' -o "$work/time" "$ROOT/target/release/tsur" --db "$db" demo --appeals "$n" --json > "$work/summary.json"
  read -r wall rss_kb < "$work/time"
  events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$work/summary.json")
  size=$(du -m --apparent-size "$db" | cut -f1)
  wal=$(du -m --apparent-size "$db-wal" 2>/dev/null | cut -f1 || echo 0)
  printf '| %s | %s | %s | %.0f | %.0f | %s |\n' "$n" "$events" "$wall" "$(echo "$n / $wall" | bc -l)" "$(echo "$rss_kb / 1024" | bc -l)" "$((size + wal))"
  rm -f "$db" "$db-wal" "$db-shm"
done
