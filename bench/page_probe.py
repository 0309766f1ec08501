"""Run every page through AppTest against DATABASE_URL and print timings and peak memory (JSON).

Cold: the page's run with every cache emptied (st.cache_data and the built charts; the engine
already open), COLD_RUNS times: the median is the page's figure, the slowest is shown beside
it (one sample alone moved by 0.5 s between runs on this 2-core machine). Warm: the same page
run again, as a user's next interaction or a second user would find it. The funder page runs
for the funder with the most activities (without one it only offers a choice).
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGES_DIR = next(p for p in (ROOT / "views", ROOT / "pages") if p.is_dir())
# Pages that need a signed-in partner are not part of the public benchmark.
SKIP = {"edit_page.py", "signin_page.py"}
# Cold runs per page (each with every cache emptied).
COLD_RUNS = 3
# The one page file that app.py registers once per plan in the store, at the plan's code.
PLAN_PAGE = "plan_page.py"


def page_targets(at: Any) -> list[tuple[str, str]]:
    """Every public page as (name, what tests.conftest.switch_to opens): a page file by its
    stem, the plan page once per plan (`strategy_page` at `strategy`). `at` has run app.py."""
    plans = [
        str(info.get("url_pathname"))
        for info in at._registered_pages.values()
        if str(info.get("script_path", "")).endswith(PLAN_PAGE)
    ]
    targets: list[tuple[str, str]] = []
    for page in sorted(PAGES_DIR.glob("*.py")):
        if page.name == PLAN_PAGE:
            targets += [(f"{code}_page", code) for code in plans]
        elif page.name not in SKIP:
            targets.append((page.stem, str(page.relative_to(ROOT))))
    return targets


def peak_mb() -> float:
    """This process's peak resident memory, in MB.

    From /proc/self/status (VmHWM) where there is one: getrusage's ru_maxrss is carried over
    exec from the parent on Linux, so a probe started by bench/run.py after its pandas
    reference would report the parent's peak, not its own.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def busiest_funder() -> str | None:
    """The slug of the funder with the most activities (by funding record or funder link)."""
    from sqlalchemy import func, select, union

    from dashboard import models as m
    from dashboard.ui import store

    funding = m.Funding.__table__  # type: ignore[attr-defined]
    links = m.ActivityOrganisation.__table__  # type: ignore[attr-defined]
    organisation = m.Organisation.__table__  # type: ignore[attr-defined]
    supported = union(
        select(funding.c.funder_id.label("funder_id"), funding.c.activity_id),
        select(links.c.organisation_id, links.c.activity_id).where(links.c.role == "funder"),
    ).subquery()
    statement = (
        select(organisation.c.slug)
        .join(supported, supported.c.funder_id == organisation.c.id)
        .group_by(organisation.c.id, organisation.c.slug)
        .order_by(func.count().desc(), organisation.c.slug)
        .limit(1)
    )
    with store.engine().connect() as connection:
        slug = connection.execute(statement).scalar_one_or_none()
    return str(slug) if slug is not None else None


def main() -> None:
    from streamlit.testing.v1 import AppTest
    from tests.conftest import switch_to

    from dashboard.ui import data

    app = str(ROOT / "app.py")
    # Open the engine and import everything once, so that "cold" measures the data work.
    first = AppTest.from_file(app, default_timeout=600).run()
    funder = busiest_funder()
    results = []
    for name, page in page_targets(first):
        at = AppTest.from_file(app, default_timeout=600)
        # Query parameters are set before the first run, as a visitor's link carries them.
        params = {"funder": funder} if name == "funder_page" and funder else {}
        for key, value in params.items():
            at.query_params[key] = value
        # AppTest can switch page only once app.py has declared the navigation (first run).
        at.run()
        switch_to(at, page)
        colds = []
        for _ in range(COLD_RUNS):
            data.clear()
            started = time.perf_counter()
            at.run()
            colds.append(time.perf_counter() - started)
        started = time.perf_counter()
        at.run()
        warm = time.perf_counter() - started
        errors = [str(e.value)[:200] for e in at.error] + [str(e.value)[:200] for e in at.exception]
        # Proof that the page itself ran, not the default one: its own header.
        shown = [str(h.value) for h in at.title]
        results.append(
            {
                "page": name,
                "title": shown[0] if shown else "",
                "params": params,
                "cold_s": statistics.median(colds),
                "cold_max_s": max(colds),
                "warm_s": warm,
                "errors": errors,
            }
        )
    json.dump({"pages": results, "peak_mb": peak_mb()}, sys.stdout)


if __name__ == "__main__":
    main()
