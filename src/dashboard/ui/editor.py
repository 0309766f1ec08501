"""The edit page's forms: an activity, a progress update, funding, an output, an assessment
of a plan item, a file, history.

Every form goes through `dashboard.editing` (or `dashboard.importer`), the same code the command
line uses. A refused save keeps what was typed and shows each problem under its field (the run
after the submit renders them, hence the `st.rerun()`). A save clears every cached figure.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import dates, editing
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.charts import NOT_REPORTED, progress_text
from dashboard.editing import (
    ActivityDraft,
    AssessmentDraft,
    EditConflictError,
    EditError,
    FundingDraft,
    OutputDraft,
    Problem,
    ProgressDraft,
    SiteDraft,
)
from dashboard.importer import (
    MAX_FILE_MB,
    TEMPLATE_DIR,
    TEMPLATES,
    ImportFileError,
    import_file,
)
from dashboard.markup import literal
from dashboard.queries.edit_choices import (
    PlanChoice,
    activity_titles,
    assessable_items,
    assessment_history,
    form_choices,
    plan_choices,
)
from dashboard.ui import data, history
from dashboard.ui.store import session

TASKS = (
    "Activity",
    "Progress update",
    "Funding",
    "Output",
    "Assess plan items",
    "Import a file",
    "History",
)
NEW = ""
NOT_REPORTED_HELP = (
    f"Leave empty when the report gives no percentage: it is shown as “{NOT_REPORTED}” and "
    "left out of every mean, never read as 0 %. A completed activity is at 100."
)
SITE_COLUMNS = ("name", "latitude", "longitude")
# Where the form puts an activity's own fields (models.ActivityFields): rows of (field,
# relative width) before the links, and one row after them. A field declared later and
# placed in neither gets a row of its own, after the links.
OWN_FIELD_ROWS: tuple[tuple[tuple[str, int], ...], ...] = (
    (("activity_id", 1), ("title", 2)),
    (("description", 1),),
    (("status", 1), ("progress_pct", 1), ("start_date", 1), ("end_date", 1)),
)
LAST_ROW: tuple[tuple[str, int], ...] = (("source_url", 3), ("demo", 1))
# The form's fields for the activity's links (besides one item picker per plan).
LINK_FIELDS = ("lead_organisation", "partners", "funders", "countries", "ptcrs", "weights")


def _choices() -> dict[str, list[tuple[Any, str]]]:
    with session() as current:
        return form_choices(session=current)


def _plans() -> list[PlanChoice]:
    with session() as current:
        return plan_choices(session=current)


def _labels(pairs: Iterable[tuple[Any, str]]) -> Callable[[Any], str]:
    labels = dict(pairs)
    return lambda value: labels.get(value, str(value))


def _date_field(label: str, *, key: str) -> None:
    """An optional date within the range every entry path accepts (dates.py)."""
    st.date_input(label, value=None, key=key, min_value=dates.EARLIEST, max_value=dates.latest())


def _show(problems: Sequence[Problem], *fields: str) -> None:
    """The problems of these fields, right under them."""
    for problem in problems:
        if problem.field in fields:
            if problem.warning:
                st.warning(literal(problem.message), icon=":material/warning:")
            else:
                st.error(literal(problem.message), icon=":material/error:")


def _show_others(problems: Sequence[Problem], shown: Iterable[str]) -> None:
    _show(problems, *{problem.field for problem in problems} - set(shown))


def _flash(key: str) -> None:
    """The outcome of the last save, shown once."""
    outcome = st.session_state.pop(key, None)
    if outcome:
        message, warnings = outcome
        st.success(message, icon=":material/check_circle:")
        for warning in warnings:
            st.warning(literal(warning), icon=":material/warning:")


def _editable(user: Actor) -> list[tuple[str, str]]:
    with session() as current:
        return activity_titles(
            session=current, may_edit=None if user.unrestricted else user.may_edit
        )


def _activity_select(
    label: str, activities: Sequence[tuple[str, str]], key: str, **options: Any
) -> Any:
    titles = dict(activities)
    return st.selectbox(
        label,
        [activity_id for activity_id, _ in activities],
        format_func=lambda activity_id: f"{activity_id} · {titles.get(activity_id, '')}",
        key=key,
        **options,
    )


# The activity form


def _load_activity(activity_id: str, plans: Sequence[PlanChoice]) -> None:
    """Put an activity's stored values (or a blank one) into the form's widgets."""
    draft = None
    if activity_id:
        with session() as current:
            draft = editing.load_draft(session=current, activity_id=activity_id)
    shown = draft or ActivityDraft(activity_id="", title="")
    state = st.session_state
    state["act_base"] = draft
    state["act_loaded"] = activity_id
    state["act_problems"] = []
    state.pop("act_conflict", None)
    for use in m.activity_fields():
        value = getattr(shown, use.name)
        state[f"act_{use.name}"] = editing.percentage(value) if use.kind == "percentage" else value
    state["act_lead_organisation"] = shown.lead_organisation or ""
    for name in ("partners", "funders", "countries", "ptcrs"):
        state[f"act_{name}"] = list(getattr(shown, name))
    for plan in plans:
        state[f"act_items_{plan.code}"] = [code for code, _ in shown.items.get(plan.code, ())]
    state["act_weights"] = "; ".join(
        f"{code}:{weight:g}" for code, weight in shown.all_items().items() if weight != 1
    )
    # A new key gives the sites table a fresh start (its edits live under its key).
    state["act_sites_key"] = state.get("act_sites_key", 0) + 1
    state["act_sites"] = [
        {"name": site.name, "latitude": site.latitude, "longitude": site.longitude}
        for site in shown.sites
    ]


def _reload_activity() -> None:
    st.session_state["act_loaded"] = None


def _parse_weights(text: str, linked: set[str], problems: list[Problem]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for entry in (part.strip() for part in text.split(";")):
        if not entry:
            continue
        code, _, value = entry.partition(":")
        code = code.strip()
        try:
            weight = float(value)
        except ValueError:
            problems.append(Problem("weights", f"write CODE:weight, e.g. S1.1:2 (not {entry!r})"))
            continue
        if code not in linked:
            problems.append(Problem("weights", f"{code} is not among the linked items"))
        weights[code] = weight
    return weights


def _parse_sites(frame: pd.DataFrame, problems: list[Problem]) -> tuple[SiteDraft, ...]:
    sites: list[SiteDraft] = []
    for number, row in enumerate(frame.to_dict("records"), start=1):
        latitude, longitude = row.get("latitude"), row.get("longitude")
        missing = [
            value is None or (isinstance(value, float) and math.isnan(value))
            for value in (latitude, longitude)
        ]
        name = (
            "" if row.get("name") is None or pd.isna(row.get("name")) else str(row["name"]).strip()
        )
        if all(missing):
            if name:
                problems.append(Problem("latitude", f"site {number} ({name}) needs coordinates"))
            continue
        if any(missing):
            problems.append(Problem("latitude", f"site {number}: give both latitude and longitude"))
            continue
        sites.append(SiteDraft(float(latitude), float(longitude), name))  # type: ignore[arg-type]
    return tuple(sites)


def _own_value(use: m.FieldUse, value: Any) -> Any:
    """An own field's value as a widget gave it, as the draft takes it."""
    if use.kind in ("text", "multiline"):
        return str(value).strip()
    if use.kind == "percentage":
        return editing.percentage(value)
    if use.kind == "flag":
        return bool(value)
    return value


