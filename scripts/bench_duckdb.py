#!/usr/bin/env python3
"""The same one-screen aggregates as tsur's `screen()`, in DuckDB, on the same rows.

Reads the export of `analytics_bench --export DIR` (snapshot.csv, topics.csv,
settlements.csv, ours.json), loads the rows into an in-memory DuckDB table (not timed),
then for each filter runs the queries a screen needs — KPIs of the period and of the
previous one with the reply-time quantiles, the municipalities' choropleth sums, the
agencies' sums with their medians (the ratings' input), the top-10 problems by the same
priority formula — and prints our time, DuckDB's, and the ratio, measured in one run.
The figures are cross-checked: appeals, answers on time, resolved and the median must be
equal, or the script fails.

    python3 scripts/bench_duckdb.py DIR [--runs 7]
"""
import csv
import json
import math
import statistics
import sys
import time

import duckdb

LATE = """CASE
    WHEN (flags & 16) = 0 AND answered_at IS NOT NULL THEN
        CASE WHEN answer_due IS NULL THEN NULL ELSE (answered_at > answer_due)::INT END
    WHEN answer_due IS NOT NULL AND answer_due < {now} THEN 1
    ELSE NULL END"""

KPI_COLUMNS = """count(*) AS n, count(late) AS due, coalesce(sum(late), 0) AS late,
    sum(((flags & 1) > 0)::INT) AS answered, sum(((flags & 3) = 3)::INT) AS resolved,
    sum(((flags & 7) = 7)::INT) AS confirmed, sum(((flags & 9) = 9)::INT) AS reopened,
    sum(answers) AS answers, sum(rejected) AS rejected, sum((satisfaction > 0)::INT) AS rated,
    sum(satisfaction) AS score_sum, sum((satisfaction >= 4)::INT) AS good,
    quantile_disc(reply_minutes, [0.5, 0.9, 0.49, 0.51]) AS q"""


