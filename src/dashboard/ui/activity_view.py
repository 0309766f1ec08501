"""One activity's page body: what it is, how far it has come, who, which plan items, where,
what it achieved and what funded it. Stored text goes through `ui.links` (shown as written;
only web addresses become links)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, labels
from dashboard.charts.funders import STATUS_WORDS
from dashboard.provisional import item_title
from dashboard.ui import data, layout, links

APP_NAME = "Manul Progress"


def activity_id_asked() -> str:
    """The activity the link names (`?id=A1`), "" when none."""
    return str(st.query_params.get(links.ACTIVITY_PARAMETER, "")).strip()


def not_found(asked: str) -> None:
    """The page when the link names no activity the store holds (or none at all)."""
    st.set_page_config(page_title=f"Activity not found · {APP_NAME}")
    st.title("Activity not found")
    if asked:
        st.error(
            f"The store holds no activity with the id “{links.plain(asked)}”. The link may be "
            "mistyped, or the activity may have been renamed."
        )
    else:
        st.info("This page shows one activity: its link names it, as in `activity?id=A1`.")
    st.page_link("views/explorer_page.py", label="Find an activity on the Activities page")


def _when(value: Any) -> str:
    return "not recorded" if value is None or pd.isna(value) else str(value)


def _period(record: Mapping[str, Any]) -> str:
    start, end = record["start_date"], record["end_date"]
    known = [value is not None and not pd.isna(value) for value in (start, end)]
    if all(known):
        return f"{start} to {end}"
    if known[0]:
        return f"from {start}, no end date recorded"
    if known[1]:
        return f"until {end}, start date not recorded"
    return "no dates recorded"


def _words(status: object) -> str:
    return STATUS_WORDS.get(str(status), str(status).replace("_", " "))


def _entries(lines: Iterable[str]) -> None:
    """Records as a Markdown list, one line each (made with `links`)."""
    st.markdown("\n".join(f"- {line}" for line in lines))


def _note_and_source(row: Mapping[Any, Any]) -> str:
    """ ": note (source: …)" of a record, each part only when recorded."""
    note = f": {links.plain(row['note'])}" if row["note"] else ""
    source = f" (source: {links.source(row['source'])})" if row["source"] else ""
    return note + source


def _markdown_table(rows: list[dict[str, str]]) -> None:
    """Rows of Markdown cells (made with `links`) as a static table."""
    st.table(pd.DataFrame(rows), hide_index=True)


def heading(record: Mapping[str, Any]) -> None:
    """Title, demo flag, id and dates, description, status and progress."""
    st.set_page_config(page_title=f"{record['title']} · {APP_NAME}")
    st.title(links.plain(record["title"]))
    if record["demo"]:
        st.warning(
            "**Invented example data.** This activity belongs to the demo data: it illustrates "
            "the dashboard and describes no real work. Its figures are left out of every page "
            "unless *Include demo data* is on."
        )
    st.caption(f"Activity {links.plain(record['activity_id'])} · {_period(record)}")
    if record["description"]:
        st.markdown(links.plain(record["description"]))
    else:
        st.caption("No description is recorded for this activity.")
    status, progress, reported = st.columns(3)
    status.metric("Status", str(labels.value_label("status", record["status"])))
    progress.metric("Progress", f"{record['progress_pct']:.0f} %")
    reported.metric("Latest report", _when(record["last_reported"]))
    st.progress(min(max(float(record["progress_pct"]), 0.0), 100.0) / 100)


def progress_history(updates: pd.DataFrame) -> None:
    st.subheader("Progress history")
    if updates.empty:
        st.info("No progress update is recorded yet.")
        return
    # A list, not a table: notes are long, and a list reads on a phone too.
    _entries(
        f"**{row['date']}** · {_words(row['status'])} · {row['progress_pct']:.0f} %"
        + _note_and_source(row)
        for row in updates.to_dict("records")
    )
    st.caption(
        f"{len(updates)} dated {'report' if len(updates) == 1 else 'reports'}, newest first: "
        "history is kept, never overwritten."
    )


def people(organisations: pd.DataFrame) -> None:
    """Lead, partners and funders (funders linked to their funder pages)."""
    st.subheader("Who")

    def named(row: Mapping[Any, Any]) -> str:
        text = links.plain(row["name"]) + (" (demo organisation)" if row["demo"] else "")
        if row["role"] == "funder":
            return f"[{text}]({links.funder_url(row['slug'])})"
        return text

    for role, label in (("lead", "Lead"), ("partner", "Partners"), ("funder", "Funders")):
        chosen = organisations[organisations["role"] == role]
        st.markdown(
            f"**{label}:** "
            + links.inline((named(row) for row in chosen.to_dict("records")), none="none recorded")
        )


def plan_items(items: pd.DataFrame) -> None:
    """The plan items it serves, plan by plan, each linked to its plan's page."""
    st.subheader("Plan items it serves")
    if items.empty:
        st.info("This activity is not linked to any plan item yet.")
        return
    for framework, rows in items.groupby("framework", sort=False):
        parts = [
            links.link(
                f"{row['code']} {item_title(row['title'], row['provisional'])}",
                links.item_url(str(framework), row["code"]),
            )
            + (f" (weight {row['weight']:g})" if row["weight"] != 1 else "")
            for row in rows.to_dict("records")
        ]
        st.markdown(f"**{links.plain(rows['framework_name'].iloc[0])}:** " + " · ".join(parts))
    if items["provisional"].any():
        st.caption(
            "*(provisional)*: an item of a provisional working structure, not the plan's own "
            "wording (see the plan's page)."
        )


