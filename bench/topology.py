"""The many-users topology without Docker: one PostgreSQL, N `streamlit run` replicas and
Debian's haproxy in front, configured by the file compose.yaml's balancer uses
(deploy/haproxy.cfg: the same cookie-based session affinity and health checks).

    python -m bench.topology                      # a throwaway PostgreSQL, 2 replicas, until ^C
    python -m bench.topology --replicas 1 --postgres postgresql+psycopg://postgres@host:5432/db

Needs `apt-get install haproxy`; a throwaway PostgreSQL needs the server binaries
(/usr/lib/postgresql/*/bin) and root (initdb runs as the `postgres` user). The topology test
(tests/browser/test_topology.py) and the load client through the balancer
(`python -m bench.load_protocol --replicas N`) start it here.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.load import _free_port, start_server

ROOT = Path(__file__).resolve().parents[1]
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
# haproxy's own health checks (deploy/haproxy.cfg) mark a replica up after two passes.
CHECKS_TO_UP = 2.5


def haproxy() -> str | None:
    return shutil.which("haproxy") or next(iter(glob.glob("/usr/sbin/haproxy")), None)


def postgresql_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextlib.contextmanager
def throwaway_postgresql() -> Iterator[str]:
    """A new PostgreSQL cluster on a free port, owned by `postgres`; gone afterwards. Its URL."""
    binaries = postgresql_bin()
    if binaries is None:
        raise RuntimeError("no PostgreSQL server binaries (apt-get install postgresql)")
    directory = Path(tempfile.mkdtemp(prefix="manul-topology-pg."))
    shutil.chown(directory, "postgres")
    port = _free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"]
    data = str(directory / "data")
    subprocess.run(
        [*as_postgres, str(binaries / "initdb"), "-D", data, "-A", "trust", "-E", "UTF8"],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    control = [*as_postgres, str(binaries / "pg_ctl"), "-D", data]
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {directory}"
    subprocess.run(
        [*control, "-l", str(directory / "log"), "-w", "-o", options, "start"],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*control, "-m", "immediate", "stop"], check=False, capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


@dataclass
class Replica:
    """One `streamlit run` of the app, on 127.0.0.1:`port`."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Topology:
    """The balancer's URL (what people open), the store and the replicas behind it."""

    url: str
    store: str
    replicas: list[Replica]
    balancer: subprocess.Popen[bytes]
    balancer_log: Path


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not _answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
            raise RuntimeError(f"{url} did not start:\n{tail}")
        time.sleep(0.25)


@contextlib.contextmanager
def topology(
    store: str,
    directory: Path,
    *,
    replicas: int = 2,
    env: Mapping[str, str] | None = None,
    options: list[str] | None = None,
) -> Iterator[Topology]:
    """`replicas` (1 or 2) servers of the app over `store`, started at the same time, and
    haproxy in front of them on a free port. `env` is more environment for the replicas
    (MANUL_DATA_DIR, say), `options` more Streamlit options (NAME=VALUE)."""
    program = haproxy()
    if program is None:
        raise RuntimeError("haproxy is not installed (apt-get install haproxy)")
    if replicas not in (1, 2):
        raise ValueError("deploy/haproxy.cfg names one or two replicas outside compose")
    # The same on every replica, as compose.yaml sets it: a tab moved to another replica
    # keeps a valid XSRF cookie.
    shared = {**(env or {}), "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(16)}
    started: list[Replica] = []
    with contextlib.ExitStack() as cleanup:
        for _ in range(replicas):
            port = _free_port()
            log = directory / f"replica-{port}.log"
            with log.open("wb") as sink:
                process = start_server(store, port, options or [], sink, shared)
            replica = Replica(port, process, log)
            cleanup.callback(replica.stop)
            started.append(replica)
        for replica in started:
            _wait_for(replica.url, replica.process, replica.log)
        port = _free_port()
        balancer_env = {
            "PATH": os.environ.get("PATH", ""),
            "MANUL_BIND": f"127.0.0.1:{port}",
            "MANUL_COOKIE_KEY": secrets.token_hex(16),
            **{f"MANUL_APP{n}": f"127.0.0.1:{r.port}" for n, r in enumerate(started, start=1)},
        }
        balancer_log = directory / f"haproxy-{port}.log"
        with balancer_log.open("wb") as sink:
            balancer = subprocess.Popen(
                [program, "-db", "-f", str(HAPROXY_CONFIG)],
                env=balancer_env,
                stdout=sink,
                stderr=sink,
            )
        cleanup.callback(_stop, balancer)
        url = f"http://127.0.0.1:{port}"
        _wait_for(url, balancer, balancer_log, seconds=30)
        time.sleep(CHECKS_TO_UP)
        yield Topology(url, store, started, balancer, balancer_log)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replicas", type=int, default=2, choices=(1, 2))
    parser.add_argument("--postgres", help="a PostgreSQL URL (default: a throwaway cluster)")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        store = args.postgres or stack.enter_context(throwaway_postgresql())
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="manul-top.")))
        running = stack.enter_context(topology(store, directory, replicas=args.replicas))
        print(f"{running.url} → " + ", ".join(r.url for r in running.replicas), flush=True)
        print(f"logs in {directory}; Ctrl-C stops everything", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while all(r.process.poll() is None for r in running.replicas):
                time.sleep(1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
