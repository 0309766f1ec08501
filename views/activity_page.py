"""One activity: what it is, how far it has come, who, which plan items, where, what it
achieved and what funded it (`/activity?id=A1`)."""

import streamlit as st

from dashboard.ui import activity_view as view
from dashboard.ui import data, layout

with layout.guard("The activity page"), st.spinner("Reading the activity…"):
    asked = view.activity_id_asked()
    got = data.gather(
        record=lambda: data.activity_record(activity_id=asked),
        updates=lambda: data.activity_updates(activity_id=asked),
        organisations=lambda: data.activity_organisations(activity_id=asked),
        items=lambda: data.activity_items(activity_id=asked),
        places=lambda: data.activity_places(activity_id=asked),
        sites=lambda: data.activity_sites(activity_id=asked),
        outputs=lambda: data.activity_outputs(activity_id=asked),
        funding=lambda: data.activity_funding(activity_id=asked),
        totals=lambda: data.activity_funding_totals(activity_id=asked),
        changed=lambda: data.activity_last_changed(activity_id=asked),
    )
    if got["record"].empty:
        view.not_found(asked)
        st.stop()
    record = got["record"].iloc[0].to_dict()
    view.heading(record)
    view.progress_history(got["updates"])
    view.people(got["organisations"])
    view.plan_items(got["items"])
    view.places(got["places"], got["sites"], str(record["title"]))
    view.outputs(got["outputs"])
    view.funding(got["funding"], got["totals"])
    view.sources(record)
    view.last_changed(got["changed"])
    layout.data_as_of(str(record["title"]))
    st.page_link("views/explorer_page.py", label="All activities")
