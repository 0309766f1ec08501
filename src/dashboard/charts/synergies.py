"""Synergy charts: the matrix of two plans and the flows through shared activities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.palette import OKABE_ITO, apply_layout, chart_label, wrap_label
from dashboard.markup import html_literal
from dashboard.provisional import PROVISIONAL, item_label, item_title

# White to Okabe–Ito blue: one hue, so the order of the cells reads in any colour vision.
MATRIX_SCALE = [[0.0, "#FFFFFF"], [0.0001, "#DCEAF5"], [1.0, OKABE_ITO["blue"]]]


def _labels(matrix: pd.DataFrame, plan: str, key: str, width: int | None) -> dict[str, str]:
    """{code: "code title"} of the matrix's rows (`plan` "first": the columns first_item,
    first_title, first_provisional) or columns ("second"), in order; the
    titles cut to `width`, an item of a provisional structure marked "(provisional)"."""
    return {
        str(code): item_label(str(code), str(title), bool(provisional), width=width)
        for code, title, provisional in zip(
            matrix[key], matrix[f"{plan}_title"], matrix[f"{plan}_provisional"], strict=True
        )
    }


def cell_text(activities: int, completion: float, *, separator: str = " · ") -> str:
    """What a matrix cell says: "2 act. · 62 %", "1 act. · none counted", or "" when empty."""
    if not activities:
        return ""
    if pd.isna(completion):
        return f"{activities} act.{separator}none counted"
    return f"{activities} act.{separator}{completion:.0f} %"


def synergy_heatmap(
    matrix: pd.DataFrame, *, title: str, row_title: str, column_title: str
) -> go.Figure:
    """The matrix of two plans: colour = activities serving both, text = count and completion.

    `matrix` is `queries.synergy_matrix`. A transparent marker sits on every cell so that a
    click selects it (plotly heatmaps have no point selection); its customdata is
    [first_item, second_item].
    """
    rows = list(dict.fromkeys(matrix["first_item"]))
    columns = list(dict.fromkeys(matrix["second_item"]))
    # Row labels wrap to lines of about 20 characters (a phone's width leaves the cells room),
    # the provisional mark on a line of its own so it is never cut; the data table has them
    # in full.
    row_names = {
        code: "<br>".join(
            html_literal(line)
            for line in [
                *wrap_label(f"{code} {title}", 20, lines=2),
                *([PROVISIONAL] if provisional else []),
            ]
        )
        for code, title, provisional in zip(
            matrix["first_item"].astype(str),
            matrix["first_title"].astype(str),
            matrix["first_provisional"].astype(bool),
            strict=True,
        )
    }
    # Plotly reads HTML in its labels: the titles go in as text.
    column_names = {
        code: html_literal(label)
        for code, label in _labels(matrix, "second", "second_item", 22).items()
    }
    counts = matrix.pivot(index="first_item", columns="second_item", values="activities")
    counts = counts.reindex(index=rows, columns=columns)
    texts = [
        cell_text(int(n), pct)
        for n, pct in zip(matrix["activities"], matrix["completion_pct"], strict=True)
    ]
    text = (
        matrix.assign(
            text=[
                cell_text(int(n), pct, separator="<br>")
                for n, pct in zip(matrix["activities"], matrix["completion_pct"], strict=True)
            ]
        )
        .pivot(index="first_item", columns="second_item", values="text")
        .reindex(index=rows, columns=columns)
    )
    largest = max(1, int(matrix["activities"].max() or 0))
    y = [row_names[code] for code in rows]
    x = [column_names[code] for code in columns]
    figure = go.Figure(
        go.Heatmap(
            z=counts.to_numpy(),
            x=x,
            y=y,
            text=text.to_numpy(),
            texttemplate="%{text}",
            textfont={"size": 11},
            colorscale=MATRIX_SCALE,
            zmin=0,
            zmax=largest,
            xgap=2,
            ygap=2,
            colorbar={
                "title": {"text": "Activities<br>(count)"},
                "thickness": 14,
                "tickformat": "d",
                "dtick": max(1, largest // 5),
            },
            hoverinfo="skip",
            name="activities",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[column_names[code] for code in matrix["second_item"]],
            y=[row_names[code] for code in matrix["first_item"]],
            mode="markers",
            marker={"size": 40, "symbol": "square", "color": "rgba(0,0,0,0)"},
            customdata=matrix[["first_item", "second_item"]].to_numpy(),
            hovertext=[
                f"{s} × {c}<br>{t or 'no shared activity'}"
                for s, c, t in zip(matrix["first_item"], matrix["second_item"], texts, strict=True)
            ],
            hovertemplate="%{hovertext}<extra>click to list</extra>",
            name="cells",
            showlegend=False,
        )
    )
    # Exact ranges: the click markers would otherwise pad the axes around the cells.
    figure.update_yaxes(range=[len(rows) - 0.5, -0.5], title_text=row_title, showgrid=False)
    # Upright labels: on a phone the columns are a few pixels wide and slanted ones overlap.
    figure.update_xaxes(range=[-0.5, len(columns) - 0.5], showgrid=False, tickangle=-90)
    height = max(380, 64 * len(rows) + 260)
    figure = apply_layout(figure, title=title, x_title=column_title, height=height)
    # Empty cells stay white; the grey between the cells draws the grid.
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
        clickmode="event+select",
        plot_bgcolor="#E3E3E3",
    )
    return figure


def _activities(count: int) -> str:
    return f"{count:,} {'activity' if count == 1 else 'activities'}"


def _serve(count: int) -> str:
    """The verb for `count` activities: "1 serves", "2 serve"."""
    return "serves" if count == 1 else "serve"


def synergy_sentence(
    share: Mapping[str, Any], years: tuple[int, int] | None, *, first: str, second: str
) -> str:
    """How the activities shown divide between two plans (`queries.synergy_share`), in plain
    words with every count, and what the tagged work outside the years both plans run
    (`years`, `queries.shared_years`) counts for: true on a printed page."""
    shown, serving, both = share["activities"], share["serving"], share["both"]
    sentence = (
        f"Of the {_activities(shown)} shown, {serving:,} {_serve(serving)} at least one plan in "
        f"its period: {both:,} {_serve(both)} both, {share['first_only']:,} the {first} only and "
        f"{share['second_only']:,} the {second} only."
    )
    if share["neither"]:
        sentence += (
            f" {_activities(share['neither'])} {_serve(share['neither'])} neither (no link to "
            "either plan, or "
            "work outside their periods)."
        )
    elsewhere = share["tagged_elsewhere"]
    if elsewhere:
        when = (
            f"outside {years[0]}–{years[1]}, the years both plans run"
            if years
            else ("outside the plans' periods, which do not meet")
        )
        sentence += (
            f" {_activities(elsewhere)} {'is' if elsewhere == 1 else 'are'} tagged to both "
            f"plans but {'its' if elsewhere == 1 else 'their'} work lies {when}: "
            f"{'it counts' if elsewhere == 1 else 'they count'} for one plan at most."
        )
    return sentence


def row_labels(matrix: pd.DataFrame) -> dict[str, str]:
    """{code: "code title"} of the matrix's rows (the first plan's items), in order
    ("(provisional)" after an item of a provisional working structure)."""
    return _labels(matrix, "first", "first_item", None)


def cell_label(matrix: pd.DataFrame, cell: str) -> str:
    """The cell "S1 × CAMI-10" named in full: "S1 Knowledge (provisional) × CAMI-10 Species
    Monitoring and Research"; the cell as it is when the matrix does not hold it."""
    row, _, column = cell.partition(" × ")
    rows = _labels(matrix, "first", "first_item", None)
    columns = _labels(matrix, "second", "second_item", None)
    return f"{rows.get(row, row)} × {columns.get(column, column)}"


