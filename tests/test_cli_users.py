"""`dashboard user add|list|disable|enable|reset-password|unlock` and `dashboard history`, on a
copy of the fixture store."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlmodel import Session

from dashboard import auth, cli
from dashboard.db import make_engine
from tests.conftest import FIXTURE_DATA


@pytest.fixture
def store(writable_store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", writable_store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    monkeypatch.setattr(cli, "_operator", lambda: auth.command_line_actor("ops"))
    return writable_store_url


def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_add_reads_the_password_from_stdin_and_stores_only_a_hash(
    store: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(
        monkeypatch,
        capsys,
        "user", "add", "alice", "--role", "editor", "--organisation", "acbk",
        stdin="steppe-cat-2026\n",
    )  # fmt: skip
    assert (status, out, err) == (0, "user alice added (editor)\n", "")
    engine = make_engine(store)
    with Session(engine) as session:
        user = auth.get_user(session=session, username="alice")
        assert user is not None
        assert auth.verify_password("steppe-cat-2026", user.password_hash)
        assert "steppe-cat-2026" not in user.password_hash
        assert auth.authenticate(
            session=session, username="alice", password="steppe-cat-2026"
        ).actor == auth.Actor("alice", "editor", "form", frozenset({"acbk"}))
    engine.dispose()


def test_the_password_is_never_an_argument(
    store: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(monkeypatch, capsys, "user", "add", "alice", "--password", "steppe-cat-2026")
    assert exit_.value.code == 2
    assert "unrecognized arguments: --password" in capsys.readouterr().err


def test_list_and_disable(
    store: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(monkeypatch, capsys, "user", "add", "bob", "--role", "admin", stdin="long password 1\n")
    run(
        monkeypatch, capsys,
        "user", "add", "alice", "--organisation", "pica", "--organisation", "acbk",
        stdin="long password 2\n",
    )  # fmt: skip
    status, out, _ = run(monkeypatch, capsys, "user", "list")
    assert status == 0
    assert out == ("alice\teditor\tactive\tacbk, pica\nbob\tadmin\tactive\tany organisation\n")
    status, out, _ = run(monkeypatch, capsys, "user", "disable", "alice")
    assert (status, out) == (0, "user alice disabled: it can no longer sign in or edit\n")
    assert run(monkeypatch, capsys, "user", "list")[1].startswith("alice\teditor\tdisabled\t")
    engine = make_engine(store)
    with Session(engine) as session:
        refused = auth.authenticate(session=session, username="alice", password="long password 2")
    engine.dispose()
    assert refused.actor is None


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (
            ("user", "add", "alice", "--admin"),
            "short\n",
            "error: a password needs at least 10 characters\n",
        ),
        (("user", "add", "alice", "--admin"), "\n", "error: a password cannot be blank"),
        (("user", "add", "alice", "--admin"), " " * 10 + "\n", "error: a password cannot be blank"),
        (
            ("user", "add", "alice", "--admin"),
            "iloveyou123\n",
            "error: this password is too easy to guess",
        ),
        (
            ("user", "add", "alice"),
            "long password 1\n",
            "error: an editor needs at least one organisation whose activities they may edit "
            "(--organisation SLUG); to let an account edit everything, make it an admin (--admin)",
        ),
        (
            ("user", "add", "alice", "--organisation", "wwf"),
            "long password 1\n",
            "error: unknown organisation 'wwf'\n",
        ),
        (("user", "add", "al ice"), "long password 1\n", "error: a user name is 2–80 letters"),
        (("user", "add", "al\u202eice"), "long password 1\n", "error: a user name is 2–80"),
        (("user", "add", "alice\x07"), "long password 1\n", "error: a user name is 2–80"),
        (("user", "disable", "nobody"), "", "error: no user 'nobody'\n"),
        (("user", "enable", "nobody"), "", "error: no user 'nobody'\n"),
        (("user", "reset-password", "nobody"), "long password 1\n", "error: no user 'nobody'\n"),
    ],
)
def test_bad_requests_exit_1_with_a_message(
    store: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    stdin: str,
    message: str,
) -> None:
    status, out, err = run(monkeypatch, capsys, *argv, stdin=stdin)
    assert (status, out) == (1, "")
    assert err.startswith(message)


def test_a_user_name_is_added_once_whatever_its_case(
    store: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(monkeypatch, capsys, "user", "add", "alice", "--admin", stdin="long password 1\n")
    status, _, err = run(
        monkeypatch, capsys, "user", "add", "alice", "--admin", stdin="long password 1\n"
    )
    assert (status, err) == (1, "error: user 'alice' exists already\n")
    status, _, err = run(
        monkeypatch, capsys, "user", "add", "Alice", "--admin", stdin="long password 1\n"
    )
    assert (status, err) == (1, "error: user 'Alice' exists already (as 'alice')\n")


def _sign_in(store: str, name: str, password: str, client: str = "203.0.113.9") -> auth.SignIn:
    engine = make_engine(store)
    with Session(engine) as session:
        outcome = auth.authenticate(
            session=session, username=name, password=password, client=client
        )
        session.commit()
    engine.dispose()
    return outcome


def test_enable_reset_password_and_unlock(
    store: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        monkeypatch,
        capsys,
        "user",
        "add",
        "alice",
        "--organisation",
        "acbk",
        stdin="long password 1\n",
    )
    run(monkeypatch, capsys, "user", "disable", "alice")
    assert _sign_in(store, "alice", "long password 1").actor is None
    status, out, _ = run(monkeypatch, capsys, "user", "enable", "Alice")
    assert (status, out) == (0, "user alice enabled: it can sign in again with its password\n")
    assert run(monkeypatch, capsys, "user", "list")[1] == "alice\teditor\tactive\tacbk\n"
    assert _sign_in(store, "alice", "long password 1").actor is not None
    # A guesser makes the partner's browser wait; unlock clears it.
    for _ in range(3):
        _sign_in(store, "alice", "a wrong password")
    assert _sign_in(store, "alice", "long password 1").message.startswith("Too many")
    status, out, _ = run(monkeypatch, capsys, "user", "unlock", "ALICE")
    assert (status, out) == (0, "sign-in waits for alice cleared, from every client\n")
    assert _sign_in(store, "alice", "long password 1").actor is not None
    status, out, _ = run(monkeypatch, capsys, "user", "unlock", "nobody")
    assert (status, out) == (0, "no sign-in waits for nobody: nothing to clear\n")
    # A new password, checked like a new account's.
    status, _, err = run(
        monkeypatch, capsys, "user", "reset-password", "alice", stdin=" " * 12 + "\n"
    )
    assert (status, err) == (1, "error: a password cannot be blank or only spaces\n")
    status, out, _ = run(
        monkeypatch, capsys, "user", "reset-password", "alice", stdin="steppe-cat-2026\n"
    )
    assert status == 0
    assert out.startswith("password of alice reset")
    assert _sign_in(store, "alice", "long password 1").actor is None
    assert _sign_in(store, "alice", "steppe-cat-2026").actor is not None


def test_history_prints_an_activitys_changes(
    store: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    status, _, err = run(monkeypatch, capsys, "history", "A5")
    assert (status, err) == (1, "no recorded changes to A5\n")
    progress = "activity_id,date,progress_pct,status,note,source\nA5,2025-02-01,40,in_progress,,\n"
    path = tmp_path / "progress.csv"
    path.write_text(progress, encoding="utf-8")
    assert run(monkeypatch, capsys, "import", str(path))[0] == 0
    status, out, _ = run(monkeypatch, capsys, "history", "A5")
    lines = out.splitlines()
    assert status == 0
    assert len(lines) == 2
    # "2026-11-21 13:10:00 UTC  cli:ops (cli)  insert progressupdate 10: date: ..."
    assert lines[0][19:].startswith(
        " UTC  cli:ops (cli)  insert progressupdate 10: date: 2025-02-01"
    )
    assert lines[1][19:] == (
        " UTC  cli:ops (cli)  update activity A5: "
        "progress_pct: 25 → 40; status: on_hold → in_progress"
    )
