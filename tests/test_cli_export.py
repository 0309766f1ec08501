"""`dashboard export`: the explorer's CSV from the command line, byte for byte."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlmodel import Session

from dashboard.cli import main
from dashboard.db import make_engine
from dashboard.export import frame_to_csv
from dashboard.filters import Filters
from dashboard.queries.activities import activity_listing
from tests.conftest import FIXTURE_DATA
from tests.test_activity_table import HEADER, ROWS

HELLABRUNN = ("hellabrunn-zoo",)
NO_DEMO = Filters(include_demo=False)
PAUSED = ("on_hold", "planned")
START, END = dt.date(2021, 1, 1), dt.date(2024, 12, 31)


@pytest.fixture
def cli_env(store_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The command pointed at the fixture store, run in an empty directory."""
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def expected(store_url: str, filters: Filters, **options: object) -> bytes:
    engine = make_engine(store_url)
    with Session(engine) as session:
        listing = activity_listing(session=session, filters=filters, **options)  # type: ignore[arg-type]
    engine.dispose()
    return frame_to_csv(listing)


def test_export_writes_every_documented_activity(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Demo data (A3, A4) is left out unless asked for.
    assert main(["export", "--out", "real.csv"]) == 0
    assert (cli_env / "real.csv").read_bytes() == (
        HEADER + "".join(ROWS[key] for key in ("A1", "A2", "A5"))
    ).encode()
    assert capsys.readouterr().out == "3 activities written to real.csv\n"


def test_export_writes_every_activity_with_include_demo(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--out", "all.csv", "--include-demo"]) == 0
    assert (cli_env / "all.csv").read_bytes() == (
        HEADER + "".join(ROWS[key] for key in ("A1", "A2", "A3", "A4", "A5"))
    ).encode()
    assert capsys.readouterr().out == "5 activities written to all.csv\n"


def test_no_demo_is_still_accepted_and_is_the_default(cli_env: Path) -> None:
    assert main(["export", "--out", "default.csv"]) == 0
    assert main(["export", "--out", "no-demo.csv", "--no-demo"]) == 0
    assert main(["export", "--out", "last-wins.csv", "--include-demo", "--no-demo"]) == 0
    default = (cli_env / "default.csv").read_bytes()
    assert (cli_env / "no-demo.csv").read_bytes() == default
    assert (cli_env / "last-wins.csv").read_bytes() == default


@pytest.mark.parametrize(
    ("arguments", "filters", "options"),
    [
        (["--country", "KAZ"], Filters(countries=("KAZ",)), {}),
        (["--country", "kaz", "--no-demo"], Filters(countries=("KAZ",), include_demo=False), {}),
        (["--ptcr", "9", "--ptcr", "11"], Filters(regions=(9, 11)), {}),
        (["--status", "on_hold", "--status", "planned"], Filters(statuses=PAUSED), {}),
        (["--funder", "Hellabrunn Zoo"], Filters(), {"funders": HELLABRUNN}),
        (["--funder", "hellabrunn-zoo", "--no-demo"], NO_DEMO, {"funders": HELLABRUNN}),
        (["--strategy", "S1", "--cami", "CAMI-4"], Filters(items=("S1", "CAMI-4")), {}),
        (["--org", "pica"], Filters(organisations=("pica",)), {}),
        (["--as-of", "2020-01-01"], Filters(as_of=dt.date(2020, 1, 1)), {}),
        (["--from-year", "2021", "--to-year", "2024"], Filters(start=START, end=END), {}),
        (["--search", "monitoring"], Filters(), {"search": "monitoring"}),
        (["--sort", "progress_pct", "--descending"], Filters(), {"sort": "progress_pct",
                                                                 "descending": True}),
        (["--include-demo"], Filters(include_demo=True), {}),
        (["--country", "KAZ", "--include-demo"], Filters(countries=("KAZ",), include_demo=True),
         {}),
    ],
)  # fmt: skip
def test_export_writes_the_same_bytes_as_the_listing_for_the_same_filters(
    cli_env: Path,
    store_url: str,
    arguments: list[str],
    filters: Filters,
    options: dict[str, object],
) -> None:
    assert main(["export", "--out", "out.csv", *arguments]) == 0
    assert (cli_env / "out.csv").read_bytes() == expected(store_url, filters, **options)


def test_export_to_standard_output(
    cli_env: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["export", "--out", "-", "--cami", "CAMI-4", "--include-demo"]) == 0
    assert capfdbinary.readouterr().out == (HEADER + ROWS["A3"]).encode()


def test_without_out_the_file_is_named_like_the_pages_download(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--country", "KAZ", "--funder", "hellabrunn-zoo"]) == 0
    today = dt.date.today().isoformat()
    name = f"manul-activities_{today}_country-KAZ_funder-hellabrunn-zoo.csv"
    assert os.listdir(cli_env) == [name]
    assert (cli_env / name).read_bytes() == (HEADER + ROWS["A1"]).encode()
    assert capsys.readouterr().out == f"1 activity written to {name}\n"
    # A file that holds demo data says so in its name.
    assert main(["export", "--country", "KAZ", "--include-demo"]) == 0
    with_demo = f"manul-activities_{today}_country-KAZ_with-demo.csv"
    assert sorted(os.listdir(cli_env)) == sorted([name, with_demo])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--country", "XXX"], "error: unknown country 'XXX'; known: KAZ, MNG, NPL, RUS\n"),
        (["--funder", "pica"], "error: unknown funder 'pica'; known: fondation-segre, hell"),
        (["--strategy", "CAMI-10"], "error: unknown strategy item 'CAMI-10'"),
        (["--sort", "colour"], "error: --sort must be one of activity_id, title,"),
        (["--as-of", "yesterday"], "error: --as-of must be a date YYYY-MM-DD, not 'yesterday'\n"),
    ],
)  # fmt: skip
def test_unknown_filters_are_refused_and_nothing_is_written(
    cli_env: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert main(["export", "--out", "out.csv", *arguments]) == 2
    assert capsys.readouterr().err.startswith(message)
    assert not (cli_env / "out.csv").exists()


def test_the_command_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    text = capsys.readouterr().out
    for option in ("--out", "--country", "--ptcr", "--status", "--funder", "--strategy", "--cami"):
        assert option in text
    assert "--include-demo" in text
    assert "--no-demo" in text


def test_a_reader_that_stops_early_gets_no_traceback(cli_env: Path) -> None:
    # `dashboard export --out - | head -1`: the reader has gone while the command writes
    # (unbuffered, so the write fails inside the command, as a long export does).
    import subprocess
    import sys

    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dashboard.cli", "export", "--out", "-"],
            stdout=writer,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            timeout=120,
            check=False,
        )
    finally:
        os.close(writer)
    errors = done.stderr.decode()
    assert "Traceback" not in errors, errors
    assert "BrokenPipeError" not in errors, errors
    assert done.returncode == 1
