"""Synergies: where one activity advances two plans at once (the Strategy and the CAMI Work
Programme unless another pair is chosen)."""

import streamlit as st

from dashboard import charts, queries
from dashboard.markup import html_literal, literal
from dashboard.ui import data, layout
from dashboard.ui.sidebar import shared_filters

HOW_COMPUTED = """
**How is this computed?**

- Choose the **two plans** at the top (by default the first two plans: the Strategy and the
  CAMI Work Programme).
- An activity **serves** an item of a plan (e.g. a Strategy objective or a CAMI section) when
  it is linked to it or to any item below it **and its work counts toward that plan**, as on
  the plan's own page: its documented work overlaps the plan's period (from its start date,
  else its first report, to its end date, else its latest report), and the plan had begun by
  the *progress as of* date. A tag alone serves nothing: a survey tagged to a CAMI section
  that ended before the Work Programme began serves the Strategy only. So an activity
  **serves both plans** only with work in the years both plans run.
- The matrix rows are the **first plan's top-level items** (the Strategy's goals), each
  rolled up over the items below it (`item_closure`); choose one above the matrix to drill
  into the items below it (a goal's **objectives**). Activities linked to a goal itself, not
  to one of its objectives, appear in the goal's row only. Columns are the second plan's
  top-level items (the CAMI Work Programme's sections).
- A **cell** counts each activity serving both once (cancelled ones included) and shows the
  **mean progress** of those not cancelled: an activity's progress is its latest update on or
  before the *progress as of* date, a completed activity counts as 100 %. A cell with only
  cancelled activities says *none counted*. Link weights are not used here: they say how much
  an activity serves one item, not how it divides between the two plans.
- The **synergy share** is the activities serving both plans over those serving either.
  Activities tagged to both plans whose work lies outside the years both run are counted
  apart and named above the figures.
- **Orphans**: an item of one plan is listed when no activity serving it also serves any
  item of the other plan; *activities* counts the work serving it in its own plan's
  period (0: none at all).
- The **flows** run from the first plan's top-level items to the second's (Strategy goal to
  CAMI section) through the activities serving both, one flow per pair. Each activity weighs
  1 (or its funding in one chosen currency; amounts are never added across currencies), split
  evenly over the pairs of a goal and a section it serves, so the goals, the sections and the
  flows each add up to the
  total; a flow's hover also says how many activities serve both. The table under the chart
  lists the pairs; the CSV lists every activity's own flows (goal → activity and activity →
  section), as before.
"""

layout.header(
    "Synergies between the two plans",
    "Where one activity advances two plans at once, and where either plan has no work behind "
    "it. Choose the plans below.",
)


def _cell_from_chart() -> None:
    """A click on a matrix cell chooses that cell in the selector below it."""
    points = st.session_state["synergy-matrix"].selection.points
    if points and points[0].get("customdata"):
        st.session_state["syn_cell"] = " × ".join(points[0]["customdata"])
        _first_page_of_cell()


def _first_page_of_cell() -> None:
    """Another cell's activities open at their first page."""
    st.session_state["syn_cell_page"] = 1


def _forget_cell() -> None:
    st.session_state.pop("syn_cell", None)


def _forget_drill_down() -> None:
    """Another plan has other rows and cells."""
    for key in ("syn_goal", "syn_cell"):
        st.session_state.pop(key, None)


