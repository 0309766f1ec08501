"""CAMI Work Programme 2026–2032: how far it has come, per section, and the PTCRs."""

import streamlit as st

from dashboard.ui import data, layout
from dashboard.ui.framework_view import framework_body
from dashboard.ui.sidebar import shared_filters

layout.header(
    "CAMI Work Programme 2026–2032",
    "How far each section of the CMS Central Asian Mammals Initiative's Work Programme has come "
    "for the Pallas's cat: section 10 applies in full, the others through selected actions.",
)

with layout.guard("The CAMI page"), st.spinner("Computing progress…"):
    filters = shared_filters()
    layout.demo_notice(filters)
    layout.as_of_notice(filters)
    framework_body("cami", filters, prefetch=[lambda: data.ptcr_listing(filters=filters)])

    st.subheader("Priority Transboundary Conservation Regions that list the Pallas's cat")
    regions = data.ptcr_listing(filters=filters)
    layout.listing(regions)
    st.caption(
        "*Pending (under revision)*: the region's inclusion in the final Work Programme was "
        "still under revision when the CMS report was written. No source names the member "
        "countries or centre points of the PTCRs: they are derived from geography."
    )
    layout.csv_download(regions, key="cami-ptcrs")
