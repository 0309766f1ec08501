"""Manul Progress: the router. Page config, navigation and the filters every page shares."""

from pathlib import Path

import streamlit as st

from dashboard.queries import Plan
from dashboard.ui import data
from dashboard.ui.layout import guard, settle_imports, timed_run
from dashboard.ui.sidebar import draw_shared_filters
from dashboard.ui.signin import current_user, sync_cookie

HERE = Path(__file__).parent
settle_imports()

APP_NAME = "Manul Progress"
st.set_page_config(
    page_title=APP_NAME,
    page_icon=str(HERE / "assets" / "manul-icon.png"),
    layout="wide",
)

# Edit pages are listed only for a signed-in partner; viewing stays public.
signed_in = current_user() is not None
# One page per plan in the store; a store that cannot be read says so (and lists none).
plans: list[Plan] = []
with guard("The list of plans"):
    plans = data.plan_list()
navigation = st.navigation(
    {
        "Progress": [
            st.Page(HERE / "views" / "overview_page.py", title="Overview", default=True),
            # One page per plan in the store, in its order, at its code (`/strategy`): a plan
            # loaded later appears with no change here.
            *(
                st.Page(HERE / "views" / "plan_page.py", title=plan.name, url_path=plan.code)
                for plan in plans
            ),
            st.Page(
                HERE / "views" / "history_page.py", title="Progress over time", url_path="history"
            ),
        ],
        "Where and how": [
            st.Page(HERE / "views" / "synergies_page.py", title="Synergies", url_path="synergies"),
            st.Page(
                HERE / "views" / "regions_page.py", title="Regional coverage", url_path="regions"
            ),
        ],
        "Funders": [
            st.Page(HERE / "views" / "funder_page.py", title="Funder impact", url_path="funder"),
        ],
        "Data": [
            st.Page(HERE / "views" / "explorer_page.py", title="Activities", url_path="activities"),
            # One activity (`/activity?id=A1`), opened from the listings and maps: not listed.
            st.Page(
                HERE / "views" / "activity_page.py",
                title="Activity",
                url_path="activity",
                visibility="hidden",
            ),
        ],
        "Partners": [
            # Listed only for a signed-in partner; a visitor's link to it asks to sign in.
            st.Page(
                HERE / "views" / "edit_page.py",
                title="Edit activities",
                url_path="edit",
                visibility="visible" if signed_in else "hidden",
            ),
            st.Page(
                HERE / "views" / "signin_page.py",
                title="Account" if signed_in else "Partner sign-in",
                url_path="sign-in",
            ),
        ],
    }
)
# Each page's own browser tab title (a page may name itself more precisely when it runs).
st.set_page_config(
    page_title=APP_NAME if navigation.title == "Overview" else f"{navigation.title} · {APP_NAME}"
)
with timed_run(navigation.url_path):
    # One single-row read a run: figures cached for an older version of the store (changed
    # since by any process: another server, the command line) are not shown.
    with guard("The store"):
        data.read_store_version()
    # The shared filters live here so that they follow the user from page to page.
    with guard("The filters"):
        draw_shared_filters()
    with st.sidebar:
        sync_cookie()
    navigation.run()
