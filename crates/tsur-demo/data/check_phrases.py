#!/usr/bin/env python3
"""Checks the phrase bank (phrases.toml) against the catalog CSVs, and the catalog CSVs themselves.

Usage: python3 crates/tsur-demo/data/check_phrases.py [REPO_ROOT]
Exits with status 1 and a list of problems when anything is wrong; prints a summary otherwise.
Needs only the Python 3.11+ standard library (tomllib).
"""

import csv
import re
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE.parents[2]
CATALOG = ROOT / "data" / "reference" / "catalog"
PHRASES = HERE / "phrases.toml"

BLOCK_IDS = ["health", "education", "social", "housing", "waste", "roads", "transport", "energy", "other"]
MUNICIPALITY_IDS = [
    "astrakhan", "znamensk", "akhtubinsky", "volodarsky", "enotaevsky", "ikryaninsky", "kamyzyaksky",
    "krasnoyarsky", "limansky", "narimanovsky", "privolzhsky", "kharabalinsky", "chernoyarsky",
]
CHANNELS = {"pos", "im", "fz59", "regional", "other"}
SEASONS = {"flat", "heating", "winter", "spring", "summer", "autumn", "school"}
LEVELS = {"municipal", "regional"}
SLOTS = {"addr", "place", "duration"}
SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
AGENCY_SLUG = re.compile(r"^[a-z][a-z0-9_-]*$")
COLOR = re.compile(r"^#[0-9a-f]{6}$")
MIN_LIST = {
    "streets": 60, "formal_openers": 10, "formal_closings": 10,
    "colloquial_openers": 15, "colloquial_closings": 15, "durations": 15,
}
MIN_BODIES = 6

problems: list[str] = []


def problem(msg: str) -> None:
    problems.append(msg)


def read_csv(name: str, header: list[str]) -> list[dict[str, str]]:
    path = CATALOG / name
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        rows = list(reader)
    if not rows or rows[0] != header:
        problem(f"{name}: заголовок {rows[0] if rows else None} ≠ {header}")
        return []
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            problem(f"{name}: строка {n}: {len(row)} полей вместо {len(header)}")
            continue
        if any(c != c.strip() for c in row):
            problem(f"{name}: строка {n}: пробелы по краям поля")
        out.append(dict(zip(header, row)))
    ids = Counter(r["id"] for r in out)
    for i, c in ids.items():
        if c > 1:
            problem(f"{name}: повторяется id «{i}»")
    return out


def opt_uint(name: str, rid: str, col: str, value: str) -> None:
    if value != "" and not (value.isdigit() and int(value) > 0):
        problem(f"{name}: {rid}.{col} = «{value}» — не пусто и не положительное целое")


# ── catalog ──────────────────────────────────────────────────────────────────
blocks = read_csv("blocks.csv", ["id", "name_ru", "short_ru", "color"])
if [b["id"] for b in blocks] != BLOCK_IDS:
    problem(f"blocks.csv: ids {[b['id'] for b in blocks]} ≠ {BLOCK_IDS}")
for b in blocks:
    if not COLOR.match(b["color"]):
        problem(f"blocks.csv: {b['id']}: цвет «{b['color']}» не #rrggbb (строчные)")
if len({b["color"] for b in blocks}) != len(blocks):
    problem("blocks.csv: цвета повторяются")
block_set = set(BLOCK_IDS)

topics = read_csv("topics.csv", ["id", "block_id", "name_ru", "severity", "season", "level", "weight"])
for t in topics:
    tid = t["id"]
    if not SLUG.match(tid):
        problem(f"topics.csv: id «{tid}» не ASCII snake_case")
    if t["block_id"] not in block_set:
        problem(f"topics.csv: {tid}: неизвестный блок «{t['block_id']}»")
    if t["severity"] not in {"1", "2", "3", "4", "5"}:
        problem(f"topics.csv: {tid}: тяжесть «{t['severity']}» вне 1..5")
    if t["season"] not in SEASONS:
        problem(f"topics.csv: {tid}: сезон «{t['season']}»")
    if t["level"] not in LEVELS:
        problem(f"topics.csv: {tid}: уровень «{t['level']}»")
    try:
        w = float(t["weight"])
        if not (w > 0):
            raise ValueError
    except ValueError:
        problem(f"topics.csv: {tid}: вес «{t['weight']}» не положительное число")
if not (80 <= len(topics) <= 110):
    problem(f"topics.csv: {len(topics)} тем, ожидается 80–110")
per_block = Counter(t["block_id"] for t in topics)
for b in BLOCK_IDS:
    if per_block[b] == 0:
        problem(f"topics.csv: у блока «{b}» нет тем")
names = Counter(t["name_ru"].casefold() for t in topics)
for n, c in names.items():
    if c > 1:
        problem(f"topics.csv: название «{n}» повторяется")

agencies = read_csv("agencies.csv", ["id", "name_ru", "short_ru", "kind", "block_id", "municipality_id"])
iogv_blocks: Counter = Counter()
omsu_munis: Counter = Counter()
for a in agencies:
    aid = a["id"]
    if not AGENCY_SLUG.match(aid):
        problem(f"agencies.csv: id «{aid}» не ASCII slug")
    if a["kind"] == "iogv":
        if a["block_id"] not in block_set or a["municipality_id"]:
            problem(f"agencies.csv: {aid}: ИОГВ должен иметь известный block_id и пустой municipality_id")
        iogv_blocks[a["block_id"]] += 1
    elif a["kind"] == "omsu":
        if a["block_id"] or a["municipality_id"] not in MUNICIPALITY_IDS:
            problem(f"agencies.csv: {aid}: ОМСУ должен иметь пустой block_id и известный municipality_id")
        omsu_munis[a["municipality_id"]] += 1
    else:
        problem(f"agencies.csv: {aid}: kind «{a['kind']}»")
for b in BLOCK_IDS:
    if iogv_blocks[b] != 1:
        problem(f"agencies.csv: блоку «{b}» соответствует {iogv_blocks[b]} ИОГВ (нужен ровно один)")
for m in MUNICIPALITY_IDS:
    if omsu_munis[m] != 1:
        problem(f"agencies.csv: муниципалитету «{m}» соответствует {omsu_munis[m]} ОМСУ (нужен ровно один)")

regime_cols = ["id", "channel", "name_ru", "register_days", "redirect_days", "answer_days", "answer_day_kind",
               "first_reply_working_hours", "extension_days", "max_extensions", "source"]
regimes = read_csv("regimes.csv", regime_cols)
if sorted(r["id"] for r in regimes) != sorted(CHANNELS):
    problem(f"regimes.csv: ids {[r['id'] for r in regimes]} ≠ {sorted(CHANNELS)}")
for r in regimes:
    if r["channel"] not in CHANNELS:
        problem(f"regimes.csv: {r['id']}: канал «{r['channel']}»")
    if r["answer_day_kind"] not in {"calendar", "working"}:
        problem(f"regimes.csv: {r['id']}: answer_day_kind «{r['answer_day_kind']}»")
    for col in ["register_days", "redirect_days", "answer_days", "first_reply_working_hours",
                "extension_days", "max_extensions"]:
        opt_uint("regimes.csv", r["id"], col, r[col])
    if bool(r["extension_days"]) != bool(r["max_extensions"]):
        problem(f"regimes.csv: {r['id']}: extension_days и max_extensions заполняются вместе")
    if not r["source"]:
        problem(f"regimes.csv: {r['id']}: нет источника")
if {r["channel"] for r in regimes} != CHANNELS:
    problem("regimes.csv: не для каждого канала есть режим")

# ── phrases ──────────────────────────────────────────────────────────────────
with PHRASES.open("rb") as f:
    bank = tomllib.load(f)

for key, minimum in MIN_LIST.items():
    values = bank.get(key)
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        problem(f"phrases.toml: «{key}» должен быть списком непустых строк")
        continue
    if len(values) < minimum:
        problem(f"phrases.toml: «{key}»: {len(values)} < {minimum}")
    for v, c in Counter(values).items():
        if c > 1:
            problem(f"phrases.toml: «{key}»: повтор «{v}»")
    for v in values:
        if "{" in v or "}" in v:
            problem(f"phrases.toml: «{key}»: в элементе «{v}» не должно быть слотов")

SLOT_RE = re.compile(r"\{([^{}]*)\}")
topic_ids = [t["id"] for t in topics]
entries = bank.get("topic", [])
seen_entries: Counter = Counter(e.get("id") for e in entries)
for i, c in seen_entries.items():
    if c > 1:
        problem(f"phrases.toml: тема «{i}» описана {c} раза")
    if i not in topic_ids:
        problem(f"phrases.toml: тема «{i}» отсутствует в topics.csv")