def _activity_from_form(
    sites: pd.DataFrame, plans: Sequence[PlanChoice]
) -> tuple[ActivityDraft, list[Problem]]:
    state = st.session_state
    problems: list[Problem] = []
    linked = {plan.code: list(state[f"act_items_{plan.code}"]) for plan in plans}
    weights = _parse_weights(
        state["act_weights"], {code for codes in linked.values() for code in codes}, problems
    )
    draft = ActivityDraft(
        **{use.name: _own_value(use, state[f"act_{use.name}"]) for use in m.activity_fields()},
        lead_organisation=state["act_lead_organisation"] or None,
        partners=tuple(state["act_partners"]),
        funders=tuple(state["act_funders"]),
        countries=tuple(state["act_countries"]),
        ptcrs=tuple(state["act_ptcrs"]),
        items={
            plan: tuple((code, weights.get(code, 1.0)) for code in codes)
            for plan, codes in linked.items()
        },
        sites=_parse_sites(sites, problems),
    )
    return draft, problems


def _saved(result: editing.SaveResult) -> str:
    if result.outcome == "unchanged":
        return (
            f"Nothing to save: **{literal(result.activity_id)}** is as stored "
            f"(version {result.version})."
        )
    done = (
        f"Created **{literal(result.activity_id)}**"
        if result.outcome == "added"
        else f"Saved **{literal(result.activity_id)}** ({literal(', '.join(result.changes))})"
    )
    return f"{done}. Version {result.version}; every page shows the change now."


