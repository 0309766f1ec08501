"""Partner accounts: slow salted password hashes, sign-in with a slow-down, and who may edit what.

Viewing is public; editing needs an account. Passwords are hashed with scrypt (n=2**14, r=8,
p=1, a 16-byte random salt, parameters stored with the hash) and compared in constant time.
An unknown user name costs the same hash as a known one, so timing does not reveal accounts.
Failed sign-ins are counted per user name (known or not) in the store; from the third one on,
the name is locked for a window that doubles with each failure, up to `MAX_LOCK`.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from dashboard import models as m
from dashboard.audit import record

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,79}")
# Failures allowed before the lock window starts, and the longest window.
FREE_FAILURES = 2
MAX_LOCK = dt.timedelta(minutes=15)

Clock = Callable[[], dt.datetime]


class AuthError(ValueError):
    """An account cannot be created or changed; the message says why."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash that carries its own parameters: `scrypt$n$r$p$salt$hash`."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    key = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=KEY_BYTES
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored`, compared in constant time; False if malformed."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        expected_key = base64.b64decode(expected, validate=True)
        key = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected_key),
        )
    except ValueError:
        return False
    return hmac.compare_digest(key, expected_key)


@functools.cache
def _dummy_hash() -> str:
    """Compared against when the user name is unknown, so that the answer takes as long."""
    return hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a signed-in user, or the operator at the command line.

    `organisations` holds the slugs the actor may edit for; empty means any organisation.
    """

    name: str
    role: str
    via: str
    organisations: frozenset[str] = field(default_factory=frozenset)

    @property
    def unrestricted(self) -> bool:
        return self.role == "admin" or not self.organisations

    def may_edit(self, lead: str | None, partners: Iterable[str]) -> bool:
        """Whether the actor may edit an activity led by `lead` with these partners."""
        if self.unrestricted:
            return True
        return bool(self.organisations & ({lead} | set(partners) if lead else set(partners)))

    @property
    def may_assess(self) -> bool:
        """Whether the actor may record assessments of plan items. An assessment speaks for a
        whole plan, and an editor's organisations scope only activities (no organisation owns
        a plan item), so it takes an admin or an editor not restricted to organisations."""
        return self.unrestricted

    def assess_refusal(self) -> str:
        """Why the actor may not assess plan items."""
        return (
            "an assessment speaks for the whole plan: it takes an admin or an editor not "
            "restricted to organisations (you may edit only what "
            f"{', '.join(sorted(self.organisations))} lead or partner)"
        )

    def refusal(self, activity_id: str) -> str:
        """Why the actor may not edit `activity_id`."""
        return (
            f"you may edit only activities that {', '.join(sorted(self.organisations))} lead "
            f"or partner, and {activity_id} would not be one of them"
        )


def command_line_actor(name: str) -> Actor:
    """The operator at the command line: whoever can reach the store may change all of it."""
    return Actor(name=f"cli:{name}", role="admin", via="cli")


def validate_username(username: str) -> str:
    username = username.strip()
    if not USERNAME_PATTERN.fullmatch(username):
        raise AuthError(
            "a user name is 2–80 letters, digits or . _ @ - and starts with a letter or digit"
        )
    return username


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


def get_user(*, session: Session, username: str) -> m.User | None:
    return session.exec(select(m.User).where(m.User.username == username)).first()


def user_organisations(*, session: Session, user: m.User) -> frozenset[str]:
    """The slugs of the organisations `user` may edit for (empty: any)."""
    return frozenset(
        session.exec(
            select(m.Organisation.slug)
            .join(m.UserOrganisation, col(m.UserOrganisation.organisation_id) == m.Organisation.id)
            .where(m.UserOrganisation.user_id == user.id)
        ).all()
    )


def actor_for(*, session: Session, username: str, via: str = "form") -> Actor | None:
    """The active user `username` as an Actor, or None if unknown or disabled."""
    user = get_user(session=session, username=username)
    if user is None or not user.active:
        return None
    return Actor(
        name=user.username,
        role=user.role,
        via=via,
        organisations=user_organisations(session=session, user=user),
    )


def add_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: str,
    organisations: Iterable[str] = (),
    actor: Actor,
) -> m.User:
    """Create an account (the caller commits); the audit row never holds the hash."""
    username = validate_username(username)
    validate_password(password)
    if role not in m.USER_ROLES:
        raise AuthError(f"role must be one of {', '.join(m.USER_ROLES)}, not {role!r}")
    if get_user(session=session, username=username) is not None:
        raise AuthError(f"user {username!r} exists already")
    slugs = list(dict.fromkeys(organisations))
    known = {
        slug: pk
        for slug, pk in session.exec(
            select(m.Organisation.slug, m.Organisation.id).where(
                col(m.Organisation.slug).in_(slugs)
            )
        ).all()
        if pk is not None
    }
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise AuthError(f"unknown organisation {', '.join(map(repr, unknown))}")
    user = m.User(username=username, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    assert user.id is not None
    session.add_all(m.UserOrganisation(user_id=user.id, organisation_id=known[s]) for s in slugs)
    record(
        session=session,
        actor=actor,
        action="create",
        table="user",
        row_key=username,
        after={"username": username, "role": role, "active": True, "organisations": slugs},
    )
    session.flush()
    return user


def disable_user(*, session: Session, username: str, actor: Actor) -> m.User:
    """Disable an account: it can no longer sign in, and signed-in sessions lose their rights."""
    user = get_user(session=session, username=username)
    if user is None:
        raise AuthError(f"no user {username!r}")
    if user.active:
        user.active = False
        session.add(user)
        record(
            session=session,
            actor=actor,
            action="disable",
            table="user",
            row_key=username,
            before={"active": True},
            after={"active": False},
        )
        session.flush()
    return user


def list_users(*, session: Session) -> list[tuple[m.User, frozenset[str]]]:
    users = session.exec(select(m.User).order_by(m.User.username)).all()
    return [(user, user_organisations(session=session, user=user)) for user in users]


def lock_window(failures: int) -> dt.timedelta:
    """How long a user name stays locked after `failures` failed sign-ins in a row."""
    if failures <= FREE_FAILURES:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=2 ** (failures - FREE_FAILURES)), MAX_LOCK)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the actor, or why not (and how long to wait, if locked)."""

    actor: Actor | None
    message: str = ""
    retry_after: dt.timedelta = dt.timedelta(0)


WRONG = "Wrong user name or password, or the account is disabled."


def authenticate(*, session: Session, username: str, password: str, clock: Clock = _now) -> SignIn:
    """Check a sign-in and record its failure (the caller commits either way)."""
    username = username.strip()
    if not username or not password:
        return SignIn(None, "Enter your user name and password.")
    now = clock()
    key = username.lower()[:80]
    failure = session.get(m.SignInFailure, key)
    if failure is not None and failure.locked_until and failure.locked_until > now:
        wait = failure.locked_until - now
        return SignIn(
            None,
            f"Too many failed sign-ins for this name: try again in {_seconds(wait)}.",
            retry_after=wait,
        )
    user = get_user(session=session, username=username)
    matches = verify_password(password, user.password_hash if user else _dummy_hash())
    if user is not None and matches and user.active:
        if failure is not None:
            session.delete(failure)
        actor = actor_for(session=session, username=user.username)
        return SignIn(actor)
    failure = failure or m.SignInFailure(username=key)
    failure.failures += 1
    window = lock_window(failure.failures)
    failure.locked_until = now + window if window else None
    session.add(failure)
    return SignIn(None, WRONG, retry_after=window)


def _seconds(wait: dt.timedelta) -> str:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"