def places(where: pd.DataFrame, sites: pd.DataFrame, title: str) -> None:
    """Range states, PTCRs and sites, in words and on a small map that needs no network."""
    st.subheader("Where")
    countries = where[where["kind"] == "country"]
    regions = where[where["kind"] == "ptcr"]
    st.markdown(
        "**Range states:** "
        + links.inline(links.plain(name) for name in countries["name"])
        + "  \n**PTCRs:** "
        + links.inline(
            links.plain(f"{code} {name}" + (" (pending)" if pending else ""))
            for code, name, pending in zip(
                regions["code"], regions["name"], regions["pending"], strict=True
            )
        )
        + "  \n**Sites:** "
        + (
            f"{len(sites)} recorded"
            + (
                f" ({links.plain('; '.join(name for name in sites['site'] if name))})"
                if sites["site"].astype(bool).any()
                else ""
            )
            if len(sites)
            else "none recorded (range-wide or desk work)"
        )
    )
    deck = data.activity_map(data.range_state_shapes(), where, sites, title=title)
    if deck is None:
        return
    layout.deck_map(deck, height=charts.maps.ACTIVITY_MAP_HEIGHT, key="activity-map")
    st.html(
        charts.legend_html(
            [
                ("fill", charts.maps.RAMP[2], "range state of the activity"),
                ("dot", charts.maps.PTCR_COLOUR, "PTCR"),
                ("dot", charts.maps.SITE_COLOUR, "site"),
            ],
            title="On the map",
        )
    )


def outputs(results: pd.DataFrame) -> None:
    st.subheader("Outputs against targets")
    if results.empty:
        st.info("No output is reported for this activity yet.")
        return
    _markdown_table(
        [
            {
                "Indicator": links.plain(row["indicator"]),
                "Achieved": f"{row['value']:,.0f} {links.plain(row['unit'])}".strip(),
                "Target": "no target set"
                if pd.isna(row["target"])
                else f"{row['target']:,.0f} {links.plain(row['unit'])}".strip(),
                "Of target": ""
                if pd.isna(row["pct_of_target"])
                else f"{row['pct_of_target']:.0f} %",
                "Date": _when(row["date"]),
                "Source": links.source(row["source"]),
            }
            for row in results.to_dict("records")
        ]
    )
    st.caption("Each row is one report; a later report of an indicator restates its total.")


def funding(records: pd.DataFrame, totals: pd.DataFrame) -> None:
    """Funding per currency (never added across currencies) and each record."""
    st.subheader("Funding")
    if records.empty:
        st.info("No funding is recorded for this activity.")
        return
    published = totals[totals["currency"].notna()]
    unpublished = int(totals.loc[totals["currency"].isna(), "grants"].sum())
    columns = st.columns(max(1, len(published) + (1 if unpublished else 0)))
    for column, row in zip(columns, published.to_dict("records"), strict=False):
        column.metric(f"Funding ({row['currency']})", f"{row['amount']:,.0f}")
    if unpublished:
        columns[-1].metric(
            "Amount not published",
            f"{unpublished} {'record' if unpublished == 1 else 'records'}",
        )
    _entries(
        f"**{links.link(row['funder'], links.funder_url(row['funder_slug']))}** · "
        + ("year not recorded" if pd.isna(row["year"]) else str(row["year"]))
        + " · "
        + (
            "amount not published"
            if pd.isna(row["amount"])
            else f"{row['amount']:,.0f} {row['currency']}"
        )
        + _note_and_source(row)
        for row in records.to_dict("records")
    )
    if len(published) > 1:
        st.caption("Each currency is shown on its own; amounts are never added across them.")


def sources(record: Mapping[str, Any]) -> None:
    st.subheader("Source")
    if record["source_url"]:
        st.markdown(links.source(record["source_url"]))
    else:
        st.caption("No source is recorded for the activity itself (see its reports above).")


def last_changed(change: pd.DataFrame) -> None:
    """The *last changed* line, from the audit trail."""
    if change.empty:
        st.caption(
            "**Last changed:** no change is recorded since the activity was loaded from the "
            "data files."
        )
        return
    row = change.iloc[0]
    when = row["changed_at"]
    if isinstance(when, dt.datetime):
        when = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
        when = when.strftime("%Y-%m-%d %H:%M UTC")
    how = {"form": "a partner's form", "import": "an import", "cli": "the command line"}
    what = {"progressupdate": "progress update", "activity": "activity", "output": "output"}
    count = int(row["changes"])
    st.caption(
        f"**Last changed:** {when}, through {how.get(row['via'], links.plain(row['via']))} "
        f"({links.plain(row['action'])} of {what.get(row['table'], links.plain(row['table']))}); "
        f"{count} {'change' if count == 1 else 'changes'} recorded in the audit trail."
    )
