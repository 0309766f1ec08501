"""Benchmark Manul Progress at several scales, on SQLite and (optionally) PostgreSQL.

    python -m bench.run --scales 1000 10000 100000 [--postgres postgresql+psycopg://…/postgres]

For each backend and scale it builds (or reuses) a generated store, then measures:
- every query function a page runs: cold (new connection) and warm (the median of 5 runs;
  their best for the growth from 10k to 100k);
- the floor: the very same SQL statements run through the raw DB-API cursor, no pandas;
- a typical pandas implementation (load the tables, aggregate in memory) of a plan's per-item
  figures (`queries.item_progress`), checked to give the same figures as ours;
- every page through AppTest, cold and warm, and the peak memory of that process;
- a 10k-row import, when the importer exists.
Results go to bench/results/latest.md and latest.csv, each target marked met or missed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bench.generate import build_store, has_current_shape
from bench.page_probe import COLD_RUNS
from bench.pandas_reference import item_progress_pandas, same_figures
from bench.queries_under_test import QUERIES, busiest_funder
from dashboard import queries as dashboard_queries
from dashboard.db import make_engine, migrate
from dashboard.filters import Filters

ROOT = Path(__file__).resolve().parents[1]
STORES = ROOT / "bench" / ".stores"
RESULTS = ROOT / "bench" / "results"
TARGETS = {
    "page_warm_s": 0.3,
    "page_cold_s": 2.0,
    "query_over_floor": 2.0,
    "pandas_over_query": 5.0,
    "peak_mb": 600.0,
    "import_10k_s": 10.0,
}


@contextmanager
def recorded_sql(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement (and its parameters) the engine runs inside the block."""
    statements: list[tuple[str, Any]] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def floor_seconds(engine: Engine, statements: list[tuple[str, Any]]) -> float:
    """Time to run `statements` on a raw DB-API cursor and fetch every row (best of 3)."""
    timings = []
    for _ in range(3):
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            started = time.perf_counter()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            timings.append(time.perf_counter() - started)
        finally:
            connection.close()
    return min(timings)


# The view the app shows by default: every filter open, demo data off (explicitly, whatever
# Filters' own default is).
DEFAULT_VIEW = Filters(include_demo=False)
# The plan whose per-item figures are compared with (and timed against) pandas.
PANDAS_PLAN = "strategy"
PANDAS_QUERY = f"item_progress[{PANDAS_PLAN}]"


def measure_queries(engine: Engine) -> list[dict[str, Any]]:
    filters = DEFAULT_VIEW
    rows = []
    # The queries' own arguments (the funder) are looked up before any is timed.
    with Session(engine) as session:
        busiest_funder(session)
    for name, call in QUERIES.items():
        with Session(engine) as session, recorded_sql(engine) as statements:
            started = time.perf_counter()
            call(session, filters)
            cold = time.perf_counter() - started
        warm_runs = []
        for _ in range(WARM_RUNS):
            with Session(engine) as session:
                started = time.perf_counter()
                call(session, filters)
                warm_runs.append(time.perf_counter() - started)
        warm = statistics.median(warm_runs)
        floor = floor_seconds(engine, statements)
        rows.append(
            {
                "query": name,
                "cold_s": cold,
                "warm_s": warm,
                "best_s": min(warm_runs),
                "floor_s": floor,
                "over_floor": warm / floor if floor else float("nan"),
            }
        )
    return rows


def measure_pandas(engine: Engine, query_rows: list[dict[str, Any]]) -> dict[str, Any]:
    filters = DEFAULT_VIEW
    started = time.perf_counter()
    reference = item_progress_pandas(
        engine, PANDAS_PLAN, filters.as_of_date(), include_demo=filters.include_demo
    )
    pandas_s = time.perf_counter() - started
    with Session(engine) as session:
        ours_frame = dashboard_queries.item_progress(
            session=session, filters=filters, framework=PANDAS_PLAN
        )
    differences = same_figures(ours_frame, reference)
    if differences:
        print(f"  pandas and ours differ: {differences[:10]}", flush=True)
    ours = next(r for r in query_rows if r["query"] == PANDAS_QUERY)["warm_s"]
    return {
        "pandas_s": pandas_s,
        "query_s": ours,
        "pandas_over_query": pandas_s / ours,
        "same": not differences,
        "differences": differences[:10],
    }


