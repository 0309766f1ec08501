"""The edit page's Plans tab (admins): preview, then replace a plan's tree; editors don't see it."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from dashboard import models as m
from tests.test_pages_edit import click, engine, messages, open_edit_page, sign_in
from tests.test_plan_files import CROSSWALK, ITEMS_HEADER, OFFICIAL

__all__ = ["engine"]


def strategy_codes(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(
            session.exec(
                select(m.FrameworkItem.code)
                .join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
                .where(m.Framework.code == "strategy")
            ).all()
        )


def test_an_admin_previews_then_replaces_the_strategy(engine: Engine) -> None:
    at = open_edit_page(sign_in("alice"), "Plans")
    assert [tab.label for tab in at.tabs][-1] == "Plans"
    assert [sub.value for sub in at.subheader] == ["Load or update a plan", "Replace a plan's tree"]
    uploaders = at.get("file_uploader")
    uploaders[1].set_value((OFFICIAL.name, OFFICIAL.read_bytes(), "text/csv"))
    uploaders[2].set_value((CROSSWALK.name, CROSSWALK.read_bytes(), "text/csv"))
    click(at.run(), "Preview")
    assert messages(at)["success"] == ["Preview, nothing written: 17 changes."]
    preview = at.code[0].value.splitlines()
    assert "link moved: A2: S1.2 → G1.2;G1.3:0.5" in preview
    assert "link moved: A5: S1.2 → G1.2;G1.3:0.5" in preview
    assert strategy_codes(engine) == ["S1", "S1.1", "S1.2", "S2", "S2.1", "S2.2"]
    click(at, "Replace")
    assert messages(at)["success"] == ["Done: 17 changes."]
    assert strategy_codes(engine) == ["G1", "G1.1", "G1.2", "G1.3", "G2", "G2.1"]
    with Session(engine) as session:
        actors = set(session.exec(select(m.AuditEntry.actor, m.AuditEntry.via)).all())
    assert actors == {("alice", "form")} | {("cli:tests", "cli")}


def test_a_refused_plan_file_shows_its_rows(engine: Engine) -> None:
    at = open_edit_page(sign_in("alice"), "Plans")
    bad = f"{ITEMS_HEADER}\nstrategy,S9,S8,goal,Lost,,true,,1,fixture\n".encode()
    at.get("file_uploader")[0].set_value([("items.csv", bad, "text/csv")])
    click(at.run(), "Preview")
    assert messages(at)["error"] == ["**Nothing was written**: the store is unchanged."]
    assert "items.csv: row 2, column parent_code: unknown parent 'S8' (list parents first)" in (
        at.code[0].value.splitlines()
    )


def test_an_editor_has_no_plans_tab(engine: Engine) -> None:
    at = open_edit_page(sign_in("bob"), "Activity")
    assert "Plans" not in [tab.label for tab in at.tabs]