def _save_activity(
    user: Actor, base: ActivityDraft | None, sites: pd.DataFrame, plans: Sequence[PlanChoice]
) -> None:
    draft, problems = _activity_from_form(sites, plans)
    state = st.session_state
    state.pop("act_conflict", None)
    with session() as current:
        if problems:
            reference = editing.load_reference(session=current)
            problems += editing.check_activity(draft, reference)
        else:
            try:
                result = editing.save_activity(session=current, draft=draft, actor=user, base=base)
                current.commit()
            except EditConflictError as conflict:
                state["act_conflict"] = conflict.problems[0].message
            except EditError as refused:
                problems = refused.problems
            else:
                data.clear()
                state["act_flash"] = (_saved(result), [p.message for p in result.warnings])
                state["act_select_next"] = result.activity_id
                state["act_loaded"] = None
    state["act_problems"] = problems
    st.rerun()


def _own_field(use: m.FieldUse, problems: Sequence[Problem], **options: Any) -> None:
    """The widget of an activity's own field, by its kind (models.ActivityFields), and its
    problems under it."""
    key = f"act_{use.name}"
    if use.kind == "multiline":
        st.text_area(use.label, key=key, height=100, **options)
    elif use.kind == "choice":
        st.selectbox(
            use.label,
            list(use.choices),
            format_func=lambda value: str(value).replace("_", " "),
            key=key,
            **options,
        )
    elif use.kind == "percentage":
        st.number_input(
            use.label, key=key, step=5.0, format="%.0f", help=NOT_REPORTED_HELP, **options
        )
    elif use.kind == "date":
        _date_field(use.label, key=key)
    elif use.kind == "flag":
        st.checkbox(use.label, key=key, **options)
    else:
        st.text_input(use.label, key=key, **options)
    _show(problems, use.name)


def _own_fields_row(
    row: Sequence[tuple[str, int]],
    problems: Sequence[Problem],
    options: Mapping[str, Mapping[str, Any]],
) -> None:
    """A row of own fields side by side (those declared; one alone takes the full width)."""
    uses = {use.name: use for use in m.activity_fields()}
    placed = [(uses[name], width) for name, width in row if name in uses]
    if len(placed) == 1:
        _own_field(placed[0][0], problems, **options.get(placed[0][0].name, {}))
        return
    if placed:
        for column, (use, _) in zip(
            st.columns([width for _, width in placed]), placed, strict=True
        ):
            with column:
                _own_field(use, problems, **options.get(use.name, {}))


def activity_editor(user: Actor) -> None:
    """Create an activity or edit one, with all its links; refuse stale or invalid saves."""
    state = st.session_state
    editable = _editable(user)
    titles = dict(editable)
    choices = _choices()
    plans = _plans()
    if "act_select_next" in state:
        state["act_select"] = state.pop("act_select_next")
    if state.get("act_select") not in (NEW, *titles):
        state["act_select"] = NEW
    selected = st.selectbox(
        "Activity",
        [NEW, *titles],
        format_func=lambda key: "New activity…" if key == NEW else f"{key} · {titles[key]}",
        key="act_select",
        help="Only the activities you may edit are listed.",
    )
    if state.get("act_loaded") != selected or "act_base" not in state:
        _load_activity(selected, plans)
    base: ActivityDraft | None = state["act_base"]
    problems: list[Problem] = state["act_problems"]
    _flash("act_flash")
    if state.get("act_conflict"):
        st.error(literal(state["act_conflict"]), icon=":material/sync_problem:")
        st.button(
            "Load the current version (discards your unsaved changes)",
            on_click=_reload_activity,
            key="act_reload",
        )
    if problems and any(not problem.warning for problem in problems):
        st.error("Nothing was saved: correct the fields marked below.")
    org = _labels(choices["organisations"])
    options = {
        "activity_id": {
            "disabled": base is not None,
            "help": "Letters, digits, . _ -; e.g. MP-2026-KAZ-SURVEY. Fixed once created.",
        }
    }
    placed = {name for row in (*OWN_FIELD_ROWS, LAST_ROW) for name, _ in row}
    with st.form("act_form"):
        if base:
            st.caption(f"Editing {literal(base.activity_id)}, version {base.version}.")
        for row in OWN_FIELD_ROWS:
            _own_fields_row(row, problems, options)
        organisations = [slug for slug, _ in choices["organisations"]]
        st.selectbox(
            "Lead organisation",
            ["", *organisations],
            format_func=lambda slug: org(slug) if slug else "— none —",
            key="act_lead_organisation",
        )
        _show(problems, "lead_organisation")
        # One list per row: the chosen names stay readable.
        st.multiselect("Partners", organisations, format_func=org, key="act_partners")
        _show(problems, "partners")
        st.multiselect("Funders", organisations, format_func=org, key="act_funders")
        _show(problems, "funders")
        countries, ptcrs = st.columns(2)
        with countries:
            st.multiselect(
                "Range states",
                [iso3 for iso3, _ in choices["countries"]],
                format_func=_labels(choices["countries"]),
                key="act_countries",
            )
            _show(problems, "countries")
        with ptcrs:
            st.multiselect(
                "PTCRs",
                [number for number, _ in choices["regions"]],
                format_func=_labels(choices["regions"]),
                key="act_ptcrs",
            )
            _show(problems, "ptcrs")
        for plan in plans:
            st.multiselect(
                plan.short_name,
                [code for code, _ in plan.items],
                format_func=_labels(plan.items),
                key=f"act_items_{plan.code}",
            )
            _show(problems, plan.column)
        examples = [plan.items[0][0] for plan in plans if plan.items][:2]
        st.text_input(
            "Link weights (only those other than 1)",
            key="act_weights",
            placeholder="e.g. "
            + "; ".join(
                f"{code}:{weight}" for code, weight in zip(examples, ("2", "0.5"), strict=False)
            ),
            help="CODE:weight, separated by ;. A link's weight counts it more (or less) in "
            "the item's activity progress.",
        )
        _show(problems, "weights")
        st.markdown("**Sites** (the first is the primary site; the map shows them)")
        sites = st.data_editor(
            pd.DataFrame(state["act_sites"], columns=list(SITE_COLUMNS)),
            num_rows="dynamic",
            hide_index=True,
            key=f"act_sites_{state['act_sites_key']}",
            column_config={
                "name": st.column_config.TextColumn("Name"),
                "latitude": st.column_config.NumberColumn("Latitude (°N)", format="%.4f"),
                "longitude": st.column_config.NumberColumn("Longitude (°E)", format="%.4f"),
            },
            width="stretch",
        )
        _show(problems, "latitude", "longitude")
        for use in m.activity_fields():
            if use.name not in placed:
                _own_field(use, problems)
        _own_fields_row(LAST_ROW, problems, options)
        _show_others(
            problems,
            {
                *(use.name for use in m.activity_fields()),
                *LINK_FIELDS,
                *(plan.column for plan in plans),
                "latitude",
                "longitude",
            },
        )
        submitted = st.form_submit_button(
            "Create activity" if base is None else "Save changes", type="primary"
        )
    if submitted:
        _save_activity(user, base, sites, plans)
    if base is not None:
        with st.expander(f"History of {literal(base.activity_id)}"):
            history.activity_history(base.activity_id)


# Progress, funding, outputs


