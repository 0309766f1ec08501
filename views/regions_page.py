"""Regional coverage: where in the range the work happens, on a map that needs no network."""

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, labels, queries
from dashboard.markup import literal
from dashboard.ui import data, layout, links
from dashboard.ui.sidebar import shared_filters

HOW_COMPUTED = """
**How is this computed?**

- An activity counts in every **range state** and every **PTCR** it is recorded in: the
  activity counts do not add up to a total. Its **funding** is split evenly between them (a
  grant to an activity in five range states counts one fifth in each, to the cent), so each
  funding column adds up to the funding of the activities recorded in any range state (or
  PTCR); the map's tooltips and the downloads show the same split amounts.
- **Activity progress** is the mean progress of the activities there that are not cancelled: an
  activity's progress is its latest update on or before the *progress as of* date, and a
  completed activity counts as 100 %. *Activities* includes cancelled ones; *counted* does not.
- **Funding** is shown per currency (one column each) and never added across currencies;
  with *progress as of*, only grants of that year or earlier.
- The map shades each PTCR's circle by its activity count or mean activity progress, and each
  range state the same way, lighter (see the legend). Activity progress says how far those
  activities have come, not how far a plan has. The PTCRs have no outlines in any source:
  their circles sit at a centre point derived from geography, as are their member countries
  (no source names them). Sites are the points recorded for activities; when there are more
  than the map can draw one by one, each dot groups the sites in a square of the grid (the
  note under the map says how large) and its tooltip says how many activities are there.
- The list of activities shows one page at a time; its download holds all of them.
- The map draws the range states from the shipped Natural Earth outlines (public domain) and
  needs no network: there is no background map. It is framed to show the whole range on a
  phone; range-state names appear where they fit.
"""

SPLIT_GRANTS = (
    "Funding per currency, never added across currencies. A grant to an activity in several "
    "{places} is split evenly between them (a fifth each for five), so the column adds up to "
    "the funding recorded; the download holds the same amounts."
)

# The activities of the chosen place: one page at a time, its number in the URL.
LISTING = "place_activities"
# The chosen place's widget key and URL parameter.
PLACE = "map_place"

layout.header(
    "Regional coverage",
    "Where in the Pallas's cat range the work happens: range states and CAMI Priority "
    "Transboundary Conservation Regions (PTCRs), the progress of the activities there, their "
    "funding, and the gaps.",
)


def _map_key() -> str:
    # A fresh key after each map click: the choice moves to the place selector, and the map
    # is drawn again in its own colours rather than Streamlit's selection highlight.
    return f"coverage-map-{st.session_state.get('coverage_map_round', 0)}"


def _place_from_map() -> None:
    """A click on a range state or PTCR chooses it in the place selector; on an activity's
    site, opens the activity's page."""
    objects = st.session_state[_map_key()].selection.objects
    # A site of one activity opens its page; a range state or PTCR is chosen below.
    links.open_from_map(objects)
    place = charts.selected_place(objects)
    if place:
        st.session_state[PLACE] = place
        layout.code_to_url(PLACE, then=_first_page)
    st.session_state["coverage_map_round"] = st.session_state.get("coverage_map_round", 0) + 1


def _funding_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """The funding columns of a coverage table, saying in their header that shared grants
    are split."""
    return {
        column: st.column_config.NumberColumn(
            f"{labels.column_label(column)}, shared grants split", format="localized"
        )
        for column in frame.columns
        if column.startswith("funding_")
    }


def _first_page() -> None:
    """Another place's activities start at their first page."""
    st.session_state[f"{LISTING}_page"] = 1


