"""An import reads its file a row at a time, and takes no file larger than the web upload
limit (issue 15: a 50 MB file took 1.18 GB; the upload limit was Streamlit's default 200 MB).

The memory a whole 50 MB import takes is measured by `bench/import_memory.py` (on demand):
these tests check, quickly, what keeps it bounded.
"""

from __future__ import annotations

import tomllib
import tracemalloc

from dashboard import importer
from dashboard.db import make_engine
from dashboard.importer import MAX_FILE_MB, read_table
from tests.conftest import ROOT
from tests.test_importer import rejected

HEADER = ",".join(importer.activity_columns(("strategy_items", "cami_sections")))
ROW = (
    "BULK-{n},Survey {n}," + "Camera traps set along the ridge. " * 20 + ",planned,0,"
    "2025-01-01,,,,,KAZ,,,,,,,,false"
)


def large_file(rows: int) -> bytes:
    return ("\n".join([HEADER, *(ROW.format(n=n) for n in range(rows))]) + "\n").encode()


def test_a_file_is_read_a_row_at_a_time() -> None:
    data = large_file(10_000)
    tracemalloc.start()
    try:
        table = read_table(data)
        held, _ = tracemalloc.get_traced_memory()
        rows = sum(1 for _ in table.rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == table.count == 10_000
    # Checking the table keeps neither its text nor its cells (before: 16 MB held, 64 MB at
    # the peak for this 7.4 MB file); reading its rows holds one at a time.
    assert held < 1_000_000
    assert peak < 1.2 * len(data)


def test_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    data = f"\n{HEADER}\n\n{ROW.format(n=1)}\n{ROW.format(n=2)}\n".encode()
    table = read_table(data)
    assert [(line, row["activity_id"]) for line, row in table.rows] == [
        (3, "BULK-1"),
        (4, "BULK-2"),
    ]


def test_the_upload_limit_is_the_imports() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == MAX_FILE_MB


def test_a_larger_file_is_refused_with_the_limit_named(module_store_url: str) -> None:
    data = (HEADER + "\n").encode() + b"x" * (MAX_FILE_MB * 1_000_000)
    engine = make_engine(module_store_url)
    problems = rejected(engine, data)
    engine.dispose()
    assert problems == [
        f"the file is {MAX_FILE_MB}.0 MB; at most {MAX_FILE_MB} MB is imported at once: split it "
        "into several files"
    ]
