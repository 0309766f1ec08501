"""The CSV builder, tested as exact text: quoting, lists, dates, formulas, non-ASCII names."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from dashboard.export import (
    export_filename,
    filter_label,
    frame_to_csv,
    neutralise,
    tables_to_zip,
)
from dashboard.filters import Filters

# UTF-8's byte-order mark: Excel reads a CSV as UTF-8 only when the file starts with it.
BOM = "\ufeff"


def test_csv_is_utf8_with_a_header_crlf_and_rfc4180_quoting() -> None:
    frame = pd.DataFrame(
        {
            "activity_id": ["A1", "A2"],
            "title": ['Survey, "phase 1"', "Line\nbreak"],
            "lead": ["Fondation Segré", "Монгол Улс 蒙古"],
        }
    )
    assert (
        frame_to_csv(frame)
        == (
            BOM + "activity_id,title,lead\r\n"
            'A1,"Survey, ""phase 1""",Fondation Segré\r\n'
            'A2,"Line\nbreak",Монгол Улс 蒙古\r\n'
        ).encode()
    )
    # The byte-order mark (EF BB BF), once, then the header's bytes.
    assert frame_to_csv(frame).startswith(b"\xef\xbb\xbfactivity_id")


def test_values_are_written_as_iso_dates_plain_numbers_and_true_false() -> None:
    frame = pd.DataFrame(
        {
            "start_date": [dt.date(2019, 1, 1), None],
            "updated": [dt.datetime(2026, 3, 23, 9, 30), pd.NaT],
            "progress_pct": [100.0, 66.66666666666667],
            "count": [3, -2],
            "amount": [Decimal("10000.00"), Decimal("1234.50")],
            "demo": [True, False],
            "missing": [math.nan, None],
        }
    )
    assert frame_to_csv(frame).decode() == BOM + (
        "start_date,updated,progress_pct,count,amount,demo,missing\r\n"
        "2019-01-01,2026-03-23T09:30:00,100,3,10000,true,\r\n"
        ",,66.66666666666667,-2,1234.50,false,\r\n"
    )


def test_lists_are_joined_with_semicolons() -> None:
    frame = pd.DataFrame(
        {
            "countries": [["KAZ", "MNG"], [], ["RUS"]],
            "ptcrs": [(9, 11), (), (4,)],
            "numbers": [np.array([1, 2]), np.array([]), np.array([3])],
        }
    )
    assert frame_to_csv(frame).decode() == BOM + (
        'countries,ptcrs,numbers\r\n"KAZ;MNG","9;11","1;2"\r\n,,\r\nRUS,4,3\r\n'
    )


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a=1", "a=1"),
        ("Fondation Segré", "Fondation Segré"),
        ("", ""),
    ],
)
def test_neutralise_prefixes_only_cells_a_spreadsheet_would_run(text: str, written: str) -> None:
    assert neutralise(text) == written


def test_formulas_are_neutralised_in_cells_lists_and_headers_but_numbers_are_not() -> None:
    frame = pd.DataFrame(
        {
            "title": ["=1+1", "+cmd|' /C calc'!A0", "@SUM(1)", "-cmd", "\tx", "\rx", "plain"],
            "names": [["=evil", "ok"], ["ok", "=later"], [], [], [], [], ["-x"]],
            "delta": [-5, -1, 0, 1, 2, 3, 4],
        }
    ).rename(columns={"delta": "=delta"})
    assert frame_to_csv(frame).decode() == BOM + (
        "title,names,'=delta\r\n"
        "'=1+1,\"'=evil;ok\",-5\r\n"
        "'+cmd|' /C calc'!A0,\"ok;'=later\",-1\r\n"
        "'@SUM(1),,0\r\n"
        "'-cmd,,1\r\n"
        '"\'\tx",,2\r\n'
        '"\'\rx",,3\r\n'
        "plain,'-x,4\r\n"
    )


def test_only_the_chosen_columns_are_written_in_their_order() -> None:
    frame = pd.DataFrame({"a": [1], "b": [2], "c": [3]})
    assert frame_to_csv(frame, ["c", "a"]) == b"\xef\xbb\xbfc,a\r\n3,1\r\n"


def test_an_empty_table_still_has_its_header() -> None:
    assert (
        frame_to_csv(pd.DataFrame(columns=["activity_id", "title"]))
        == b"\xef\xbb\xbfactivity_id,title\r\n"
    )


def test_filename_carries_the_date_and_the_filters() -> None:
    day = dt.date(2026, 11, 21)
    assert export_filename("activities", Filters(), today=day) == "manul-activities_2026-11-21.csv"
    assert (
        export_filename("activities", Filters(countries=("KAZ",)), today=day)
        == "manul-activities_2026-11-21_country-KAZ.csv"
    )
    everything = Filters(
        countries=("KAZ", "MNG"),
        regions=(9,),
        organisations=("pica",),
        statuses=("in_progress",),
        items=("S1.1", "CAMI-10"),
        start=dt.date(2019, 1, 1),
        end=dt.date(2024, 12, 31),
        include_demo=True,
        as_of=dt.date(2026, 3, 23),
    )
    assert export_filename(
        "activities",
        everything,
        today=day,
        funders=("fondation-segre",),
        search="camera trap / Ölgii",
    ) == (
        "manul-activities_2026-11-21_country-KAZ+MNG_ptcr-9_org-pica_funder-fondation-segre"
        "_status-in-progress_item-S1.1+CAMI-10_from-2019_to-2024_as-of-2026-03-23_with-demo"
        "_search-camera-trap-Olgii.csv"
    )
    assert export_filename("funder-hellabrunn-zoo", None, today=day, extension="zip") == (
        "manul-funder-hellabrunn-zoo_2026-11-21.zip"
    )


def test_filter_label_never_leaves_an_empty_part() -> None:
    assert filter_label(Filters(), search="  ") == []
    assert filter_label(Filters(), search="!!!") == []


def test_a_long_filename_is_shortened_not_the_file() -> None:
    many = Filters(countries=tuple(f"C{i:02d}" for i in range(60)))
    name = export_filename("activities", many, today=dt.date(2026, 1, 1))
    assert len(name) <= 204
    assert name.startswith("manul-activities_2026-01-01_country-C00+C01")
    assert name.endswith(".csv")


def test_a_zip_of_tables_holds_each_as_the_same_csv_and_is_reproducible() -> None:
    tables = {
        "funding": pd.DataFrame({"year": [2019], "currency": ["EUR"], "amount": [10000.0]}),
        "activities": pd.DataFrame({"title": ["=x"], "countries": [["KAZ"]]}),
    }
    archive = tables_to_zip(tables)
    assert archive == tables_to_zip(tables)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.namelist() == ["funding.csv", "activities.csv"]
        assert (
            opened.read("funding.csv") == b"\xef\xbb\xbfyear,currency,amount\r\n2019,EUR,10000\r\n"
        )
        assert opened.read("activities.csv") == frame_to_csv(tables["activities"])