with layout.guard("The regional coverage"), st.spinner("Computing the regional coverage…"):
    filters = shared_filters()
    layout.demo_notice(filters)
    layout.as_of_notice(filters)
    places = dict(data.place_options())

    left, right = st.columns([2, 3])
    shade_by = left.radio(
        "Shade the PTCRs and range states by",
        list(charts.SHADINGS),
        format_func=charts.SHADINGS.__getitem__,
        horizontal=True,
        key="map_shade",
        bind="query-params",
    )
    with right:
        # In the URL by its code: `?map_place=country:KAZ`, `?map_place=ptcr:9`.
        place = layout.choose_by_code(
            "Focus on a range state or PTCR (or click it on the map)",
            places,
            key=PLACE,
            noun="range state or PTCR",
            placeholder="The whole range",
            then=_first_page,
        )
    # The listing's page as last shown (the first on a new place), fetched with the rest.
    shown = st.session_state.get(f"{LISTING}_page")
    first_row = (int(shown) - 1) * layout.PAGE_SIZE if isinstance(shown, int) else 0
    data.prefetch(
        lambda: data.coverage_by_country(filters=filters),
        lambda: data.coverage_by_region(filters=filters),
        lambda: data.site_points(filters=filters),
        lambda: data.activities_in_place_count(filters=filters, place=place),
        lambda: data.activities_in_place(
            filters=filters, place=place, offset=first_row, limit=layout.PAGE_SIZE
        ),
    )
    countries = data.coverage_by_country(filters=filters)
    regions = data.coverage_by_region(filters=filters)
    points = data.site_points(filters=filters)

    map_column, side = st.columns([3, 2])
    with side:
        st.html(
            charts.legend_html(
                charts.legend(countries, regions, shade_by), title=charts.SHADINGS[shade_by]
            )
        )
        if note := charts.sites_note(points):
            st.caption(note)
        free_map = st.toggle(
            "Scroll wheel and swipes move the map",
            key="map_free",
            help="Off, the scroll wheel and an up-or-down swipe scroll the page over the map.",
        )
        st.caption(
            "Drag the map to move it; double-click to zoom in (Shift + double-click to zoom "
            "out). "
            + (
                "The scroll wheel zooms the map; on a touch screen, one finger moves it and a "
                "pinch zooms it."
                if free_map
                else "On a touch screen, swipe sideways to move it and pinch to zoom. The scroll "
                "wheel and an up-or-down swipe scroll the page, not the map."
            )
        )
    with map_column:
        layout.deck_map(
            charts.coverage_map(
                data.range_state_shapes(),
                countries,
                regions,
                points,
                shade_by=shade_by,
                focus=place,
                scroll_zoom=free_map,
            ),
            height=charts.maps.MAP_HEIGHT,
            on_select=_place_from_map,
            selection_mode="single-object",
            key=_map_key(),
            touch_moves_map=free_map,
        )
    links.open_chosen_activity()

    where = literal(places[place]) if place else "the whole range"
    st.subheader(f"Activities in {where}")
    total = data.activities_in_place_count(filters=filters, place=place)
    if not total:
        st.info(f"No activity in {where} matches the current filters.")
    else:
        layout.paged_table(
            total,
            lambda offset, limit: data.activities_in_place(
                filters=filters, place=place, offset=offset, limit=limit
            ),
            key=LISTING,
            noun=("activity", "activities"),
        )
        layout.csv_download(
            data.later(queries.activities_in_place, filters=filters, place=place),
            key="activities-in-place",
        )

    gaps = queries.coverage_gaps(countries=countries, regions=regions)
    money = _funding_columns(countries)

    st.subheader("Coverage by range state")
    if gaps["countries"]:
        st.warning(
            f"**No activity at all in {len(gaps['countries'])} of {len(countries)} range "
            f"states:** {', '.join(gaps['countries'])}."
        )
    else:
        st.success(f"Every one of the {len(countries)} range states has activity.")
    if money:
        st.caption(SPLIT_GRANTS.format(places="range states"))
    layout.listing(countries, column_config=money)
    layout.csv_download(countries, key="coverage-by-range-state")

    st.subheader("Coverage by PTCR")
    if gaps["regions"]:
        st.warning(
            f"**No activity at all in {len(gaps['regions'])} of {len(regions)} PTCRs:** "
            f"{', '.join(gaps['regions'])}."
        )
    else:
        st.success(f"Every one of the {len(regions)} PTCRs has activity.")
    region_money = _funding_columns(regions)
    if region_money:
        st.caption(SPLIT_GRANTS.format(places="PTCRs"))
    layout.listing(regions, column_config=region_money)
    layout.csv_download(regions, key="coverage-by-ptcr")

    with st.expander("How is this computed?"):
        st.markdown(HOW_COMPUTED)
