"""Sign-in throttling (issue 15): atomic on both backends, bounded, and keyed on the account and
the client, with a ceiling per account, so that it slows a guesser without locking anyone out."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from dashboard import auth
from dashboard import models as m
from dashboard.db import make_engine
from tests.test_auth import Clock

OPERATOR = auth.command_line_actor("tester")
PASSWORD = "manul-steppe-2026"
WRONG_PASSWORD = "not the password"


@pytest.fixture
def engine(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    with Session(engine) as session:
        auth.add_user(
            session=session, username="alice", password=PASSWORD, role="admin", actor=OPERATOR
        )
        session.commit()
    yield engine
    engine.dispose()


def _guess(
    engine: Engine, clock: Clock, *, password: str = WRONG_PASSWORD, client: str = "client-a"
) -> auth.SignIn:
    with Session(engine) as session:
        outcome = auth.authenticate(
            session=session, username="alice", password=password, client=client, clock=clock
        )
        session.commit()
    return outcome


def _parallel(engine: Engine, clients: list[str]) -> tuple[list[auth.SignIn], list[BaseException]]:
    """One wrong guess per client, all at once, each in its own thread and connection."""
    clock = Clock()
    start = threading.Barrier(len(clients))
    outcomes: list[auth.SignIn] = []
    errors: list[BaseException] = []

    def guess(client: str) -> None:
        start.wait()
        try:
            outcomes.append(_guess(engine, clock, client=client))
        except BaseException as error:  # an IntegrityError here was the defect
            errors.append(error)

    threads = [threading.Thread(target=guess, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, errors


def _failures(engine: Engine, client: str) -> int:
    with Session(engine) as session:
        row = session.get(m.SignInThrottle, ("alice", client))
        return row.failures if row else 0


def test_parallel_guesses_from_many_clients_are_each_counted(engine: Engine) -> None:
    clients = [f"198.51.100.{n}" for n in range(10)]
    outcomes, errors = _parallel(engine, clients)
    assert errors == []
    assert [outcome.message for outcome in outcomes] == [auth.WRONG] * 10
    assert _failures(engine, auth.ANY_CLIENT) == 10
    assert {client: _failures(engine, client) for client in clients} == dict.fromkeys(clients, 1)


def test_parallel_guesses_from_one_client_pass_the_gate_only_as_often_as_allowed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    original = auth.verify_password

    def spy(password: str, stored: str) -> bool:
        checked.append(password)
        return original(password, stored)

    monkeypatch.setattr(auth, "verify_password", spy)
    outcomes, errors = _parallel(engine, ["203.0.113.7"] * 8)
    assert errors == []
    # Each of the 8 is accounted for: the first ones are checked and counted, the rest are
    # refused unchecked because the earlier ones had already started the wait.
    allowed = auth.CLIENT_SCHEDULE.free + 1
    assert len(checked) == allowed
    assert _failures(engine, "203.0.113.7") == allowed
    refused = [outcome for outcome in outcomes if outcome.message.startswith("Too many")]
    assert len(refused) == 8 - allowed
    assert _failures(engine, auth.ANY_CLIENT) == allowed


def test_the_wait_is_capped_and_still_enforced_after_many_failures(engine: Engine) -> None:
    clock = Clock()
    outcome = auth.SignIn(None)
    for _ in range(60):
        clock.advance(outcome.retry_after.total_seconds())
        outcome = _guess(engine, clock)
        assert outcome.message == auth.WRONG
        assert dt.timedelta(0) <= outcome.retry_after <= auth.CLIENT_SCHEDULE.longest
    assert _failures(engine, "client-a") == 60
    # The 61st guess, straight after the 60th: refused without a check, for a finite wait.
    refused = _guess(engine, clock, password=PASSWORD)
    assert refused.actor is None
    assert refused.retry_after == auth.CLIENT_SCHEDULE.longest
    assert refused.message == "Too many failed sign-ins from here: try again in 15 min."
    # Ten thousand more failures cannot overflow anything either.
    assert auth.CLIENT_SCHEDULE.wait(10**6) == auth.CLIENT_SCHEDULE.longest
    clock.advance(auth.CLIENT_SCHEDULE.longest.total_seconds())
    assert _guess(engine, clock, password=PASSWORD).actor is not None


def test_a_guesser_elsewhere_does_not_lock_out_the_real_user(engine: Engine) -> None:
    clock = Clock()
    for _ in range(5):
        _guess(engine, clock, client="attacker")
    assert _guess(engine, clock, password=PASSWORD, client="attacker").actor is None
    signed_in = _guess(engine, clock, password=PASSWORD, client="partner-office")
    assert signed_in.actor is not None
    assert signed_in.actor.name == "alice"
    # Success clears the partner's own count, not the guesser's.
    assert _failures(engine, "partner-office") == 0
    assert _failures(engine, "attacker") == auth.CLIENT_SCHEDULE.free + 1


def test_the_ceiling_per_account_slows_guessing_from_many_clients(engine: Engine) -> None:
    clock = Clock()
    ceiling = auth.ACCOUNT_SCHEDULE.free
    for n in range(ceiling + 1):
        assert _guess(engine, clock, client=f"bot-{n}").message == auth.WRONG
    refused = _guess(engine, clock, password=PASSWORD, client="bot-new")
    assert refused.actor is None
    assert refused.message.startswith("Too many failed sign-ins for this account")
    assert dt.timedelta(0) < refused.retry_after <= auth.ACCOUNT_SCHEDULE.longest
    clock.advance(refused.retry_after.total_seconds())
    assert _guess(engine, clock, password=PASSWORD, client="bot-new").actor is not None


def test_unlock_clears_every_count_of_an_account(engine: Engine) -> None:
    clock = Clock()
    for client in ("a", "a", "a", "b"):
        _guess(engine, clock, client=client)
    assert _guess(engine, clock, password=PASSWORD, client="a").actor is None
    with Session(engine) as session:
        assert auth.unlock_user(session=session, username="Alice", actor=OPERATOR) == 3
        session.commit()
        assert session.exec(select(m.SignInThrottle)).all() == []
    assert _guess(engine, clock, password=PASSWORD, client="a").actor is not None


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        (None, [], "local"),
        ("198.51.100.4", [], "198.51.100.4"),
        # Behind the trusted proxy: the address it saw, not what the visitor wrote before it.
        ("10.0.0.2", ["203.0.113.66, 198.51.100.4"], "198.51.100.4"),
        ("10.0.0.2", ["spoofed", "198.51.100.4 "], "198.51.100.4"),
        ("10.0.0.2", [" , "], "10.0.0.2"),
        ("x" * 100, [], "x" * 64),
    ],
)
def test_the_client_is_the_address_the_trusted_proxy_saw(
    remote: str | None, forwarded: list[str], client: str
) -> None:
    assert auth.client_address(remote=remote, forwarded=forwarded) == client