def progress_form(user: Actor) -> None:
    """Record a dated progress update: history is kept, the activity takes the latest state."""
    state = st.session_state
    editable = _editable(user)
    if not editable:
        st.info("You may not edit any activity yet.")
        return
    choices = _choices()
    selected = _activity_select("Activity", editable, key="prog_activity")
    if state.get("prog_loaded") != selected:
        with session() as current:
            stored = editing.load_draft(session=current, activity_id=selected)
        if stored:
            state["prog_status"] = stored.status
            state["prog_progress_pct"] = editing.percentage(stored.progress_pct)
            state["prog_loaded"] = selected
            state["prog_current"] = (
                f"Now: {stored.status.replace('_', ' ')}, {progress_text(stored.progress_pct)}."
            )
        state["prog_problems"] = []
    problems: list[Problem] = state.get("prog_problems", [])
    _flash("prog_flash")
    st.caption(state.get("prog_current", ""))
    with st.form("prog_form"):
        date, progress, status = st.columns(3)
        with date:
            st.date_input(
                "Date", value="today", key="prog_date", min_value=dates.EARLIEST, max_value="today"
            )
            _show(problems, "date")
        with progress:
            st.number_input(
                "Progress (%)",
                key="prog_progress_pct",
                step=5.0,
                format="%.0f",
                help=NOT_REPORTED_HELP,
            )
            _show(problems, "progress_pct")
        with status:
            st.selectbox(
                "Status",
                [value for value, _ in choices["statuses"]],
                format_func=_labels(choices["statuses"]),
                key="prog_status",
            )
            _show(problems, "status")
        st.text_input("Note", key="prog_note")
        st.text_input("Source (URL or reference)", key="prog_source")
        _show_others(problems, {"date", "progress_pct", "status"})
        submitted = st.form_submit_button("Record progress update", type="primary")
    if not submitted:
        return
    progress_value = state["prog_progress_pct"]
    draft = ProgressDraft(
        activity_id=selected,
        date=state["prog_date"] or dt.date.today(),
        progress_pct=editing.percentage(progress_value),
        status=state["prog_status"],
        note=state["prog_note"].strip(),
        source=state["prog_source"].strip(),
    )
    state["prog_problems"] = []
    with session() as current:
        try:
            editing.record_progress(session=current, draft=draft, actor=user)
            current.commit()
        except EditError as refused:
            state["prog_problems"] = refused.problems
        else:
            data.clear()
            state["prog_loaded"] = None
            state["prog_flash"] = (
                f"Recorded: **{literal(selected)}** {draft.status.replace('_', ' ')}, "
                f"{progress_text(draft.progress_pct)} on {draft.date.isoformat()}.",
                [],
            )
    st.rerun()


def _unpublished_changed() -> None:
    """Ticking “amount not published” empties the amount and currency (a figure or a currency
    would suggest an amount that is not there) and the year (given only if a source gives
    it); unticking offers a currency and this year again."""
    state = st.session_state
    if state["fund_unpublished"]:
        for key in ("fund_amount", "fund_currency", "fund_year"):
            state[key] = ""
        return
    state["fund_currency"] = state.get("fund_currency") or "EUR"
    state["fund_year"] = state.get("fund_year") or str(dt.date.today().year)


def _funding_year(text: str, problems: list[Problem]) -> int | None:
    """The year typed (optional), or None; a problem if it is not a whole number."""
    text = text.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    problems.append(Problem("year", f"expected a year such as {dt.date.today().year}"))
    return None


def funding_form(user: Actor) -> None:
    """Record money a funder gave an activity (in its own currency, never converted), or
    that it funds the activity with the amount not published."""
    state = st.session_state
    editable = _editable(user)
    if not editable:
        st.info("You may not edit any activity yet.")
        return
    choices = _choices()
    problems: list[Problem] = state.get("fund_problems", [])
    _flash("fund_flash")
    state.setdefault("fund_currency", "EUR")
    state.setdefault("fund_year", str(dt.date.today().year))
    unpublished = st.checkbox(
        "Amount not published",
        key="fund_unpublished",
        on_change=_unpublished_changed,
        help="The sources say this organisation funds the activity but give no figure: the "
        "entry is shown as “amount not published”, never as 0. Give the year only if a "
        "source does.",
    )
    with st.form("fund_form"):
        activity, funder = st.columns(2)
        with activity:
            selected = _activity_select("Activity", editable, key="fund_activity")
            _show(problems, "activity_id")
        with funder:
            st.selectbox(
                "Funder",
                [slug for slug, _ in choices["organisations"]],
                format_func=_labels(choices["organisations"]),
                key="fund_funder",
            )
            _show(problems, "funder")
        amount, currency, year = st.columns(3)
        with amount:
            st.text_input(
                "Amount",
                key="fund_amount",
                placeholder=editing.NOT_PUBLISHED if unpublished else "12000",
                disabled=unpublished,
            )
            _show(problems, "amount")
        with currency:
            st.text_input(
                "Currency (ISO 4217)", key="fund_currency", max_chars=3, disabled=unpublished
            )
            _show(problems, "currency")
        with year:
            st.text_input("Year (optional)", key="fund_year", placeholder="e.g. 2025")
            _show(problems, "year")
        st.text_input("Note", key="fund_note")
        st.text_input("Source (URL or reference)", key="fund_source")
        _show(problems, "source")
        st.checkbox("Demo data (invented)", key="fund_demo")
        st.checkbox(
            "Replace the existing entry for this funder, activity, year and currency",
            key="fund_replace",
        )
        _show_others(problems, {"activity_id", "funder", "amount", "currency", "year", "source"})
        submitted = st.form_submit_button("Record funding", type="primary")
    if not submitted:
        return
    problems = []
    amount_text = "" if unpublished else state["fund_amount"].strip().replace(",", "")
    amount_value: Decimal | None = None
    if amount_text:
        try:
            amount_value = Decimal(amount_text)
        except InvalidOperation:
            amount_value = Decimal("NaN")
    elif not unpublished:
        problems.append(Problem("amount", "give the amount, or tick “Amount not published”"))
    draft = FundingDraft(
        funder=state["fund_funder"],
        activity_id=selected,
        amount=amount_value,
        currency=None if unpublished else state["fund_currency"].strip().upper() or None,
        year=_funding_year(state["fund_year"], problems),
        note=state["fund_note"].strip(),
        source=state["fund_source"].strip(),
        demo=bool(state["fund_demo"]),
    )
    if not draft.source:
        problems.append(Problem("source", "say where the funding is documented"))
    with session() as current:
        try:
            if problems:
                reference = editing.load_reference(session=current)
                checked = editing.check_funding(draft, reference)
                # A field with a problem of its own above is not checked again (nor the
                # currency of a missing amount).
                fields = {problem.field for problem in problems}
                if "amount" in fields:
                    fields.add("currency")
                raise EditError(problems + [p for p in checked if p.field not in fields])
            outcome = editing.record_funding(
                session=current, draft=draft, actor=user, replace=bool(state["fund_replace"])
            )
            current.commit()
        except EditError as refused:
            problems = refused.problems
            if not draft.source and not any(p.field == "source" for p in problems):
                problems.append(Problem("source", "say where the funding is documented"))
        else:
            data.clear()
            given = (
                editing.NOT_PUBLISHED
                if draft.amount is None
                else f"{draft.amount} {draft.currency}"
            )
            when = "" if draft.year is None else f" ({draft.year})"
            state["fund_flash"] = (
                f"Funding {outcome}: {literal(draft.funder)} → **{literal(selected)}**, "
                f"{literal(given)}{when}.",
                [],
            )
    state["fund_problems"] = problems
    st.rerun()


