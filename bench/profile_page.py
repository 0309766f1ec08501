"""Where a page's cold run spends its time: every SQL statement it runs, slowest first.

    DATABASE_URL=… python -m bench.profile_page regions_page [funder_page --param funder=slug]

For each page: the cold run (st.cache_data empty), the sum of its statements' times (they
may overlap: pages run independent queries in parallel threads), the process's peak memory
so far, and the slowest statements with the thread that ran them. A tool for finding what
to fix; bench/run.py is the record.
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "pages", nargs="*", help="page names, e.g. strategy_page (default: every public page)"
    )
    parser.add_argument("--param", action="append", default=[], help="query parameter k=v")
    parser.add_argument("--top", type=int, default=8, help="statements to show per page")
    args = parser.parse_args()

    import streamlit as st
    from sqlalchemy import event
    from streamlit.testing.v1 import AppTest
    from tests.conftest import switch_to

    from bench.page_probe import page_targets, peak_mb
    from dashboard.ui import store

    app = str(ROOT / "app.py")
    targets = dict(page_targets(AppTest.from_file(app, default_timeout=600).run()))
    engine = store.engine()
    log: list[tuple[float, str, str]] = []

    def before(conn: Any, *_: Any) -> None:
        conn.info.setdefault("started", []).append(time.perf_counter())

    def after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        took = time.perf_counter() - conn.info["started"].pop()
        log.append((took, threading.current_thread().name, " ".join(statement.split())))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    pages = args.pages or list(targets)
    for page in pages:
        at = AppTest.from_file(app, default_timeout=600)
        for pair in args.param:
            key, _, value = pair.partition("=")
            at.query_params[key] = value
        at.run()
        switch_to(at, targets[page])
        st.cache_data.clear()
        log.clear()
        started = time.perf_counter()
        at.run()
        cold = time.perf_counter() - started
        peak = peak_mb()
        title = next((str(t.value) for t in at.title), "?")
        problems = [str(e.value)[:120] for e in [*at.exception, *at.error]]
        print(
            f"== {page} ({title}): cold {cold:.2f} s, {len(log)} statements taking "
            f"{sum(t for t, _, _ in log):.2f} s in all, peak {peak:.0f} MB"
            + (f", PROBLEMS: {problems}" if problems else "")
        )
        for took, thread, statement in sorted(log, reverse=True)[: args.top]:
            print(f"   {took:6.3f} s  {thread[:14]:14}  {statement[:160]}")


if __name__ == "__main__":
    main()