def matrix_cells(matrix: pd.DataFrame) -> list[str]:
    """Every cell of the matrix as "S1 × CAMI-10", row by row (the cell selector's options)."""
    return [
        f"{row} × {column}"
        for row, column in zip(matrix["first_item"], matrix["second_item"], strict=True)
    ]


def cell_activities(matrix: pd.DataFrame, cell: str) -> int:
    """How many activities serve the cell "S1 × CAMI-10" of the matrix (0 if not in it)."""
    row, _, column = cell.partition(" × ")
    chosen = (matrix["first_item"] == row) & (matrix["second_item"] == column)
    return int(matrix.loc[chosen, "activities"].sum())


def matrix_table(matrix: pd.DataFrame) -> pd.DataFrame:
    """The matrix as the table behind the chart: only the pairs with shared activities, an
    item of a provisional working structure marked "(provisional)" after its title."""
    shared = matrix[matrix["activities"] > 0].drop(columns=["first_level", "second_level"])
    shared["completion_pct"] = shared["completion_pct"].round(1)
    for plan in ("first", "second"):
        shared[f"{plan}_title"] = [
            item_title(str(title), bool(provisional))
            for title, provisional in zip(
                shared[f"{plan}_title"], shared.pop(f"{plan}_provisional"), strict=True
            )
        ]
    return shared.reset_index(drop=True)