def output_form(user: Actor) -> None:
    """Record a measured result of an activity (camera-trap nights, people trained, ...)."""
    state = st.session_state
    editable = _editable(user)
    if not editable:
        st.info("You may not edit any activity yet.")
        return
    problems: list[Problem] = state.get("out_problems", [])
    _flash("out_flash")
    with st.form("out_form"):
        activity, indicator = st.columns(2)
        with activity:
            selected = _activity_select("Activity", editable, key="out_activity")
        with indicator:
            st.text_input("Indicator", key="out_indicator", placeholder="camera-trap nights")
            _show(problems, "indicator")
        value, unit, target, date = st.columns(4)
        with value:
            st.number_input("Value", value=None, key="out_value", step=1.0)
            _show(problems, "value")
        with unit:
            st.text_input("Unit", key="out_unit", placeholder="nights")
            _show(problems, "unit")
        with target:
            st.number_input("Target (optional)", value=None, key="out_target", step=1.0)
            _show(problems, "target")
        with date:
            _date_field("Date", key="out_date")
        st.text_input("Note", key="out_note")
        st.text_input("Source (URL or reference)", key="out_source")
        _show(problems, "source")
        st.checkbox("Demo data (invented)", key="out_demo")
        st.checkbox("Replace the existing value for this indicator and date", key="out_replace")
        _show_others(problems, {"indicator", "value", "unit", "target", "source"})
        submitted = st.form_submit_button("Record output", type="primary")
    if not submitted:
        return
    problems = []
    value_given = state["out_value"]
    if value_given is None:
        problems.append(Problem("value", "value required"))
    if not state["out_source"].strip():
        problems.append(Problem("source", "say where the result is documented"))
    draft = OutputDraft(
        activity_id=selected,
        indicator=state["out_indicator"].strip(),
        value=float(value_given or 0.0),
        unit=state["out_unit"].strip(),
        target=state["out_target"],
        date=state["out_date"],
        note=state["out_note"].strip(),
        source=state["out_source"].strip(),
        demo=bool(state["out_demo"]),
    )
    with session() as current:
        try:
            if problems:
                reference = editing.load_reference(session=current)
                raise EditError(problems + editing.check_output(draft, reference))
            outcome = editing.record_output(
                session=current, draft=draft, actor=user, replace=bool(state["out_replace"])
            )
            current.commit()
        except EditError as refused:
            problems = refused.problems
        else:
            data.clear()
            state["out_flash"] = (
                f"Output {outcome}: **{literal(selected)}** {literal(draft.indicator)} = "
                f"{draft.value:g} {literal(draft.unit)}.",
                [],
            )
    state["out_problems"] = problems
    st.rerun()


# Assessments of plan items


def _status_label(status: str) -> str:
    return status.replace("_", " ")


def _assessment_history(item: str, label: str) -> None:
    """An item's assessments, newest first, and its current status (the latest real one)."""
    with session() as current:
        history = assessment_history(session=current, item=item)
    real = history[~history["demo"].astype(bool)]
    if real.empty:
        st.markdown(
            f"**{literal(label)}**: not assessed yet. Until it is, its status is *derived* "
            "from the activities linked to it."
        )
    else:
        latest = real.iloc[0]
        st.markdown(
            f"**{literal(label)}**: **{_status_label(latest['status'])}**, as assessed on "
            f"{latest['date'].isoformat()} by {literal(latest['recorded_by'])}."
        )
    if history.empty:
        return
    st.caption("Its assessments, newest first: a new one adds to this history, none is replaced.")
    shown = history.assign(
        status=[
            _status_label(status) + (" (demo)" if demo else "")
            for status, demo in zip(history["status"], history["demo"], strict=True)
        ]
    ).drop(columns="demo")
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
            "status": "Status",
            "note": st.column_config.TextColumn("Note", width="large"),
            "source": "Source",
            "recorded_by": "Recorded by",
        },
        key="assess_history",
    )


