"""Peak memory (and time) of importing a large activities file: by default 50 MB, the web
upload limit, into a fresh store seeded from data/.

    .venv/bin/python -m bench.import_memory [--megabytes 50] [--dry-run] [--postgres URL]

Each import runs in a process of its own, so that its peak resident set size (Linux's
`VmHWM`, which, unlike `ru_maxrss`, does not carry over the parent's across `exec`) is the
import's and nothing else's; it includes Python, pandas and SQLAlchemy as imported.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

from bench.import_file import activity_file
from dashboard.auth import command_line_actor
from dashboard.db import init_store, make_engine
from dashboard.importer import import_file
from dashboard.settings import Settings

# A long but ordinary description: reports are pasted into the field.
DESCRIPTION = (
    "Camera traps were set along the ridge at 2,400 m and checked monthly; herders were "
    "interviewed about sightings and losses, and scats were collected for diet analysis. "
) * 4


def activities_file(url: str, megabytes: float) -> bytes:
    """A valid activities file of just under `megabytes` MB of new activities."""
    sample = activity_file(url, 100, description=DESCRIPTION)
    limit = int(megabytes * 1_000_000)
    data = activity_file(url, int(limit * 100 / len(sample)), description=DESCRIPTION)
    # Rows differ in length: cut at the last whole row within the size.
    return data if len(data) <= limit else data[: data.rindex(b"\n", 0, limit) + 1]


def peak_rss_mb() -> int:
    """This process's peak resident set size so far, in MB (Linux)."""
    status = Path("/proc/self/status").read_text()
    return (
        int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
        // 1024
    )


def measure(url: str, path: Path, dry_run: bool) -> dict[str, object]:
    """Import `path` into `url` in this process; its peak RSS and time."""
    before = peak_rss_mb()
    data = path.read_bytes()
    engine = make_engine(url)
    started = time.perf_counter()
    with Session(engine) as session:
        report = import_file(
            session=session, data=data, actor=command_line_actor("bench"), dry_run=dry_run
        )
    seconds = time.perf_counter() - started
    engine.dispose()
    peak = peak_rss_mb()
    return {
        "rows": report.rows,
        "added": len(report.added),
        "seconds": round(seconds, 1),
        "peak_rss_mb": peak,
        "rss_before_import_mb": before,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--postgres", help="an empty PostgreSQL database to use instead")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child[0], Path(args.child[1]), args.dry_run)))
        return 0
    with tempfile.TemporaryDirectory() as directory:
        url = args.postgres or f"sqlite:///{directory}/store.sqlite3"
        engine = make_engine(url)
        init_store(engine, Settings(database_url=url))
        engine.dispose()
        path = Path(directory) / "activities.csv"
        path.write_bytes(activities_file(url, args.megabytes))
        size = path.stat().st_size / 1_000_000
        child = [sys.executable, "-m", "bench.import_memory", "--child", url, str(path)]
        result = subprocess.run(
            child + (["--dry-run"] if args.dry_run else []), capture_output=True, text=True
        )
        if result.returncode:
            print(result.stderr, file=sys.stderr)
            return result.returncode
        figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps({"file_mb": round(size, 1), "dry_run": args.dry_run, **figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