def synergy_pairs(flows: pd.DataFrame) -> pd.DataFrame:
    """The flows goal → activity → section (`queries.synergy_flows`, every activity: no
    `top`) gathered into one flow per Strategy goal and CAMI section.

    An activity's weight goes to each pair of a goal and a section it serves, split evenly
    over the pairs (its weight × its share of the goal × its share of the section), so the
    goals, the sections and the pairs each add up to the total. Columns: goal, goal_label,
    section, section_label, activities (how many serve both: counted whole in every pair
    they serve), value (the split weight), demo_activities. Largest first, then by codes.
    """
    columns = [
        "goal",
        "goal_label",
        "section",
        "section_label",
        "activities",
        "value",
        "demo_activities",
    ]
    into_activity = flows[flows["stage"] == "first"]
    out_of_activity = flows[flows["stage"] == "second"]
    if into_activity.empty or out_of_activity.empty:
        return pd.DataFrame(columns=columns)
    weight = into_activity.groupby("target")["value"].sum().rename("weight")
    pairs = (
        into_activity.rename(
            columns={"source": "goal", "source_label": "goal_label", "target": "activity"}
        )[["goal", "goal_label", "activity", "value", "demo"]]
        .merge(
            out_of_activity.rename(
                columns={
                    "source": "activity",
                    "target": "section",
                    "target_label": "section_label",
                    "value": "to_section",
                }
            )[["activity", "section", "section_label", "to_section"]],
            on="activity",
        )
        .merge(weight, left_on="activity", right_index=True)
    )
    pairs["value"] = pairs["value"] * pairs["to_section"] / pairs["weight"]
    pairs["demo"] = pairs["demo"].astype(bool).astype(int)
    gathered = (
        pairs.groupby(["goal", "goal_label", "section", "section_label"], sort=False)
        .agg(
            activities=("activity", "nunique"),
            value=("value", "sum"),
            demo_activities=("demo", "sum"),
        )
        .reset_index()
    )
    gathered["value"] = gathered["value"].round(4)
    return gathered.sort_values(
        ["value", "goal", "section"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)[columns]


def synergy_sankey(flows: pd.DataFrame, *, title: str, unit: str) -> go.Figure:
    """Strategy goals → CAMI sections (`synergy_pairs` of `queries.synergy_flows`), weighted
    in `unit`: one flow per pair, readable at any number of activities.

    Goals are blue on the left, sections green on the right, each labelled by its code and a
    short title (the full name and weight in the hover); a flow's hover says how many
    activities serve both.
    """
    pairs = synergy_pairs(flows)
    goals = list(dict.fromkeys(pairs.sort_values("goal", kind="stable")["goal"]))
    sections = list(dict.fromkeys(pairs.sort_values("section", kind="stable")["section"]))
    labels = dict(zip(pairs["goal"], pairs["goal_label"], strict=True)) | dict(
        zip(pairs["section"], pairs["section_label"], strict=True)
    )
    nodes = [*goals, *sections]
    index = {node: i for i, node in enumerate(nodes)}
    value_format = ".2~f" if unit == "activities" else ",.0f"
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                # The code and the start of the title on two lines; the whole name in the hover.
                "label": [chart_label(labels[node], 18) for node in nodes],
                "customdata": [labels[node] for node in nodes],
                "color": [OKABE_ITO["blue"]] * len(goals) + [OKABE_ITO["green"]] * len(sections),
                "pad": 14,
                "thickness": 16,
                "line": {"width": 0},
                "hovertemplate": "%{customdata}<br>%{value:"
                + value_format
                + "} "
                + unit
                + "<extra></extra>",
            },
            link={
                "source": [index[goal] for goal in pairs["goal"]],
                "target": [index[section] for section in pairs["section"]],
                "value": pairs["value"].astype(float).tolist(),
                "customdata": pairs["activities"].astype(int).tolist(),
                "color": "rgba(0,114,178,0.3)",
                "hovertemplate": "%{source.customdata} → %{target.customdata}<br>"
                "%{customdata} activities serve both; weight %{value:"
                + value_format
                + "} "
                + unit
                + "<extra></extra>",
            },
            textfont={"size": 11, "color": "#222222"},
        )
    )
    height = max(360, 46 * max(len(goals), len(sections)) + 140)
    figure = apply_layout(figure, title=title, x_title="", height=height)
    figure.update_layout(margin={"l": 10, "r": 10, "t": 60, "b": 20})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure
