"""Sign-in and the edit page through app.py with AppTest, on a copy of the fixture store.

Accounts: alice (admin, any organisation), bob (editor for acbk), carol (disabled).
Fixture figures (tests/fixtures/data): Overview shows CAMI WP completion 42 % = (A1 100 +
A4 0 + A5 25) / 3 on CAMI-10 (A3 cancelled); A5 is on_hold at 25 %.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from streamlit.testing.v1 import AppTest

from dashboard import audit, auth, editing
from dashboard import models as m
from dashboard.db import make_engine
from tests.conftest import FIXTURE_DATA, ROOT

APP = str(ROOT / "app.py")
EDIT = "views/edit_page.py"
SIGN_IN = "views/signin_page.py"
PASSWORD = "manul-steppe-2026"
OPERATOR = auth.command_line_actor("tests")


@pytest.fixture
def engine(writable_store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The app pointed at a writable copy of the fixture store with three accounts."""
    monkeypatch.setenv("DATABASE_URL", writable_store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    engine = make_engine(writable_store_url)
    with Session(engine) as session:
        for name, role, organisations in (
            ("alice", "admin", []),
            ("bob", "editor", ["acbk"]),
            ("carol", "editor", ["pica"]),
        ):
            auth.add_user(
                session=session,
                username=name,
                password=PASSWORD,
                role=role,
                organisations=organisations,
                actor=OPERATOR,
            )
        auth.disable_user(session=session, username="carol", actor=OPERATOR)
        session.commit()
    st.cache_data.clear()
    yield engine
    st.cache_data.clear()
    engine.dispose()


def click(at: AppTest, label: str) -> AppTest:
    [button] = [button for button in at.button if button.label == label]
    return button.click().run()


def sign_in(name: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(SIGN_IN).run()
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    return click(at, "Sign in")


def open_edit_page(at: AppTest, task: str = "Activity") -> AppTest:
    at.session_state["task"] = task
    return at.switch_page(EDIT).run()


def messages(at: AppTest) -> dict[str, list[str]]:
    return {
        "error": [element.value for element in at.error],
        "warning": [element.value for element in at.warning],
        "success": [element.value for element in at.success],
    }


SIGN_IN_TO_EDIT = "Sign in to edit. Editing needs a partner account; viewing does not."


def assert_asks_to_sign_in(at: AppTest) -> None:
    """The edit page, opened without signing in, asks to sign in and shows no editing."""
    at.switch_page(EDIT).run()
    assert not at.exception
    assert at.title[0].value == "Edit activities"
    assert SIGN_IN_TO_EDIT in [element.value for element in at.info]
    assert [field.label for field in at.text_input] == ["User name", "Password"]
    assert len(at.tabs) == 0


def test_an_anonymous_visit_to_the_edit_page_asks_to_sign_in_and_stays_there(
    engine: Engine,
) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert_asks_to_sign_in(at)
    at.text_input(key="sign_in_name").input("Alice")
    at.text_input(key="sign_in_password").input(PASSWORD)
    click(at, "Sign in")
    assert not at.exception
    assert at.title[0].value == "Edit activities"
    assert "Signed in as **alice** (admin): you may edit any activity." in [
        caption.value for caption in at.caption
    ]
    assert [tab.label for tab in at.tabs][:2] == ["Activity", "Progress update"]


def test_a_new_page_load_with_the_session_cookie_is_signed_in(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reload or a bookmarked link: a new Streamlit session whose request carries the
    cookie (AppTest cannot send cookies, so the reading of it is stood in for)."""
    from dashboard import session_cookie
    from dashboard.ui import signin

    at = sign_in("alice")
    session_id = at.session_state[signin.SESSION_KEY]
    with Session(engine) as session:
        row = session.get(m.PartnerSession, session_id)
        assert row is not None
        assert row.token_hash == ""
    # The ticket went to the browser in the run after signing in: redeem one like it.
    with Session(engine) as session:
        secret = session_cookie._secret(session)
        ticket = auth.start_session(
            session=session, username="alice", lifetime=dt.timedelta(hours=1)
        )
        session.commit()
        cookie = auth.hand_over(session=session, ticket=ticket.ticket, secret=secret)
        assert cookie is not None
        # Once only.
        assert auth.hand_over(session=session, ticket=ticket.ticket, secret=secret) is None
    monkeypatch.setattr(signin, "session_cookie", lambda: cookie.value)
    reloaded = AppTest.from_file(APP, default_timeout=60).run()
    reloaded.switch_page(EDIT).run()
    assert [tab.label for tab in reloaded.tabs][:1] == ["Activity"]
    # Signing out ends the session in the store: the same cookie no longer signs in.
    reloaded.switch_page(SIGN_IN).run()
    click(reloaded, "Sign out")
    assert "signed_in_user" not in reloaded.session_state
    again = AppTest.from_file(APP, default_timeout=60).run()
    assert_asks_to_sign_in(again)
    # A tampered cookie is refused, and so is a signed-out user's.
    monkeypatch.setattr(signin, "session_cookie", lambda: cookie.value[:-2] + "xx")
    assert_asks_to_sign_in(AppTest.from_file(APP, default_timeout=60).run())


def signed_in_cookie(session: Session, secret: bytes) -> auth.Cookie:
    """The cookie a browser gets after alice signs in (an hour's session)."""
    started = auth.start_session(session=session, username="alice", lifetime=dt.timedelta(hours=1))
    session.commit()
    cookie = auth.hand_over(session=session, ticket=started.ticket, secret=secret)
    assert cookie is not None
    return cookie


def test_disabling_a_user_ends_the_sessions_their_cookies_name(engine: Engine) -> None:
    with Session(engine) as session:
        secret = auth.session_secret(session=session)
        cookie = signed_in_cookie(session, secret)
        assert auth.session_actor(session=session, cookie=cookie.value, secret=secret) is not None
        auth.disable_user(session=session, username="alice", actor=OPERATOR)
        auth.enable_user(session=session, username="alice", actor=OPERATOR)
        session.commit()
        assert auth.session_actor(session=session, cookie=cookie.value, secret=secret) is None


def test_a_session_cookie_expires(engine: Engine) -> None:
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session:
        secret = auth.session_secret(session=session)
        cookie = signed_in_cookie(session, secret)
        later = now + dt.timedelta(hours=1, seconds=1)
        assert (
            auth.session_actor(
                session=session, cookie=cookie.value, secret=secret, clock=lambda: later
            )
            is None
        )
        # A ticket is good for a minute only.
        late = auth.start_session(session=session, username="alice", lifetime=dt.timedelta(hours=1))
        session.commit()
        assert (
            auth.hand_over(
                session=session,
                ticket=late.ticket,
                secret=secret,
                clock=lambda: now + dt.timedelta(minutes=2),
            )
            is None
        )


def test_the_edit_page_is_not_listed_for_visitors(engine: Engine) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert_asks_to_sign_in(at)
    at.switch_page(SIGN_IN).run()
    assert at.title[0].value == "Partner sign-in"
    assert [field.label for field in at.text_input] == ["User name", "Password"]


def test_sign_in_without_a_password(engine: Engine) -> None:
    at = sign_in("alice", password="")
    assert messages(at)["error"] == ["Enter your user name and password."]
    assert_asks_to_sign_in(at)


def test_sign_in_with_a_wrong_password_is_refused_and_counted(engine: Engine) -> None:
    at = sign_in("alice", password="not the password")
    assert messages(at)["error"] == [auth.WRONG]
    with Session(engine) as session:
        # AppTest has no connection: the client is this machine.
        failure = session.get(m.SignInThrottle, ("alice", "local"))
    assert failure is not None
    assert failure.failures == 1


def test_repeated_failures_lock_the_name(engine: Engine) -> None:
    for _ in range(3):
        at = sign_in("alice", password="not the password")
    assert messages(at)["error"] == [auth.WRONG]
    # The third failure locks the name for 2 s: even the right password waits.
    at = sign_in("alice")
    assert messages(at)["error"][0].startswith("Too many failed sign-ins from here")


def test_a_disabled_user_cannot_sign_in(engine: Engine) -> None:
    at = sign_in("carol")
    assert messages(at)["error"] == [auth.WRONG]
    assert_asks_to_sign_in(at)


def test_sign_in_lists_the_edit_page_and_sign_out_ends_the_rights(engine: Engine) -> None:
    at = sign_in("alice")
    assert messages(at)["success"] == ["Signed in as **alice** (admin): you may edit any activity."]
    open_edit_page(at)
    assert not at.exception
    assert at.title[0].value == "Edit activities"
    assert [tab.label for tab in at.tabs] == [
        "Activity",
        "Progress update",
        "Funding",
        "Output",
        "Assess plan items",
        "Import a file",
        "History",
        "Plans",
    ]
    at.switch_page(SIGN_IN).run()
    click(at, "Sign out")
    assert [field.label for field in at.text_input] == ["User name", "Password"]
    assert "signed_in_user" not in at.session_state
    assert_asks_to_sign_in(at)


def test_disabling_a_signed_in_user_ends_their_rights_at_once(engine: Engine) -> None:
    at = open_edit_page(sign_in("alice"))
    assert at.title[0].value == "Edit activities"
    with Session(engine) as session:
        auth.disable_user(session=session, username="alice", actor=OPERATOR)
        session.commit()
    at.run()
    assert "signed_in_user" not in at.session_state
    assert len(at.tabs) == 0
    assert SIGN_IN_TO_EDIT in [element.value for element in at.info]


def choose_activity(at: AppTest, activity_id: str) -> AppTest:
    return at.selectbox(key="act_select").select(activity_id).run()


def test_the_form_shows_each_problem_next_to_its_field_and_saves_nothing(engine: Engine) -> None:
    at = choose_activity(open_edit_page(sign_in("alice")), "A5")
    assert at.text_input(key="act_title").value == "Monitoring guideline trial"
    assert at.number_input(key="act_progress_pct").value == 25
    at.number_input(key="act_progress_pct").set_value(150)
    at.date_input(key="act_end_date").set_value(dt.date(2022, 1, 1))
    at.text_input(key="act_title").input("")
    click(at, "Save changes")
    assert messages(at)["error"] == [
        "Nothing was saved: correct the fields marked below.",
        "value required",
        "150 is outside 0–100",
        "ends (2022-01-01) before it starts (2023-01-01)",
    ]
    # What was typed is kept, to be corrected.
    assert at.number_input(key="act_progress_pct").value == 150
    stored = editing.load_draft(session=Session(engine), activity_id="A5")
    assert stored is not None
    assert (stored.title, stored.progress_pct, stored.version) == (
        "Monitoring guideline trial",
        25,
        1,
    )


def strategy_progress(at: AppTest) -> str:
    """The first plan's (the Strategy's) activity progress on the Overview."""
    return next(metric.value for metric in at.metric if metric.label == "Activity progress")


def test_a_save_refreshes_the_figures_on_every_page(engine: Engine) -> None:
    at = sign_in("alice")
    at.switch_page("views/overview_page.py").run()
    # The Strategy's activity progress (no demo activity is linked to it).
    assert strategy_progress(at) == "55 %"
    choose_activity(open_edit_page(at), "A5")
    at.selectbox(key="act_status").select("in_progress")
    at.number_input(key="act_progress_pct").set_value(70)
    at.text_input(key="act_title").input("Monitoring guideline field trial")
    click(at, "Save changes")
    assert messages(at)["success"] == [
        "Saved **A5** (title, status, progress_pct). Version 2; every page shows the change now."
    ]
    # The form now holds the saved version.
    assert at.text_input(key="act_title").value == "Monitoring guideline field trial"
    at.switch_page("views/overview_page.py").run()
    # (A1 100×1 + A2 50×2 + A2 50×1 + A5 70×1) / 5 = 64
    assert strategy_progress(at) == "64 %"
    with Session(engine) as session:
        rows = audit.entries(session=session, activity_key="A5")
    assert [(row.actor, row.via, row.action, row.table_name) for row in rows] == [
        ("alice", "form", "update", "activity"),
        ("alice", "form", "insert", "progressupdate"),
    ]


def test_a_conflicting_edit_is_refused_and_shows_what_changed(engine: Engine) -> None:
    at = choose_activity(open_edit_page(sign_in("alice")), "A5")
    # Someone else saves A5 while Alice's form is open.
    with Session(engine) as session:
        base = editing.load_draft(session=session, activity_id="A5")
        assert base is not None
        editing.save_activity(
            session=session,
            draft=base.replace(title="Renamed by Carol"),
            actor=auth.Actor("dora", "admin", "form"),
            base=base,
        )
        session.commit()
    at.text_area(key="act_description").input("Alice's description")
    click(at, "Save changes")
    assert messages(at)["error"] == [
        "A5 was changed by someone else since you opened it (title: Monitoring guideline trial "
        "→ Renamed by Carol). Nothing was saved: load the current version and make your change "
        "again."
    ]
    with Session(engine) as session:
        stored = editing.load_draft(session=session, activity_id="A5")
    assert stored is not None
    assert (stored.title, stored.description, stored.version) == ("Renamed by Carol", "", 2)
    click(at, "Load the current version (discards your unsaved changes)")
    assert at.text_input(key="act_title").value == "Renamed by Carol"
    assert not messages(at)["error"]


def test_create_an_activity_with_the_form(engine: Engine) -> None:
    at = open_edit_page(sign_in("alice"))
    at.text_input(key="act_activity_id").input("A6")
    at.text_input(key="act_title").input("Kazakh Altai interviews")
    at.selectbox(key="act_status").select("in_progress")
    at.number_input(key="act_progress_pct").set_value(10)
    at.selectbox(key="act_lead_organisation").select("acbk")
    at.multiselect(key="act_countries").select("KAZ")
    at.multiselect(key="act_ptcrs").select(9)
    # One item picker per plan, labelled by the plan's short name.
    assert [picker.label for picker in at.multiselect if picker.key.startswith("act_items_")] == [
        "Strategy",
        "CAMI WP",
    ]
    at.multiselect(key="act_items_strategy").select("S1.1")
    at.multiselect(key="act_items_cami").select("CAMI-10")
    at.text_input(key="act_weights").input("CAMI-10:0.5")
    click(at, "Create activity")
    assert messages(at)["success"][0].startswith("Created **A6**")
    assert at.selectbox(key="act_select").value == "A6"
    with Session(engine) as session:
        stored = editing.load_draft(session=session, activity_id="A6")
    assert stored is not None
    assert (stored.lead_organisation, stored.countries, stored.ptcrs) == ("acbk", ("KAZ",), (9,))
    assert stored.items == {"cami": (("CAMI-10", 0.5),), "strategy": (("S1.1", 1.0),)}


def test_a_third_plan_gets_its_own_item_picker(engine: Engine) -> None:
    from tests.test_plan_links import add_third_plan

    add_third_plan(engine)
    at = open_edit_page(sign_in("alice"))
    pickers = [picker for picker in at.multiselect if picker.key.startswith("act_items_")]
    assert [picker.label for picker in pickers] == ["Strategy", "CAMI WP", "Concerted Action"]
    assert pickers[2].options == ["CA-i Addition to CAMI", "CA-ii Programme of Work"]
    at.text_input(key="act_activity_id").input("A6")
    at.text_input(key="act_title").input("Concerted Action report")
    at.multiselect(key="act_items_concerted").select("CA-ii")
    at.text_input(key="act_weights").input("CA-ii:2")
    click(at, "Create activity")
    assert messages(at)["success"][0].startswith("Created **A6**")
    with Session(engine) as session:
        stored = editing.load_draft(session=session, activity_id="A6")
    assert stored is not None
    assert stored.items == {"concerted": (("CA-ii", 2.0),)}


def test_saving_an_unchanged_form_says_so(engine: Engine) -> None:
    at = choose_activity(open_edit_page(sign_in("alice")), "A5")
    click(at, "Save changes")
    assert messages(at)["success"] == ["Nothing to save: **A5** is as stored (version 1)."]


def test_an_unknown_weight_code_is_named(engine: Engine) -> None:
    at = choose_activity(open_edit_page(sign_in("alice")), "A5")
    at.text_input(key="act_weights").input("S2.2:3")
    click(at, "Save changes")
    assert "S2.2 is not among the linked items" in messages(at)["error"]


def test_a_restricted_editor_sees_only_their_activities(engine: Engine) -> None:
    at = open_edit_page(sign_in("bob"))
    assert at.caption[1].value.startswith("Signed in as **bob** (editor): you may edit activities")
    assert at.selectbox(key="act_select").options == [
        "New activity…",
        "A2 · Steppe survey in Mongolia",
        "A4 · Transboundary monitoring",
    ]


def test_record_a_progress_update(engine: Engine) -> None:
    at = open_edit_page(sign_in("alice"), "Progress update")
    at.selectbox(key="prog_activity").select("A5").run()
    assert at.number_input(key="prog_progress_pct").value == 25
    at.number_input(key="prog_progress_pct").set_value(40)
    at.selectbox(key="prog_status").select("in_progress")
    at.text_input(key="prog_note").input("resumed")
    click(at, "Record progress update")
    assert messages(at)["success"][0].startswith("Recorded: **A5** in progress, 40 %")
    with Session(engine) as session:
        row = session.exec(
            select(m.Activity.status, m.Activity.progress_pct).where(m.Activity.activity_id == "A5")
        ).one()
    assert tuple(row) == ("in_progress", 40.0)


def test_a_bad_progress_update_is_marked(engine: Engine) -> None:
    at = open_edit_page(sign_in("alice"), "Progress update")
    at.selectbox(key="prog_activity").select("A5").run()
    at.number_input(key="prog_progress_pct").set_value(90)
    at.selectbox(key="prog_status").select("completed")
    click(at, "Record progress update")
    assert messages(at)["error"] == ["a completed activity is at 100, not 90"]


def test_import_a_file_on_the_edit_page(engine: Engine) -> None:
    at = open_edit_page(sign_in("alice"), "Import a file")
    assert [button.label for button in at.get("download_button")] == [
        f"{kind}.csv {what}"
        for kind in ("activities", "progress_updates", "funding", "outputs", "item_assessments")
        for what in ("template", "example")
    ]
    bad = b"activity_id,date,progress_pct,status,note,source\nA5,2025-02-01,140,in_progress,,\n"
    at.get("file_uploader")[0].set_value(("progress.csv", bad, "text/csv"))
    click(at.run(), "Import")
    assert messages(at)["error"][0].startswith("**progress.csv was not imported**")
    assert at.code[0].value == "row 2, column progress_pct: 140 is outside 0–100"
    good = bad.replace(b",140,", b",40,")
    at.get("file_uploader")[0].set_value(("progress.csv", good, "text/csv"))
    click(at.run(), "Import")
    assert messages(at)["success"] == [
        "**progress.csv**: imported (1 added, 0 changed, 0 left alone)."
    ]
    assert at.code[0].value.splitlines()[:2] == [
        "progress_updates: 1 rows",
        "added (1): A5 2025-02-01",
    ]
    with Session(engine) as session:
        rows = audit.entries(session=session, activity_key="A5")
    assert [(row.actor, row.via, row.table_name) for row in rows] == [
        ("alice", "form", "progressupdate"),
        ("alice", "form", "activity"),
    ]


def test_the_history_tab_shows_an_activitys_changes(engine: Engine) -> None:
    with Session(engine) as session:
        editing.record_progress(
            session=session,
            draft=editing.ProgressDraft("A2", dt.date(2025, 9, 1), 60.0, "in_progress"),
            actor=auth.Actor("alice", "editor", "form"),
        )
        session.commit()
    at = open_edit_page(sign_in("alice"), "History")
    at.selectbox(key="hist_activity").select("A2").run()
    table = at.dataframe[0].value
    assert list(table["actor"]) == ["alice", "alice"]
    # Newest first: the activity's refreshed state, then the update that caused it.
    assert list(table["changes"]) == [
        "progress_pct: 50 → 60",
        "date: 2025-09-01; note: —; progress_pct: 60; source: —; status: in_progress",
    ]
    at.selectbox(key="hist_activity").select("A1").run()
    assert at.info[0].value.startswith("No recorded changes to A1 yet")


def test_assess_a_plan_item_and_see_its_history(engine: Engine) -> None:
    with Session(engine) as session:
        editing.record_assessment(
            session=session,
            draft=editing.AssessmentDraft(
                "S1.2", dt.date(2022, 6, 1), "completed", "monitoring scheme in place", "report"
            ),
            actor=OPERATOR,
        )
        session.commit()
    at = open_edit_page(sign_in("alice"), "Assess plan items")
    assert not at.exception
    options = at.selectbox(key="assess_item").options
    assert options[:2] == [
        "S1 Knowledge · Strategy (provisional)",
        "S1.1 Distribution · Strategy (provisional)",
    ]
    assert options[-1] == "CAMI-11 Education, Community and Communication · CAMI WP"
    at.selectbox(key="assess_item").select("S1.1").run()
    assert at.markdown[-1].value.startswith(
        "**S1.1 Distribution · Strategy (provisional)**: not assessed yet."
    )
    at.selectbox(key="assess_item").select("S1.2").run()
    assert at.markdown[-1].value == (
        "**S1.2 Monitoring · Strategy (provisional)**: **completed**, as assessed on "
        "2022-06-01 by cli:tests."
    )
    at.date_input(key="assess_date").set_value(dt.date(2025, 3, 1))
    at.selectbox(key="assess_status").select("well_advanced")
    at.text_input(key="assess_note").input("one range state still to report")
    at.text_input(key="assess_source").input("CMS national report 2025")
    click(at, "Record assessment")
    assert messages(at)["success"] == ["Recorded: **S1.2** well advanced on 2025-03-01."]
    assert at.markdown[-1].value.startswith(
        "**S1.2 Monitoring · Strategy (provisional)**: **well advanced**, as assessed on "
        "2025-03-01 by alice."
    )
    table = at.dataframe[0].value
    assert [
        (day.isoformat(), status, note, source, by)
        for day, status, note, source, by in table.itertuples(index=False)
    ] == [
        (
            "2025-03-01",
            "well advanced",
            "one range state still to report",
            "CMS national report 2025",
            "alice",
        ),
        ("2022-06-01", "completed", "monitoring scheme in place", "report", "cli:tests"),
    ]
    # The same again changes nothing.
    click(at, "Record assessment")
    assert messages(at)["success"] == [
        "Already recorded, nothing changed: **S1.2** well advanced on 2025-03-01."
    ]
    with Session(engine) as session:
        entries = session.exec(
            select(m.AuditEntry.actor, m.AuditEntry.via, m.AuditEntry.table_name).order_by(
                col(m.AuditEntry.id)
            )
        ).all()
    assert [tuple(entry) for entry in entries if entry[2] == "itemassessment"] == [
        ("cli:tests", "cli", "itemassessment"),
        ("alice", "form", "itemassessment"),
    ]


def test_an_assessment_without_evidence_is_marked_and_not_saved(engine: Engine) -> None:
    at = open_edit_page(sign_in("alice"), "Assess plan items")
    at.selectbox(key="assess_item").select("CAMI-10").run()
    at.selectbox(key="assess_status").select("completed")
    click(at, "Record assessment")
    assert messages(at)["error"] == [
        "say where this is documented (a report, publication or URL): “completed” needs its "
        "evidence"
    ]
    at.selectbox(key="assess_status").select("not_applicable")
    click(at, "Record assessment")
    assert messages(at)["error"] == ["say why the item does not apply"]
    with Session(engine) as session:
        assert session.exec(select(m.ItemAssessment)).all() == []


def test_a_restricted_editor_is_told_why_they_cannot_assess(engine: Engine) -> None:
    at = open_edit_page(sign_in("bob"), "Assess plan items")
    assert at.info[0].value.startswith(
        "You may not assess plan items: an assessment speaks for the whole plan"
    )
    assert not at.selectbox


def test_record_funding_whose_amount_is_not_published(engine: Engine) -> None:
    at = open_edit_page(sign_in("alice"), "Funding")
    at.selectbox(key="fund_activity").select("A5")
    at.selectbox(key="fund_funder").select("fondation-segre")
    at.text_input(key="fund_source").input("annual report 2024")
    # Without an amount and without the box ticked: the amount is asked for.
    click(at, "Record funding")
    assert messages(at)["error"] == ["give the amount, or tick “Amount not published”"]
    at.text_input(key="fund_amount").input("500")
    at.checkbox(key="fund_unpublished").check().run()
    assert at.text_input(key="fund_amount").value == ""
    assert at.text_input(key="fund_amount").disabled
    assert at.text_input(key="fund_currency").value == ""
    # No year is invented either: give it only if the source does.
    assert at.text_input(key="fund_year").value == ""
    click(at, "Record funding")
    assert messages(at)["success"] == [
        "Funding added: fondation-segre → **A5**, amount not published."
    ]
    with Session(engine) as session:
        row = session.exec(
            select(m.Funding.amount, m.Funding.currency, m.Funding.year, m.Funding.source).where(
                m.Funding.source == "annual report 2024"
            )
        ).one()
    assert tuple(row) == (None, None, None, "annual report 2024")
    # Unticked, a currency is offered again and an amount is recorded as before.
    at.checkbox(key="fund_unpublished").uncheck().run()
    assert at.text_input(key="fund_currency").value == "EUR"
    assert at.text_input(key="fund_year").value == str(dt.date.today().year)
    at.text_input(key="fund_amount").input("1500")
    at.text_input(key="fund_year").input("2024")
    click(at, "Record funding")
    assert messages(at)["success"] == ["Funding added: fondation-segre → **A5**, 1500 EUR (2024)."]