def weights(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        rows = [line for line in f if not line.startswith("#")]
    for r in csv.DictReader(rows):
        out[(r["scope"], r["key"])] = (float(r["weight"] or 0), float(r["param"]) if r["param"] else None)
    return out


def screen_queries(flt, now, w):
    dims = ""
    if flt["municipality"] is not None:
        dims += f" AND municipality = {flt['municipality']}"
    if flt["block"] is not None:
        dims += f" AND block = {flt['block']}"
    frm, to = flt["from"], flt["to"]
    prev = frm - (to - frm)
    base = f"WITH f AS (SELECT *, {LATE.format(now=now)} AS late FROM t WHERE received >= {prev} AND received < {to}{dims})\n"
    wsum = sum(v[0] for k, v in w.items() if k[0] == "priority")
    vol_full = w[("priority", "volume")][1]
    pop_full = w[("priority", "population")][1]
    pw = {k[1]: v[0] / wsum for k, v in w.items() if k[0] == "priority"}
    return {
        "kpi": base + f"SELECT (received >= {frm}) AS cur, {KPI_COLUMNS} FROM f GROUP BY cur ORDER BY cur",
        "areas": base + f"SELECT municipality, count(*), count(late), coalesce(sum(late), 0), sum((satisfaction > 0)::INT), sum(satisfaction) "
        f"FROM f WHERE received >= {frm} GROUP BY municipality",
        "agencies": base + f"SELECT agency, {KPI_COLUMNS} FROM f WHERE received >= {frm} AND agency IS NOT NULL GROUP BY agency",
        "problems": base
        + f"""
, p AS (
    SELECT problem,
        sum((received >= {frm})::INT) AS cur, sum((received < {frm})::INT) AS prev,
        sum(((flags & 1) > 0 AND received >= {frm})::INT) AS answered,
        sum(((flags & 9) = 9 AND received >= {frm})::INT) AS reopened,
        sum((late IS NOT NULL AND received >= {frm})::INT) AS due,
        sum(CASE WHEN received >= {frm} THEN coalesce(late, 0) ELSE 0 END) AS late_n,
        arg_min(topic, received) FILTER (WHERE received >= {frm}) AS topic,
        list(DISTINCT settlement) FILTER (WHERE received >= {frm} AND settlement IS NOT NULL) AS sts
    FROM f WHERE problem IS NOT NULL GROUP BY problem HAVING sum((received >= {frm})::INT) > 0
), scored AS (
    SELECT p.problem, p.cur,
        coalesce((SELECT sum(s.population) FROM unnest(p.sts) AS u(x) JOIN settlements s ON s.code = u.x), 0) AS population,
        least(1.0, ln(1 + p.cur) / ln(1 + {vol_full})) AS v,
        greatest(0.0, (p.cur - p.prev) / (p.cur + p.prev)) AS g,
        (coalesce(tp.severity, 1) - 1) / 4.0 AS sev,
        CASE WHEN p.answered = 0 THEN 0 ELSE p.reopened / p.answered END AS rec,
        CASE WHEN p.due = 0 THEN 0 ELSE p.late_n / p.due END AS od
    FROM p LEFT JOIN topics tp ON tp.code = p.topic
)
SELECT problem, cur, {pw['volume']} * v + {pw['growth']} * g + {pw['severity']} * sev + {pw['recurrence']} * rec + {pw['overdue']} * od
    + {pw['population']} * least(1.0, ln(1 + population) / ln(1 + {pop_full})) AS priority
FROM scored ORDER BY priority DESC, cur DESC LIMIT 10""",
    }


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    folder = sys.argv[1]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 7
    ours = json.load(open(f"{folder}/ours.json", encoding="utf-8"))
    w = weights(sys.argv[sys.argv.index("--weights") + 1] if "--weights" in sys.argv else "data/reference/analytics/weights.csv")
    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{folder}/snapshot.csv', header = true)")
    con.execute(f"CREATE TABLE topics AS SELECT * FROM read_csv('{folder}/topics.csv', header = true)")
    con.execute(f"CREATE TABLE settlements AS SELECT * FROM read_csv('{folder}/settlements.csv', header = true)")
    load = time.perf_counter() - t
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"DuckDB {duckdb.__version__}, потоков {threads}; загружено {ours['rows']:,} строк за {load:.1f} с (не входит в замер)")
    print(f"| фильтр | обращений | tsur, мс | DuckDB, мс | tsur / DuckDB |")
    print(f"|---|---:|---:|---:|---:|")
    worst = 0.0
    for flt in ours["filters"]:
        queries = screen_queries(flt, ours["now"], w)
        times = []
        result = None
        for _ in range(runs):
            t = time.perf_counter()
            result = {name: con.execute(sql).fetchall() for name, sql in queries.items()}
            times.append((time.perf_counter() - t) * 1000)
        ms = statistics.median(times)
        cur = [r for r in result["kpi"] if r[0]]
        k = cur[0] if cur else None
        checks = {
            "appeals": (flt["appeals"], k[1] if k else 0),
            "on_time_n": (flt["on_time_n"], k[2] if k else 0),
            "on_time_k": (flt["on_time_k"], (k[2] - k[3]) if k else 0),
            "resolved_k": (flt["resolved_k"], k[5] if k else 0),
            "resolved_n": (flt["resolved_n"], k[4] if k else 0),
            "reply_median_minutes": (flt["reply_median_minutes"], k[13][0] if k and k[13] else None),
            "top_problem_appeals": (flt["top_problem_appeals"], result["problems"][0][1] if result["problems"] else None),
        }
        bad = {name: pair for name, pair in checks.items() if pair[0] != pair[1]}
        if bad:
            sys.exit(f"{flt['name']}: числа расходятся (tsur, DuckDB): {bad}")
        ratio = flt["ms"] / ms
        worst = max(worst, ratio)
        print(f"| {flt['name']} | {flt['appeals']:,} | {flt['ms']:.1f} | {ms:.1f} | {ratio:.2f} |")
    print(f"Числа совпали. Худшее отношение tsur / DuckDB: {worst:.2f} (цель ≤ 1)")


if __name__ == "__main__":
    main()
