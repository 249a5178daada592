#!/usr/bin/env bash
# Import benchmark: makes a CSV of N appeals (Windows-1251, semicolons, as Russian Excel
# saves it; addresses over the region's towns, statuses mixed) and imports it into a fresh
# database with the release build, printing wall time, rows/s, peak memory and CPU time (user +
# system, all threads: on a shared machine the steadier figure), after the machine and its load.
# Usage: [TSUR_BENCH_POINTS=1] scripts/bench-import.sh [N …]   (default 1000000)
# TSUR_BENCH_POINTS=1 adds each row's point (within ~3 km of its town), so that the problem
# linker, which links appeals close in space, has a million points to group.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
(cd "$ROOT" && cargo build --release --locked -p tsur-cli >/dev/null)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for n in "${@:-1000000}"; do
  python3 - "$n" "$WORK/in.csv" "${TSUR_BENCH_POINTS:-}" <<'PY'
import random, sys
n, path, points = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
random.seed(7)
places = ["г. Астрахань, ул. Савушкина, д. {}", "г. Камызяк, ул. Ленина, {}", "г. Ахтубинск, ул. Жуковского, {}", "г. Нариманов, ул. Волжская, {}",
          "пгт Верхний Баскунчак, ул. Мира, {}", "ЗАТО Знаменск, ул. Ленина, {}", "с. Енотаевка, ул. Чернышевского, {}", "г. Харабали, ул. Советская, {}"]
texts = ["Яма на дороге у дома, машины бьют подвеску", "Нет воды второй день", "Не вывозят мусор, контейнеры переполнены",
         "Не горят фонари на улице", "Автобус не ходит по расписанию", "Нет отопления в квартире"]
# The towns of `places`, (lat, lon), in the same order.
towns = [(46.349, 48.040), (46.110, 48.073), (48.280, 46.170), (46.690, 47.850), (48.222, 46.719), (48.583, 45.740), (47.250, 47.063), (47.409, 47.253)]
statuses = ["Новое", "В работе", "Дан ответ", "Закрыто"]
with open(path, "w", encoding="cp1251", newline="") as f:
    f.write("Номер;Дата поступления;Текст обращения;Адрес;Статус;Дата изменения" + (";Широта;Долгота" if points else "") + "\r\n")
    for i in range(n):
        # Rows in order of receipt, as exports usually are: 28 days of March.
        minute = i * 28 * 24 * 60 // n
        d, h, m = 1 + minute // 1440, (minute // 60) % 24, minute % 60
        place = random.randrange(len(places))
        row = f"{i};{d:02}.03.2026 {h:02}:{m:02};{random.choice(texts)} ({i});{places[place].format(1 + i % 90)};{random.choice(statuses)};{d:02}.04.2026 12:00"
        if points:
            lat, lon = towns[place]
            row += f";{lat + random.uniform(-0.027, 0.027):.6f};{lon + random.uniform(-0.039, 0.039):.6f}"
        f.write(row + "\r\n")
PY
  size=$(du -m "$WORK/in.csv" | cut -f1)
  rm -f "$WORK/t.db"*
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  /usr/bin/time -f "%e %M %U %S" -o "$WORK/time" "$ROOT/target/release/tsur" --db "$WORK/t.db" import "$WORK/in.csv" --json > "$WORK/out.json"
  read -r secs kb user sys < "$WORK/time"
  python3 - "$n" "$secs" "$kb" "$size" "$WORK/out.json" "$user" "$sys" "$load" <<'PY'
import json, sys
n, secs, kb, size, out = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], json.load(open(sys.argv[5]))
cpu = float(sys.argv[6]) + float(sys.argv[7])
print(f"| {n:,} | {size} MiB | {secs:.1f} | {n/secs:,.0f} | {kb/1024:.0f} | CPU {cpu:.1f} s, load before {sys.argv[8]}; accepted {out['accepted']:,}, quarantined {out['quarantined']:,}, linked to problems {out['linked_to_problems']:,} |")
PY
done
