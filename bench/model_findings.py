"""The tables of docs/findings.md, read from a warehouse with delta-rs (no Spark).

    .venv/bin/python bench/model_findings.py WAREHOUSE RUN_ID

Prints model_measured_bounds per variant, the mean excess loss per position band and variant
(over all documents of model_token_stats), and the same per document, so the per-document spread
of the break is visible. Needs the `deltalake` package (the Airflow or BI venv has it).
"""

from __future__ import annotations

import sys
from collections import defaultdict

from deltalake import DeltaTable, QueryBuilder

BANDS = [(0, 2048), (2048, 4096), (4096, 6144), (6144, 8192), (8192, 9216), (9216, 10240), (10240, 11264),
         (11264, 12288)]


def rows(warehouse: str, table: str, run_id: str, sql: str) -> list[dict]:
    dt = DeltaTable(f"{warehouse}/{table}")
    safe = run_id.replace("'", "''")
    out = QueryBuilder().register("t", dt).execute(sql.replace("RUN", f"'{safe}'")).read_all()
    columns = {name: out[name].to_pylist() for name in out.column_names}
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def band_label(lo: int, hi: int) -> str:
    k = lambda v: f"{v / 1024:g}K"
    return f"{k(lo)}-{k(hi)}"


def main() -> None:
    warehouse, run_id = sys.argv[1], sys.argv[2]
    bounds = rows(warehouse, "model_measured_bounds", run_id,
                  "SELECT variant, effective_base, documents, evaluated_length, broke, measured_bound, measured_lower,"
                  " measured_upper, extrapolation_bound, angle_coverage_bound, first_negative_margin,"
                  " measured_over_extrapolation_bound FROM t WHERE run_id = RUN ORDER BY variant")
    print("| variant | effective base | documents | broke | measured (95% band) | T_extra | measured / T_extra |"
          " coverage bound | first B(m) < 0 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for b in bounds:
        band = f"{b['measured_lower']}-{b['measured_upper'] if b['measured_upper'] is not None else 'open'}"
        ratio = b["measured_over_extrapolation_bound"]
        ratio = "" if ratio is None else f"{ratio:.2f}"
        coverage = b["angle_coverage_bound"]
        coverage = "none" if coverage is None else f"{coverage:,.0f}"
        print(f"| {b['variant']} | {b['effective_base']:,.0f} | {b['documents']} | {b['broke']} |"
              f" {b['measured_bound']} ({band}) | {b['extrapolation_bound']:,.0f} | {ratio} | {coverage} |"
              f" {b['first_negative_margin']} |")

    cases = " ".join(f"WHEN position >= {lo} AND position < {hi} THEN {i}" for i, (lo, hi) in enumerate(BANDS))
    per = rows(warehouse, "model_token_stats", run_id,
               f"SELECT variant, document, CASE {cases} END AS band, avg(excess) AS e, count(excess) AS n FROM t"
               " WHERE run_id = RUN AND excess IS NOT NULL GROUP BY variant, document, band")
    by_variant: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
    by_doc: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for r in per:
        if r["band"] is None:
            continue
        acc = by_variant[r["variant"]][r["band"]]
        acc[0] += r["e"] * r["n"]
        acc[1] += r["n"]
        by_doc[(r["variant"], r["document"].rsplit("/", 1)[-1])][r["band"]] = r["e"]
    header = "| variant | " + " | ".join(band_label(lo, hi) for lo, hi in BANDS) + " |"
    rule = "| --- |" + " --- |" * len(BANDS)
    print("\nMean excess (nats per token) over all documents:\n")
    print(header)
    print(rule)
    for v in sorted(by_variant):
        cells = [f"{a[0] / a[1]:.2f}" if a[1] else "" for a in (by_variant[v][i] for i in range(len(BANDS)))]
        print(f"| {v} | " + " | ".join(cells) + " |")
    print("\nPer document:\n")
    print(header.replace("| variant |", "| variant | document |"))
    print(rule + " --- |")
    for (v, doc) in sorted(by_doc):
        cells = [f"{by_doc[(v, doc)][i]:.2f}" if i in by_doc[(v, doc)] else "" for i in range(len(BANDS))]
        print(f"| {v} | {doc} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
