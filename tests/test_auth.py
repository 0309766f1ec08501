"""Partner accounts: slow salted hashes, constant-time checks, the sign-in slow-down, rights."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from dashboard import auth
from dashboard import models as m
from dashboard.db import make_engine

OPERATOR = auth.command_line_actor("tester")
PASSWORD = "manul-steppe-2026"


@pytest.fixture
def engine(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    yield engine
    engine.dispose()


class Clock:
    """A clock the test moves by hand, so that lock windows pass without sleeping."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 23, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def test_a_hash_is_salted_scrypt_with_its_parameters() -> None:
    first, second = auth.hash_password(PASSWORD), auth.hash_password(PASSWORD)
    assert first != second, "the same password must not give the same hash (salt)"
    scheme, n, r, p, salt, key = first.split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2**14), "8", "1")
    assert len(base64.b64decode(salt)) == 16
    expected = hashlib.scrypt(
        PASSWORD.encode(), salt=base64.b64decode(salt), n=2**14, r=8, p=1, dklen=32
    )
    assert base64.b64decode(key) == expected
    assert PASSWORD not in first


def test_verify_accepts_the_password_and_nothing_else() -> None:
    stored = auth.hash_password(PASSWORD)
    assert auth.verify_password(PASSWORD, stored)
    assert not auth.verify_password(PASSWORD + " ", stored)
    assert not auth.verify_password("", stored)
    assert not auth.verify_password(PASSWORD, "not-a-hash")
    assert not auth.verify_password(PASSWORD, stored.replace("scrypt", "md5", 1))


def test_verify_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    original = auth.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    auth.verify_password("wrong password", auth.hash_password(PASSWORD))
    assert len(compared) == 1


def test_the_wait_doubles_and_is_capped() -> None:
    waits = [auth.CLIENT_SCHEDULE.wait(n).total_seconds() for n in range(1, 7)]
    assert waits == [0, 0, 2, 4, 8, 16]
    longest = dt.timedelta(minutes=15)
    assert auth.CLIENT_SCHEDULE.wait(40) == auth.CLIENT_SCHEDULE.longest == longest
    # Past 48 failures the old window overflowed timedelta (issue 15).
    assert [auth.CLIENT_SCHEDULE.wait(n) for n in (48, 49, 60, 10**9)] == [longest] * 4


def test_add_user_stores_a_hash_and_the_organisations(engine: Engine) -> None:
    with Session(engine) as session:
        auth.add_user(
            session=session,
            username="alice",
            password=PASSWORD,
            role="editor",
            organisations=["acbk"],
            actor=OPERATOR,
        )
        session.commit()
        user = session.exec(select(m.User)).one()
        assert user.password_hash.startswith("scrypt$")
        assert PASSWORD not in user.password_hash
        actor = auth.actor_for(session=session, username="alice")
    assert actor == auth.Actor(
        name="alice", role="editor", via="form", organisations=frozenset({"acbk"})
    )


@pytest.mark.parametrize(
    ("username", "password", "role", "organisations", "message"),
    [
        ("a", PASSWORD, "editor", [], "a user name is 2–80"),
        ("alice smith", PASSWORD, "editor", [], "a user name is 2–80"),
        ("alice", "short", "editor", ["acbk"], "at least 10 characters"),
        ("alice", " " * 10, "editor", ["acbk"], "cannot be blank or only spaces"),
        ("alice", "\t \n" * 4, "editor", ["acbk"], "cannot be blank or only spaces"),
        ("alice", "password1234", "editor", ["acbk"], "too easy to guess: this is a very common"),
        ("alice", "qwertyuiopasdf", "editor", ["acbk"], "too easy to guess"),
        ("alice", "alice-alice-1", "editor", ["acbk"], "too easy to guess"),
        ("alice", "manul\u202esteppe-2026", "editor", ["acbk"], "control or invisible"),
        ("alice", "x" * 257, "editor", ["acbk"], "at most 256 characters"),
        ("alice", PASSWORD, "owner", [], "role must be one of editor, admin"),
        ("alice", PASSWORD, "editor", ["wwf"], "unknown organisation 'wwf'"),
        ("alice", PASSWORD, "editor", [], "an editor needs at least one organisation"),
        ("alice\u202e", PASSWORD, "admin", [], "a user name is 2–80"),
        ("al\u0000ice", PASSWORD, "admin", [], "a user name is 2–80"),
        ("al\u200fice", PASSWORD, "admin", [], "a user name is 2–80"),
    ],
)
def test_add_user_refuses_bad_accounts(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    organisations: list[str],
    message: str,
) -> None:
    with Session(engine) as session, pytest.raises(auth.AuthError, match=message):
        auth.add_user(
            session=session,
            username=username,
            password=password,
            role=role,
            organisations=organisations,
            actor=OPERATOR,
        )


def test_a_user_name_is_taken_once_whatever_its_case(engine: Engine) -> None:
    with Session(engine) as session:
        auth.add_user(
            session=session, username="Alice", password=PASSWORD, role="admin", actor=OPERATOR
        )
        session.commit()
        for name in ("Alice", "alice", "ALICE"):
            with pytest.raises(auth.AuthError, match="exists already"):
                auth.add_user(
                    session=session, username=name, password=PASSWORD, role="admin", actor=OPERATOR
                )
        # Either spelling finds the one account, and signs in as it.
        found = auth.get_user(session=session, username="alice")
        assert found is not None
        assert found.username == "Alice"
        outcome = auth.authenticate(session=session, username="aLiCe", password=PASSWORD)
        assert outcome.actor is not None
        assert outcome.actor.name == "Alice"