with layout.guard("The synergies"), st.spinner("Computing the synergies…"):
    filters = shared_filters()
    layout.demo_notice(filters)
    layout.as_of_notice(filters)
    plans = data.plan_names()
    names = dict(zip(plans["code"], plans["short_name"], strict=True))
    default = data.default_pair()
    if default is None:
        st.info("Synergies need two plans; the store holds fewer.")
        st.stop()
    choice_left, choice_right = st.columns(2)
    pair: list[str] = []
    for column, key, label, code in (
        (choice_left, "syn_first", "First plan (rows)", default[0]),
        (choice_right, "syn_second", "Second plan (columns)", default[1]),
    ):
        layout.relabel_link(key, names)
        chosen = column.selectbox(
            label,
            list(names),
            index=list(names).index(code),
            format_func=lambda c: names[c],
            key=key,
            bind="query-params",
            on_change=_forget_drill_down,
        )
        pair.append(chosen or code)
    first, second = pair
    if first == second:
        st.info("Choose two different plans.")
        st.stop()
    one, other = names[first], names[second]
    data.prefetch(
        lambda: data.plan_overlap(filters=filters, first=first, second=second),
        lambda: data.synergy_matrix(filters=filters, first=first, second=second),
        # The same arguments as the calls below (the cache keys on them): page 1, no currency.
        lambda: data.activity_plans(
            filters=filters,
            single_plan_only=True,
            offset=0,
            limit=layout.PAGE_SIZE,
            first=first,
            second=second,
        ),
        lambda: data.funding_currencies(filters=filters),
        lambda: data.synergy_flows(filters=filters, currency=None, first=first, second=second),
    )
    overlap = data.plan_overlap(filters=filters, first=first, second=second)
    share = overlap["share"]
    if share["activities"] == 0:
        st.info(
            "No activity matches the current filters. Widen the filters in the sidebar, or use "
            "*Reset filters*."
        )
        st.stop()

    years = data.shared_years(first=first, second=second)
    # The plans' top-level items and their levels name the rows, columns and flows.
    goals = data.synergy_matrix(filters=filters, first=first, second=second)
    row_level, column_level = (
        (str(goals["first_level"].iloc[0]), str(goals["second_level"].iloc[0]))
        if not goals.empty
        else ("item", "item")
    )
    st.markdown(charts.synergy_sentence(share, years, first=literal(one), second=literal(other)))

    a, b, c, d = st.columns(4)
    a.metric(
        "Synergy share",
        "—" if share["share"] is None else f"{share['share'] * 100:.0f} %",
        help=(
            "Activities serving both plans, over those serving either in its period "
            f"({share['serving']:,}; cancelled included)."
        ),
    )
    # Counts alone in the tiles (a "n of m" pair no longer fits once m has six digits).
    b.metric(
        "Serve both plans",
        f"{share['both']:,}",
        help=f"Of {share['serving']:,} activities serving either plan in its period.",
    )
    c.metric(literal(f"{one} only"), f"{share['first_only']:,}")
    d.metric(literal(f"{other} only"), f"{share['second_only']:,}")

    st.subheader(literal(f"{one} × {other} matrix"))
    if not share["both"]:
        st.info(
            "No activity shown serves both plans, so the matrix has nothing to show: "
            + (
                f"none has work in {years[0]}–{years[1]}, the years both plans run."
                if years
                else "the two plans' periods do not meet."
            )
        )
    else:
        goal_labels = charts.row_labels(goals)
        # Links made before a pair of plans could be chosen said "Objectives of S1 …".
        layout.relabel_link(
            "syn_goal",
            {code: f"Items below {label}" for code, label in goal_labels.items()},
            former={code: f"Objectives of {label}" for code, label in goal_labels.items()},
        )
        goal = st.selectbox(
            literal(f"{one} rows"),
            list(goal_labels),
            format_func=lambda code: f"Items below {goal_labels[code]}",
            index=None,
            placeholder="Top-level items (choose one to drill into the items below it)",
            key="syn_goal",
            bind="query-params",
            on_change=_forget_cell,
        )
        matrix = (
            data.synergy_matrix(filters=filters, first_parent=goal, first=first, second=second)
            if goal
            else goals
        )
        if matrix.empty:
            st.info(
                f"{literal(goal_labels.get(goal or '', goal))} has no items below it: its row "
                "above says all."
            )
        else:
            st.plotly_chart(
                charts.synergy_heatmap(
                    matrix,
                    # Plotly reads HTML in its labels: plan names go in as text.
                    title=html_literal(
                        f"Activities serving both a {one} item and a {other} {column_level}"
                    ),
                    row_title=html_literal(f"{one} {matrix['first_level'].iloc[0]}"),
                    column_title=html_literal(f"{other} {column_level}"),
                ),
                width="stretch",
                key="synergy-matrix",
                on_select=_cell_from_chart,
                selection_mode="points",
                config=charts.chart_config("synergy-matrix"),
            )
            layout.provisional_note(
                bool(matrix["first_provisional"].any() or matrix["second_provisional"].any())
            )
            with st.expander(literal(f"Data behind “{one} × {other} matrix”")):
                table = charts.matrix_table(matrix)
                layout.listing(
                    table,
                    headers={
                        "first_item": f"{one}: code",
                        "first_title": one,
                        "second_item": f"{other}: code",
                        "second_title": other,
                    },
                )
                layout.csv_download(table, key="synergy-matrix")

            cell = st.selectbox(
                "Activities in a cell (or click a cell in the matrix)",
                charts.matrix_cells(matrix),
                index=None,
                placeholder=f"Choose an item of the {one} × an item of the {other}",
                key="syn_cell",
                bind="query-params",
                on_change=_first_page_of_cell,
            )
            if cell:
                cell_items = tuple(cell.split(" × "))
                total = charts.cell_activities(matrix, cell)
                st.caption(f"Activities serving both {literal(charts.cell_label(matrix, cell))}.")
                if not total:
                    st.info(f"No activity serves both {literal(cell)} under these filters.")
                else:
                    layout.paged_table(
                        total,
                        lambda offset, limit: data.activities_serving(
                            filters=filters, items=cell_items, offset=offset, limit=limit
                        ),
                        key="syn_cell",
                        noun=("activity", "activities"),
                    )
                    layout.csv_download(
                        data.later(queries.activities_serving, filters=filters, items=cell_items),
                        key="synergy-cell",
                    )

    st.subheader("Orphans: work behind one plan only")
    left, right = st.columns(2)
    with left:
        sections = overlap[second]
        st.markdown(
            f"**{literal(f'Items of the {other} with no activity that also serves the {one}')}**"
        )
        if sections.empty:
            st.success(
                literal(f"Every item of the {other} has an activity that also serves the {one}.")
            )
        else:
            layout.listing(sections)
    with right:
        items = overlap[first]
        st.markdown(
            f"**{literal(f'Items of the {one} with no activity that also serves the {other}')}**"
        )
        if items.empty:
            st.success(
                literal(f"Every item of the {one} has an activity that also serves the {other}.")
            )
        else:
            layout.listing(items)
    single = share["first_only"] + share["second_only"]
    st.markdown(f"**Activities serving only one plan ({single:,})**")
    st.caption(
        "The codes list every link, whatever its dates; *Plans* says which plans the activity "
        "serves, with work in their periods."
    )
    if not single:
        st.success("Every activity shown serves both plans.")
    else:
        layout.paged_table(
            single,
            lambda offset, limit: data.activity_plans(
                filters=filters,
                single_plan_only=True,
                offset=offset,
                limit=limit,
                first=first,
                second=second,
            ),
            key="syn_single",
            noun=("activity", "activities"),
        )
        layout.csv_download(
            data.later(
                queries.activity_plans,
                filters=filters,
                single_plan_only=True,
                first=first,
                second=second,
            ),
            key="single-plan-activities",
        )

    st.subheader(literal(f"Flows from the {one} to the {other}"))
    currencies = data.funding_currencies(filters=filters)
    weight = st.radio(
        "Weight the flows by",
        ["activities", *currencies],
        format_func=lambda w: "activity count" if w == "activities" else f"funding in {w}",
        horizontal=True,
        key="syn_weight",
        bind="query-params",
    )
    currency = None if weight == "activities" else weight
    flows = data.synergy_flows(filters=filters, currency=currency, first=first, second=second)
    unit = "activities" if currency is None else currency
    if flows.empty:
        st.info(
            "No activity serves both plans under these filters"
            + ("" if currency is None else f", or none of them has funding in {currency}")
            + "."
        )
    else:
        st.plotly_chart(
            data.synergy_sankey(
                flows,
                title=html_literal(f"{one} {row_level} → {other} {column_level}")
                + (" (activity count)" if currency is None else f" (funding, {currency})"),
                unit=unit,
            ),
            width="stretch",
            key="synergy-flows-chart",
            config=charts.chart_config("synergy-flows"),
        )
        with st.expander("Data behind “Synergy flows”"):
            layout.listing(
                charts.synergy_pairs(flows),
                headers={
                    "goal": f"{one}: code",
                    "goal_label": one,
                    "section": f"{other}: code",
                    "section_label": other,
                },
            )
            st.caption("One row per pair of items. The download lists each activity's own flows.")
            layout.csv_download(
                data.later(
                    queries.synergy_flows,
                    filters=filters,
                    currency=currency,
                    first=first,
                    second=second,
                ),
                key="synergy-flows",
            )
    st.caption(
        f"The {one}'s top-level items on the left, the {other}'s on the right; each activity's "
        "weight is split evenly over the pairs of items it serves. Hover a node or a flow for "
        "its full name, weight and the number of activities. Amounts are never added across "
        "currencies."
    )

    with st.expander("How is this computed?"):
        st.markdown(HOW_COMPUTED)
