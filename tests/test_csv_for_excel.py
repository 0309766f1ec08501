"""CSV that Excel opens without mojibake: UTF-8 with a byte-order mark, from the page and the
command line alike, for place and organisation names in Cyrillic and Mongolian script."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.runtime.media_file_manager import MediaFileManager

from dashboard import models as m
from dashboard.auth import Actor
from dashboard.db import make_engine
from dashboard.editing import ActivityDraft, create_activities, load_reference
from dashboard.export import frame_to_csv, tables_to_zip
from tests.test_pages_funder_explorer import (  # noqa: F401 (a fixture)
    EXPLORER,
    cli_bytes,
    download,
    downloads,
    open_page,
)

MONGOLIAN = "Монгол Улсын Байгаль орчин ᠮᠣᠩᠭᠣᠯ"
RUSSIAN = "Даурский заповедник, Забайкальский край"


def test_a_csv_starts_with_the_utf8_byte_order_mark_and_is_otherwise_unchanged() -> None:
    frame = pd.DataFrame({"lead": [MONGOLIAN], "place": [RUSSIAN], "note": ["=1+1"]})
    data = frame_to_csv(frame)
    # Excel reads a CSV as UTF-8 only when it starts with EF BB BF; otherwise in the
    # system's code page (Windows-1252: "ÐœÐ¾Ð½Ð³Ð¾Ð»...").
    assert data.startswith(codecs.BOM_UTF8)
    assert data.count(codecs.BOM_UTF8) == 1
    assert data[len(codecs.BOM_UTF8) :].decode("utf-8") == (
        f'lead,place,note\r\n{MONGOLIAN},"{RUSSIAN}",\'=1+1\r\n'
    )


def test_each_csv_in_a_zip_starts_with_the_mark() -> None:
    archive = tables_to_zip({"places": pd.DataFrame({"place": [RUSSIAN]})})
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.read("places.csv") == codecs.BOM_UTF8 + f'place\r\n"{RUSSIAN}"\r\n'.encode()


@pytest.fixture
def store_with_cyrillic_names(writable_store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The fixture store and one activity in Mongolia led by an organisation named in
    Mongolian, the app pointed at it."""
    engine = make_engine(writable_store_url)
    with Session(engine) as session:
        session.add(m.Organisation(slug="mn-nature", name=MONGOLIAN, kind="NGO", source="test"))
        session.flush()
        create_activities(
            session=session,
            drafts=[
                ActivityDraft(
                    activity_id="A8",
                    title=RUSSIAN,
                    status="in_progress",
                    progress_pct=20,
                    start_date=dt.date(2024, 1, 1),
                    lead_organisation="mn-nature",
                    countries=("MNG",),
                )
            ],
            actor=Actor(name="tests", role="admin", via="cli"),
            reference=load_reference(session=session),
        )
        session.commit()
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", writable_store_url)
    st.cache_data.clear()
    return writable_store_url


@pytest.mark.usefixtures("app_env")
def test_the_page_download_and_the_cli_write_the_same_marked_utf8(
    store_with_cyrillic_names: str,
    downloads: dict[str, tuple[bytes, str]],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    kinds: list[str] = []
    made = MediaFileManager.add_deferred

    def note_kind(self: MediaFileManager, make: Any, mimetype: str, *args: Any, **kw: Any) -> str:
        kinds.append(mimetype)
        return made(self, make, mimetype, *args, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", note_kind)
    at = open_page(EXPLORER, country="Mongolia (MNG)")
    assert "A8" in at.dataframe[0].value["ID"].tolist()
    data, _ = download(at, downloads, "activities-csv")
    # Every run of the page hands its download over as text/csv.
    assert set(kinds) == {"text/csv"}
    assert data.startswith(codecs.BOM_UTF8 + b"activity_id,")
    text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
    assert f'A8,"{RUSSIAN}",' in text
    assert f",{MONGOLIAN}," in text
    assert data == cli_bytes(tmp_path, "--country", "MNG")