for tid in topic_ids:
    if tid not in seen_entries:
        problem(f"phrases.toml: нет записи для темы «{tid}»")

all_bodies: dict[str, str] = {}
slot_use = Counter()
bodies_total = 0
per_block_bodies: Counter = Counter()
block_of = {t["id"]: t["block_id"] for t in topics}


def norm(s: str) -> str:
    return re.sub(r"[^\w{}]+", " ", s.casefold()).strip()


def words(s: str) -> set[str]:
    return set(re.findall(r"\w+", SLOT_RE.sub(" ", s.casefold())))


near_dups = []
for e in entries:
    tid = e.get("id", "?")
    unknown_keys = set(e) - {"id", "formal", "colloquial"}
    if unknown_keys:
        problem(f"phrases.toml: {tid}: лишние ключи {sorted(unknown_keys)}")
    for register in ("formal", "colloquial"):
        bodies = e.get(register, [])
        if not isinstance(bodies, list) or len(bodies) < MIN_BODIES:
            problem(f"phrases.toml: {tid}.{register}: {len(bodies) if isinstance(bodies, list) else 0} < {MIN_BODIES}")
            continue
        for body in bodies:
            bodies_total += 1
            per_block_bodies[block_of.get(tid, "?")] += 1
            if not isinstance(body, str) or not body.strip():
                problem(f"phrases.toml: {tid}.{register}: пустой текст")
                continue
            for slot in SLOT_RE.findall(body):
                if slot not in SLOTS:
                    problem(f"phrases.toml: {tid}.{register}: неизвестный слот {{{slot}}} в «{body}»")
                slot_use[slot] += 1
            stripped = SLOT_RE.sub("", body)
            if "{" in stripped or "}" in stripped:
                problem(f"phrases.toml: {tid}.{register}: непарная фигурная скобка в «{body}»")
            for slot in SLOTS:
                if body.count("{" + slot + "}") > 1:
                    problem(f"phrases.toml: {tid}.{register}: слот {{{slot}}} дважды в «{body}»")
            if re.search(r"\{(addr|place)\}[а-яё]", body):
                problem(f"phrases.toml: {tid}.{register}: слот склоняется в «{body}»")
            if re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", body):
                problem(f"phrases.toml: {tid}.{register}: эмодзи в «{body}»")
            if re.search(r"\+?\d[\d\s()-]{8,}\d", body):
                problem(f"phrases.toml: {tid}.{register}: похоже на номер телефона в «{body}»")
            key = norm(body)
            if key in all_bodies:
                problem(f"phrases.toml: повтор текста ({all_bodies[key]} и {tid}.{register}): «{body}»")
            else:
                all_bodies[key] = f"{tid}.{register}"
    # near-duplicates inside one topic (same register): Jaccard of word sets
    for register in ("formal", "colloquial"):
        bodies = [b for b in e.get(register, []) if isinstance(b, str)]
        for i in range(len(bodies)):
            for j in range(i + 1, len(bodies)):
                a, b = words(bodies[i]), words(bodies[j])
                if a and b and len(a & b) / len(a | b) > 0.5:
                    near_dups.append((tid, register, bodies[i], bodies[j]))
for tid, register, a, b in near_dups:
    problem(f"phrases.toml: {tid}.{register}: почти одинаковые тексты «{a}» / «{b}»")

with_loc = sum(1 for k in all_bodies if "{addr}" in k or "{place}" in k)

# ── report ───────────────────────────────────────────────────────────────────
if problems:
    print(f"НАЙДЕНО ПРОБЛЕМ: {len(problems)}")
    for p in problems:
        print("  -", p)
    sys.exit(1)

print("OK: справочники и банк фраз согласованы")
print(f"  блоков {len(blocks)}, тем {len(topics)}, ведомств {len(agencies)}, режимов {len(regimes)}")
print("  темы / тексты по блокам:")
for b in BLOCK_IDS:
    print(f"    {b:<10} {per_block[b]:>3} тем  {per_block_bodies[b]:>4} текстов")
print(f"  текстов всего {bodies_total} (уникальных {len(all_bodies)}); "
      f"с {{addr}} или {{place}}: {with_loc} ({100 * with_loc / max(1, len(all_bodies)):.0f}%)")
print(f"  слоты: " + ", ".join(f"{{{k}}}×{v}" for k, v in sorted(slot_use.items())))
print("  списки: " + ", ".join(f"{k} {len(bank[k])}" for k in MIN_LIST))