def test_the_store_itself_refuses_a_name_that_differs_only_in_case(engine: Engine) -> None:
    from sqlalchemy.exc import IntegrityError

    with Session(engine) as session:
        session.add(m.User(username="bob", password_hash="x", role="admin"))
        session.commit()
        session.add(m.User(username="BOB", password_hash="x", role="admin"))
        with pytest.raises(IntegrityError):
            session.commit()


def _with_user(engine: Engine, *, active: bool = True) -> None:
    with Session(engine) as session:
        auth.add_user(
            session=session,
            username="alice",
            password=PASSWORD,
            role="editor",
            organisations=["acbk"],
            actor=OPERATOR,
        )
        if not active:
            auth.disable_user(session=session, username="alice", actor=OPERATOR)
        session.commit()


def test_sign_in_right_wrong_empty_and_disabled(engine: Engine) -> None:
    _with_user(engine)
    clock = Clock()
    with Session(engine) as session:
        right = auth.authenticate(session=session, username="alice", password=PASSWORD, clock=clock)
        assert right.actor is not None
        assert right.actor.name == "alice"
        empty = auth.authenticate(session=session, username="alice", password="", clock=clock)
        assert empty.actor is None
        assert empty.message == "Enter your user name and password."
        wrong = auth.authenticate(session=session, username="alice", password="x" * 12, clock=clock)
        assert wrong.actor is None
        assert wrong.message == auth.WRONG
        auth.disable_user(session=session, username="alice", actor=OPERATOR)
        clock.advance(60)
        disabled = auth.authenticate(
            session=session, username="alice", password=PASSWORD, clock=clock
        )
        assert disabled.actor is None
        assert disabled.message == auth.WRONG
        assert auth.actor_for(session=session, username="alice") is None


def test_unknown_users_cost_a_hash_and_get_the_same_answer(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_user(engine)
    checked: list[str] = []
    original = auth.verify_password

    def spy(password: str, stored: str) -> bool:
        checked.append(stored)
        return original(password, stored)

    monkeypatch.setattr(auth, "verify_password", spy)
    with Session(engine) as session:
        unknown = auth.authenticate(session=session, username="mallory", password=PASSWORD)
        known = auth.authenticate(session=session, username="alice", password="x" * 12)
    assert unknown.message == known.message == auth.WRONG
    assert len(checked) == 2, "an unknown name must be checked against a dummy hash too"
    assert checked[0].startswith("scrypt$")


def test_repeated_failures_lock_the_name_for_a_growing_window(engine: Engine) -> None:
    _with_user(engine)
    clock = Clock()
    with Session(engine) as session:
        for _ in range(2):
            assert auth.authenticate(
                session=session, username="alice", password="x" * 12, clock=clock
            ).retry_after == dt.timedelta(0)
        third = auth.authenticate(session=session, username="alice", password="x" * 12, clock=clock)
        assert third.retry_after == dt.timedelta(seconds=2)
        # Locked: even the right password is not checked until the window has passed.
        locked = auth.authenticate(
            session=session, username="Alice", password=PASSWORD, clock=clock
        )
        assert locked.actor is None
        assert locked.message == "Too many failed sign-ins from here: try again in 2 s."
        clock.advance(2)
        fourth = auth.authenticate(
            session=session, username="alice", password="x" * 12, clock=clock
        )
        assert fourth.retry_after == dt.timedelta(seconds=4)
        clock.advance(4)
        assert auth.authenticate(
            session=session, username="alice", password=PASSWORD, clock=clock
        ).actor
        # Success forgets this client's failures.
        assert session.get(m.SignInThrottle, ("alice", auth.UNKNOWN_CLIENT)) is None


def test_unknown_names_are_slowed_down_like_known_ones(engine: Engine) -> None:
    clock = Clock()
    with Session(engine) as session:
        outcomes = [
            auth.authenticate(session=session, username="ghost", password="x" * 12, clock=clock)
            for _ in range(4)
        ]
    assert [outcome.retry_after.total_seconds() for outcome in outcomes] == [0, 0, 2, 2]
    assert outcomes[-1].message.startswith("Too many failed sign-ins")


def test_an_editor_may_edit_only_their_organisations_activities() -> None:
    editor = auth.Actor("bob", "editor", "form", frozenset({"acbk"}))
    assert editor.may_edit("acbk", [])
    assert editor.may_edit("pica", ["acbk"])
    assert not editor.may_edit("pica", [])
    assert not editor.may_edit(None, ["pica"])
    assert auth.Actor("carol", "editor", "form").may_edit("pica", [])
    assert auth.Actor("dora", "admin", "form", frozenset({"acbk"})).may_edit("pica", [])


def test_the_migration_refuses_names_that_differ_only_in_case(empty_store_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect, text

    from dashboard.db import alembic_config

    engine = make_engine(empty_store_url)
    config = alembic_config(engine)
    command.upgrade(config, "0008")
    with engine.begin() as connection:
        for name in ("Alice", "alice", "bob"):
            connection.execute(
                text(
                    'INSERT INTO "user" (username, password_hash, role, active, created_at) '
                    "VALUES (:name, 'x', 'admin', true, '2026-01-01 00:00:00')"
                ),
                {"name": name},
            )
    with pytest.raises(RuntimeError, match=r"not: alice \(2 accounts\)\. Keep one account"):
        command.upgrade(config, "head")
    assert "signinfailure" in inspect(engine).get_table_names(), "nothing may have changed"
    if engine.dialect.name == "sqlite":
        # A failed migration hands its connection back with foreign keys on again.
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM \"user\" WHERE username = 'Alice'"))
    command.upgrade(config, "head")
    with Session(engine) as session:
        assert [user.username for user in session.exec(select(m.User))] == ["alice", "bob"]
    engine.dispose()