def assessment_form(user: Actor) -> None:
    """Record how far a plan item is implemented, dated and with its evidence (history)."""
    state = st.session_state
    if not user.may_assess:
        st.info(f"You may not assess plan items: {user.assess_refusal()}.")
        return
    with session() as current:
        items = assessable_items(session=current)
    labels = dict(items)
    selected = st.selectbox(
        "Plan item",
        list(labels),
        format_func=lambda code: labels.get(code, code),
        key="assess_item",
        index=None,
        placeholder="Choose a goal, objective, action or section",
    )
    _flash("assess_flash")
    if selected is None:
        return
    if state.get("assess_loaded") != selected:
        state["assess_loaded"] = selected
        state["assess_problems"] = []
    problems: list[Problem] = state["assess_problems"]
    _assessment_history(selected, labels[selected])
    with st.form("assess_form"):
        date, status = st.columns(2)
        with date:
            st.date_input(
                "Date assessed",
                value="today",
                key="assess_date",
                min_value=dates.EARLIEST,
                max_value="today",
            )
            _show(problems, "date")
        with status:
            st.selectbox(
                "Item status", m.ITEM_STATUSES, format_func=_status_label, key="assess_status"
            )
            _show(problems, "status")
        st.text_input(
            "Note",
            key="assess_note",
            help="What the status rests on. Say why, if the item does not apply.",
        )
        _show(problems, "note")
        st.text_input(
            "Source (URL or reference)",
            key="assess_source",
            help="The evidence (a report, publication or URL): needed for started and beyond.",
        )
        _show(problems, "source")
        st.checkbox("Demo data (invented)", key="assess_demo")
        _show_others(problems, {"date", "status", "note", "source"})
        submitted = st.form_submit_button("Record assessment", type="primary")
    if not submitted:
        return
    draft = AssessmentDraft(
        item=selected,
        date=state["assess_date"] or dt.date.today(),
        status=state["assess_status"],
        note=state["assess_note"].strip(),
        source=state["assess_source"].strip(),
        demo=bool(state["assess_demo"]),
    )
    state["assess_problems"] = []
    with session() as current:
        try:
            outcome = editing.record_assessment(session=current, draft=draft, actor=user)
            current.commit()
        except EditError as refused:
            state["assess_problems"] = refused.problems
        else:
            data.clear()
            done = "Recorded" if outcome == "added" else "Already recorded, nothing changed"
            state["assess_flash"] = (
                f"{done}: **{literal(selected)}** {_status_label(draft.status)} on "
                f"{draft.date.isoformat()}.",
                [],
            )
    st.rerun()


# Import and history


def import_panel(user: Actor) -> None:
    """Upload a template file: checked whole, then applied in one go or not at all."""
    st.markdown(
        "Fill one of the templates below in a spreadsheet and save it as **CSV UTF-8**. Every "
        "row is checked first: one error rejects the whole file, and nothing is written. A file "
        "can be imported twice without changing anything. Organisations may be given by slug, "
        "name or short name, countries and PTCRs by code or name, and a plan's items by code or, "
        "in that plan's own column, by number; each example shows how."
    )
    columns = st.columns(len(TEMPLATES))
    for column, kind in zip(columns, TEMPLATES, strict=True):
        for path, label, name in (
            (TEMPLATE_DIR / f"{kind}.csv", "template", f"{kind}.csv"),
            (TEMPLATE_DIR / "examples" / f"{kind}.csv", "example", f"{kind}-example.csv"),
        ):
            if path.exists():
                column.download_button(
                    f"{kind}.csv {label}",
                    path.read_bytes(),
                    file_name=name,
                    mime="text/csv",
                    key=f"imp_{label}_{kind}",
                )
    # Streamlit refuses a larger file itself, saying the limit (server.maxUploadSize).
    uploaded = st.file_uploader(
        "File to import (CSV)",
        type=["csv", "txt"],
        key="imp_file",
        help=f"At most {MAX_FILE_MB} MB (about 60,000 activities): split a larger file.",
    )
    dry_run = st.checkbox("Only check it (dry run): report what would change", key="imp_dry_run")
    if not st.button("Import", type="primary", key="imp_run", disabled=uploaded is None):
        return
    assert uploaded is not None
    with session() as current:
        try:
            report = import_file(
                session=current,
                data=uploaded.getvalue(),
                actor=user,
                name=uploaded.name,
                dry_run=dry_run,
            )
        except ImportFileError as rejected:
            st.error(
                f"**{literal(uploaded.name)} was not imported**: the store is unchanged. "
                "Correct these rows and upload the file again.",
                icon=":material/error:",
            )
            st.code("\n".join(rejected.lines()), language=None, wrap_lines=True)
            return
    if not dry_run:
        data.clear()
    st.success(
        f"**{literal(uploaded.name)}**: "
        + ("checked, nothing written" if dry_run else "imported")
        + f" ({len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.unchanged)} left alone).",
        icon=":material/check_circle:",
    )
    st.code("\n".join(report.lines()), language=None, wrap_lines=True)


def history_panel(user: Actor) -> None:
    """Any activity's history: who changed what, when, through which way in."""
    with session() as current:
        activities = activity_titles(session=current)
    selected = _activity_select(
        "Activity", activities, key="hist_activity", index=None, placeholder="Choose an activity"
    )
    if selected:
        history.activity_history(selected)