def measure_pages(url: str) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": url}
    completed = subprocess.run(
        [sys.executable, "-m", "bench.page_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if completed.returncode != 0:
        return {"pages": [], "peak_mb": float("nan"), "error": completed.stderr[-2000:]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure_import(url: str, scale: int) -> dict[str, Any] | None:
    """Time `dashboard import` of a 10k-row activity file into a copy of the store, if available."""
    try:
        from bench.import_file import import_seconds
    except ImportError:
        return None
    return import_seconds(url, scale)


def store_url(backend: str, scale: int, postgres: str | None, rebuild: bool) -> str:
    if backend == "sqlite":
        STORES.mkdir(parents=True, exist_ok=True)
        path = STORES / f"bench-{scale}.sqlite3"
        if rebuild and path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
        if path.exists() and not upgrade(url):
            print(f"  {path.name} predates the generator's assessments: regenerating", flush=True)
            path.unlink()
        if not path.exists():
            build_store(url, scale)
        return url
    assert postgres
    server = make_url(postgres)
    # One database per scale beside the one named in the URL (its own name as the prefix,
    # so that engineers sharing a server each keep theirs), manul_bench_N for the default one.
    prefix = server.database if server.database not in (None, "", "postgres") else "manul_bench"
    name = f"{prefix}_{scale}"
    url = server.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if exists and not rebuild and not upgrade(url):
            print(f"  {name} predates the generator's assessments: regenerating", flush=True)
            rebuild = True
        if exists and rebuild:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = None
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    if not exists:
        build_store(url, scale)
    return url


def upgrade(url: str) -> bool:
    """Bring a store built by an older version to the current schema, as the app's start
    would (its new columns are filled by the migrations). False when the store was not made by
    the current generator (no generated assessments, activities all demo): it must be
    regenerated, since no migration adds what the generator would have."""
    engine = make_engine(url)
    try:
        migrate(engine)
        return has_current_shape(engine)
    finally:
        engine.dispose()


# Warm runs of each query: their median is its time, their best its growth from 10k to 100k.
WARM_RUNS = 5

# The targets are set for the largest store; smaller ones are shown for the trend.
TARGET_SCALE = 100_000


def verdict(
    value: float, target: float, *, higher_is_better: bool = False, scale: int = TARGET_SCALE
) -> str:
    if scale != TARGET_SCALE:
        return "—"
    if value != value:  # NaN
        return "n/a"
    ok = value >= target if higher_is_better else value <= target
    return "met" if ok else "**missed**"


def report(results: list[dict[str, Any]]) -> str:
    lines = [f"# Benchmark results ({dt.date.today().isoformat()})", ""]
    lines += [
        "Targets (at 100k activities): page warm < 0.3 s, cold < 2 s; queries within 2× of the "
        "bare SQL floor and ≥ 5× faster than pandas; peak memory < 600 MB; 10k-row import < 10 s; "
        "cost no worse than linear from 10k to 100k.",
        "",
        "## Pages (AppTest)",
        "",
        f"Cold: the median of {COLD_RUNS} runs with every cache emptied (the slowest beside "
        "it); warm: the page run again.",
        "",
        "| backend | activities | page | cold s | slowest cold s | warm s | cold target "
        "| warm target |",
        "|---|---:|---|---:|---:|---:|---|---|",
    ]
    for r in results:
        for page in r["pages"]["pages"]:
            lines.append(
                f"| {r['backend']} | {r['scale']:,} | {page['page']} | {page['cold_s']:.3f} | "
                f"{page.get('cold_max_s', page['cold_s']):.3f} | {page['warm_s']:.3f} | "
                f"{verdict(page['cold_s'], TARGETS['page_cold_s'], scale=r['scale'])} | "
                f"{verdict(page['warm_s'], TARGETS['page_warm_s'], scale=r['scale'])} |"
            )
    lines += [
        "",
        "## Memory and import",
        "",
        "| backend | activities | peak MB | 10k import s |",
        "|---|---:|---:|---:|",
    ]
    for r in results:
        imported = r.get("import") or {}
        seconds = imported.get("seconds")
        lines.append(
            f"| {r['backend']} | {r['scale']:,} | {r['pages']['peak_mb']:.0f} "
            f"({verdict(r['pages']['peak_mb'], TARGETS['peak_mb'], scale=r['scale'])}) | "
            + (
                f"{seconds:.2f} ({verdict(seconds, TARGETS['import_10k_s'])})"
                if seconds
                else "not measured"
            )
            + " |"
        )
    lines += [
        "",
        "## Queries",
        "",
        "| backend | activities | query | cold s | warm s | SQL floor s | × floor | verdict |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        for q in r["queries"]:
            lines.append(
                f"| {r['backend']} | {r['scale']:,} | {q['query']} | {q['cold_s']:.3f} | "
                f"{q['warm_s']:.3f} | {q['floor_s']:.3f} | {q['over_floor']:.2f} | "
                f"{verdict(q['over_floor'], TARGETS['query_over_floor'], scale=r['scale'])} |"
            )
    lines += [
        "",
        f"## Against a pandas implementation ({PANDAS_QUERY}: per-item status and activity "
        "progress of the plan's period)",
        "",
        "| backend | activities | pandas s | ours s | pandas ÷ ours | verdict | same figures |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        p = r["pandas"]
        ratio = p["pandas_over_query"]
        ok = verdict(ratio, TARGETS["pandas_over_query"], higher_is_better=True, scale=r["scale"])
        lines.append(
            f"| {r['backend']} | {r['scale']:,} | {p['pandas_s']:.3f} | {p['query_s']:.3f} | "
            f"{ratio:.1f} | {ok} | {'yes' if p.get('same') else '**no**'} |"
        )
    growth = []
    for backend in sorted({r["backend"] for r in results}):
        by_scale = {r["scale"]: r for r in results if r["backend"] == backend}
        if 10_000 in by_scale and 100_000 in by_scale:
            # Best runs: a median of a few milliseconds at 10k moves by ±40% between runs.
            small = {q["query"]: q.get("best_s", q["warm_s"]) for q in by_scale[10_000]["queries"]}
            for q in by_scale[100_000]["queries"]:
                large = q.get("best_s", q["warm_s"])
                ratio = large / small[q["query"]] if small.get(q["query"]) else float("nan")
                growth.append(
                    f"| {backend} | {q['query']} | {ratio:.1f} | {verdict(ratio, 10 * 1.25)} |"
                )
    if growth:
        lines += [
            "",
            f"## Growth from 10k to 100k (the best of {WARM_RUNS} warm runs at each scale; "
            "linear is 10×, met up to 12.5×)",
            "",
            "| backend | query | 100k ÷ 10k | verdict |",
            "|---|---|---:|---|",
            *growth,
        ]
    return "\n".join(lines) + "\n"


def write_results(results: list[dict[str, Any]]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(report(results), encoding="utf-8")
    with (RESULTS / "latest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["backend", "activities", "kind", "name", "cold_s", "warm_s", "floor_s", "extra"]
        )
        for r in results:
            for q in r["queries"]:
                writer.writerow(
                    [
                        r["backend"],
                        r["scale"],
                        "query",
                        q["query"],
                        f"{q['cold_s']:.4f}",
                        f"{q['warm_s']:.4f}",
                        f"{q['floor_s']:.4f}",
                        "",
                    ]
                )
            for page in r["pages"]["pages"]:
                writer.writerow(
                    [
                        r["backend"],
                        r["scale"],
                        "page",
                        page["page"],
                        f"{page['cold_s']:.4f}",
                        f"{page['warm_s']:.4f}",
                        "",
                        ";".join(page["errors"]),
                    ]
                )
            writer.writerow(
                [
                    r["backend"],
                    r["scale"],
                    "memory",
                    "peak_mb",
                    "",
                    "",
                    "",
                    f"{r['pages']['peak_mb']:.0f}",
                ]
            )
            writer.writerow(
                [
                    r["backend"],
                    r["scale"],
                    "pandas",
                    PANDAS_QUERY,
                    "",
                    f"{r['pandas']['pandas_s']:.4f}",
                    "",
                    "same" if r["pandas"].get("same") else "differs",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--postgres", help="a PostgreSQL server URL to benchmark as well")
    parser.add_argument("--no-pages", action="store_true", help="skip the AppTest page runs")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the stores")
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
    results = []
    for backend in backends:
        for scale in args.scales:
            print(f"[{backend} {scale:,}] building or opening the store…", flush=True)
            url = store_url(backend, scale, args.postgres, args.rebuild)
            engine = make_engine(url)
            queries = measure_queries(engine)
            pandas = measure_pandas(engine, queries)
            engine.dispose()
            pages = {"pages": [], "peak_mb": float("nan")} if args.no_pages else measure_pages(url)
            imported = measure_import(url, scale) if scale == 10_000 else None
            results.append(
                {
                    "backend": backend,
                    "scale": scale,
                    "queries": queries,
                    "pandas": pandas,
                    "pages": pages,
                    "import": imported,
                }
            )
            print(f"[{backend} {scale:,}] done", flush=True)
            # Written after every store, so that a failure later keeps what was measured.
            write_results(results)
    print((RESULTS / "latest.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
