"""Partner accounts: slow salted password hashes, sign-in with a slow-down, and who may edit what.

Viewing is public; editing needs an account. Passwords are hashed with scrypt (n=2**14, r=8,
p=1, a 16-byte random salt, parameters stored with the hash) and compared in constant time.
An unknown user name costs the same hash as a known one, so timing does not reveal accounts.
User names are one account whatever their case.

Failed sign-ins are counted per account (known or not) and client, and per account over all
clients (README, "Sign-in throttling"): each attempt is first counted by one atomic statement,
and the password is checked only if neither count asks it to wait. The waits double and are
capped, so a guesser is slowed down while the partner, signing in from elsewhere, is not.

A signed-in browser keeps a session (`PartnerSession`): a signed, expiring token in an
HTTP-only cookie that the server sets (`dashboard.server`), revoked by signing out or
disabling the user.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, case, delete, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from dashboard import models as m
from dashboard.audit import record

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
MIN_PASSWORD_LENGTH = 10
# Longer passwords are refused rather than hashed: no one types more, and it bounds the work.
MAX_PASSWORD_LENGTH = 256
# zxcvbn's score (0-4): 3 is "safely unguessable" (about 10**8 guesses or more), and a
# password from its list of common ones (30,000, with variants) never reaches it.
MIN_PASSWORD_SCORE = 3
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,79}")

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
            "a user name is 2–80 letters, digits or . _ @ - and starts with a letter or digit "
            "(no spaces, control or direction-changing characters)"
        )
    return username


def validate_password(password: str, *, username: str = "") -> str:
    """The password if it is long enough, not blank and not a common or guessable one."""
    import zxcvbn

    if not password.strip():
        raise AuthError("a password cannot be blank or only spaces")
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in password):
        raise AuthError("a password cannot hold control or invisible formatting characters")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    verdict = zxcvbn.zxcvbn(password[:72], user_inputs=[username] if username else [])
    if verdict["score"] < MIN_PASSWORD_SCORE:
        reason = verdict["feedback"].get("warning") or "it is too easy to guess."
        raise AuthError(
            f"this password is too easy to guess: {reason.rstrip('.').lower()}. Use a few "
            "uncommon words, or a password manager's."
        )
    return password


def account_key(username: str) -> str:
    """The one spelling of a user name: `Alice` and `alice` are one account."""
    return username.strip().lower()[:80]


def get_user(*, session: Session, username: str) -> m.User | None:
    """The account named `username`, whatever its case."""
    return session.exec(
        select(m.User).where(func.lower(m.User.username) == account_key(username))
    ).first()


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
    if role not in m.USER_ROLES:
        raise AuthError(f"role must be one of {', '.join(m.USER_ROLES)}, not {role!r}")
    existing = get_user(session=session, username=username)
    if existing is not None:
        raise AuthError(
            f"user {username!r} exists already"
            + (f" (as {existing.username!r})" if existing.username != username else "")
        )
    validate_password(password, username=username)
    slugs = list(dict.fromkeys(organisations))
    if role == "editor" and not slugs:
        raise AuthError(
            "an editor needs at least one organisation whose activities they may edit "
            "(--organisation SLUG); to let an account edit everything, make it an admin (--admin)"
        )
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


def _existing(*, session: Session, username: str) -> m.User:
    user = get_user(session=session, username=username)
    if user is None:
        raise AuthError(f"no user {username!r}")
    return user


def _set_active(*, session: Session, username: str, active: bool, actor: Actor) -> m.User:
    user = _existing(session=session, username=username)
    if user.active != active:
        user.active = active
        session.add(user)
        record(
            session=session,
            actor=actor,
            action="enable" if active else "disable",
            table="user",
            row_key=user.username,
            before={"active": not active},
            after={"active": active},
        )
    if not active:
        end_sessions(session=session, user=user)
    session.flush()
    return user


def disable_user(*, session: Session, username: str, actor: Actor) -> m.User:
    """Disable an account: it can no longer sign in, and its sessions end at once."""
    return _set_active(session=session, username=username, active=False, actor=actor)


def enable_user(*, session: Session, username: str, actor: Actor) -> m.User:
    """Enable a disabled account again (its password is unchanged)."""
    return _set_active(session=session, username=username, active=True, actor=actor)


def reset_password(*, session: Session, username: str, password: str, actor: Actor) -> m.User:
    """Give an account a new password; its sessions end and its sign-in waits are cleared."""
    user = _existing(session=session, username=username)
    validate_password(password, username=user.username)
    user.password_hash = hash_password(password)
    session.add(user)
    # The audit row says that it changed, never the hash.
    record(
        session=session,
        actor=actor,
        action="reset-password",
        table="user",
        row_key=user.username,
        after={"password": "changed"},
    )
    end_sessions(session=session, user=user)
    unlock_user(session=session, username=user.username, actor=actor)
    session.flush()
    return user


def unlock_user(*, session: Session, username: str, actor: Actor) -> int:
    """Forget every counted failure for an account name (known or not), from every client,
    so that no sign-in to it waits; how many counts were cleared."""
    key = account_key(username)
    cleared = session.exec(
        delete(m.SignInThrottle).where(col(m.SignInThrottle.account) == key)
    ).rowcount
    if cleared:
        record(
            session=session,
            actor=actor,
            action="unlock",
            table="user",
            row_key=key,
            before={"throttled_clients": cleared},
        )
    session.flush()
    return int(cleared or 0)


def list_users(*, session: Session) -> list[tuple[m.User, frozenset[str]]]:
    users = session.exec(select(m.User).order_by(m.User.username)).all()
    return [(user, user_organisations(session=session, user=user)) for user in users]


@dataclass(frozen=True)
class Schedule:
    """How long to wait after a number of failures: none for the first `free`, then `first`,
    doubling with each failure up to `longest` (computed without ever overflowing)."""

    free: int
    first: dt.timedelta
    longest: dt.timedelta

    @functools.cached_property
    def steps(self) -> tuple[int, ...]:
        """The waits in milliseconds after `free` + 1, + 2, ... failures, up to `longest`."""
        waits: list[int] = []
        wait, longest = _ms(self.first), _ms(self.longest)
        while wait < longest:
            waits.append(wait)
            wait *= 2
        return (*waits, longest)

    def wait_ms(self, failures: int) -> int:
        if failures <= self.free:
            return 0
        return self.steps[min(failures - self.free, len(self.steps)) - 1]

    def wait(self, failures: int) -> dt.timedelta:
        return dt.timedelta(milliseconds=self.wait_ms(failures))

    def sql_wait_ms(self, failures: ColumnElement[int]) -> ColumnElement[int]:
        """The same as `wait_ms`, as an SQL expression over a column of failures."""
        whens: list[tuple[ColumnElement[bool], int]] = [(failures <= self.free, 0)]
        whens += [
            (failures == self.free + n, wait) for n, wait in enumerate(self.steps[:-1], start=1)
        ]
        return case(*whens, else_=self.steps[-1])


def _ms(value: dt.timedelta | dt.datetime) -> int:
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds() * 1000)
    return int(value.timestamp() * 1000)


# Per account and client: two free failures, then 2 s, 4 s, ... up to 15 minutes.
CLIENT_SCHEDULE = Schedule(free=2, first=dt.timedelta(seconds=2), longest=dt.timedelta(minutes=15))
# Per account over all clients, the ceiling: 30 free failures, then 1 s, 2 s, ... up to 5 min.
ACCOUNT_SCHEDULE = Schedule(free=30, first=dt.timedelta(seconds=1), longest=dt.timedelta(minutes=5))
# The client that stands for all of them in the account's own count.
ANY_CLIENT = "*"
# A count left alone this long starts again from one.
FORGET_AFTER = dt.timedelta(hours=24)
# Counts stop growing here (the wait stopped long before).
MAX_COUNTED = 1_000_000


@dataclass(frozen=True)
class Attempt:
    """The outcome of counting one attempt: let through, or how long to wait."""

    allowed: bool
    failures: int
    retry_after: dt.timedelta


def reserve_attempt(
    *, session: Session, account: str, client: str, schedule: Schedule, now: dt.datetime
) -> Attempt:
    """Count an attempt for (account, client) in one atomic statement, unless its wait is still
    running: an upsert that bumps the count, stamps the time and the attempt's id only when the
    last failure's wait has passed, and returns the row. Parallel attempts are serialised by
    the database, so each is counted once and none fails on the insert."""
    table = m.SignInThrottle.__table__  # type: ignore[attr-defined]
    now_ms, attempt = _ms(now), secrets.token_hex(16)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    waiting = table.c.last_failure_ms + schedule.sql_wait_ms(table.c.failures) > now_ms
    forgotten = table.c.last_failure_ms + _ms(FORGET_AFTER) <= now_ms
    statement = (
        dialect.insert(table)
        .values(account=account, client=client, failures=1, last_failure_ms=now_ms, attempt=attempt)
        .on_conflict_do_update(
            index_elements=[table.c.account, table.c.client],
            set_={
                "failures": case(
                    (waiting, table.c.failures),
                    (forgotten, 1),
                    (table.c.failures >= MAX_COUNTED, MAX_COUNTED),
                    else_=table.c.failures + 1,
                ),
                "last_failure_ms": case((waiting, table.c.last_failure_ms), else_=now_ms),
                "attempt": case((waiting, table.c.attempt), else_=attempt),
            },
        )
        .returning(table.c.failures, table.c.last_failure_ms, table.c.attempt)
    )
    failures, last_ms, winner = session.connection().execute(statement).one()
    if winner == attempt:
        return Attempt(True, failures, schedule.wait(failures))
    wait = dt.timedelta(milliseconds=last_ms + schedule.wait_ms(failures) - now_ms)
    return Attempt(False, failures, wait)


def _release_attempt(*, session: Session, account: str, client: str) -> None:
    """Take back an attempt that turned out to be right: the client's count is forgotten, and
    the account's ceiling counts one failure fewer."""
    throttle = m.SignInThrottle
    session.exec(
        delete(throttle).where(col(throttle.account) == account, col(throttle.client) == client)
    )
    session.exec(
        update(throttle)
        .where(col(throttle.account) == account, col(throttle.client) == ANY_CLIENT)
        .values(failures=case((col(throttle.failures) > 0, col(throttle.failures) - 1), else_=0))
    )


def client_address(*, remote: str | None, forwarded: Iterable[str] = ()) -> str:
    """The client that the throttle counts: the last address in the trusted proxy's header
    (the one the proxy itself saw; earlier ones the visitor may have written), else the
    connection's address, "local" for the machine itself."""
    addresses = [address.strip() for value in forwarded for address in value.split(",")]
    addresses = [address for address in addresses if address]
    if addresses:
        return addresses[-1][:64]
    return (remote or "local")[:64]


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the actor, or why not (and how long to wait, if throttled)."""

    actor: Actor | None
    message: str = ""
    retry_after: dt.timedelta = dt.timedelta(0)


WRONG = "Wrong user name or password, or the account is disabled."
UNKNOWN_CLIENT = "unknown"


def authenticate(
    *,
    session: Session,
    username: str,
    password: str,
    client: str = UNKNOWN_CLIENT,
    clock: Clock = _now,
) -> SignIn:
    """Check a sign-in from `client` (an address): counted first, committed, and checked only
    if neither this client's count nor the account's asks it to wait."""
    if not username.strip() or not password:
        return SignIn(None, "Enter your user name and password.")
    now = clock()
    account, client = account_key(username), (client or UNKNOWN_CLIENT)[:64]
    here = reserve_attempt(
        session=session, account=account, client=client, schedule=CLIENT_SCHEDULE, now=now
    )
    everywhere = (
        reserve_attempt(
            session=session, account=account, client=ANY_CLIENT, schedule=ACCOUNT_SCHEDULE, now=now
        )
        if here.allowed
        else None
    )
    # Commit the counts before the slow hash, so that parallel attempts do not wait on it.
    session.commit()
    if not here.allowed:
        return SignIn(
            None,
            f"Too many failed sign-ins from here: try again in {_seconds(here.retry_after)}.",
            retry_after=here.retry_after,
        )
    assert everywhere is not None
    if not everywhere.allowed:
        return SignIn(
            None,
            "Too many failed sign-ins for this account: try again in "
            f"{_seconds(everywhere.retry_after)}.",
            retry_after=everywhere.retry_after,
        )
    user = get_user(session=session, username=username)
    matches = verify_password(password, user.password_hash if user else _dummy_hash())
    if user is not None and matches and user.active:
        _release_attempt(session=session, account=account, client=client)
        session.commit()
        return SignIn(actor_for(session=session, username=user.username))
    return SignIn(None, WRONG, retry_after=max(here.retry_after, everywhere.retry_after))


def _seconds(wait: dt.timedelta) -> str:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


SESSION_COOKIE = "manul_session"
# A ticket hands a new session's token to the browser; it is redeemed at once.
TICKET_LIFETIME = dt.timedelta(minutes=1)
_SECRET_NAME = "session-signing-key"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def session_secret(*, session: Session, configured: str | None = None) -> bytes:
    """The key that signs session cookies: the configured one, else the one kept in the store,
    generated on first use (an insert that a parallel first use cannot duplicate)."""
    if configured:
        return configured.encode("utf-8")
    table = m.ServerSecret.__table__  # type: ignore[attr-defined]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.connection().execute(
        dialect.insert(table)
        .values(name=_SECRET_NAME, value=secrets.token_urlsafe(48))
        .on_conflict_do_nothing(index_elements=[table.c.name])
    )
    value = session.exec(
        select(m.ServerSecret.value).where(m.ServerSecret.name == _SECRET_NAME)
    ).one()
    session.commit()
    return value.encode("utf-8")


def _signature(secret: bytes, payload: str) -> str:
    mac = hmac.new(secret, payload.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class NewSession:
    """A session just started in the app, and the ticket that hands it to the browser."""

    id: str
    ticket: str


def start_session(
    *, session: Session, username: str, lifetime: dt.timedelta, clock: Clock = _now
) -> NewSession:
    """Start a session for a user who has just signed in (the caller commits)."""
    user = _existing(session=session, username=username)
    assert user.id is not None
    now, ticket = clock(), secrets.token_urlsafe(32)
    row = m.PartnerSession(
        id=secrets.token_urlsafe(24),
        user_id=user.id,
        created_at=now,
        expires_at=now + lifetime,
        ticket_hash=_digest(ticket),
        ticket_expires_at=now + TICKET_LIFETIME,
    )
    session.add(row)
    session.flush()
    return NewSession(row.id, ticket)


@dataclass(frozen=True)
class Cookie:
    """The session cookie's value and when it expires."""

    value: str
    expires_at: dt.datetime


def hand_over(
    *, session: Session, ticket: str, secret: bytes, clock: Clock = _now
) -> Cookie | None:
    """Redeem a ticket once: a fresh token for its session, signed, for an HTTP-only cookie;
    None if the ticket is unknown, used or expired. The store keeps only the token's hash."""
    now, token = clock(), secrets.token_urlsafe(32)
    table = m.PartnerSession
    redeemed = session.exec(
        update(table)
        .where(
            col(table.ticket_hash) == _digest(ticket),
            col(table.ticket_hash) != "",
            col(table.ticket_expires_at) > now,
            col(table.expires_at) > now,
        )
        .values(token_hash=_digest(token), ticket_hash="", ticket_expires_at=None)
        .returning(col(table.id), col(table.expires_at))
    ).first()
    session.commit()
    if redeemed is None:
        return None
    session_id, expires_at = redeemed
    payload = f"{session_id}.{token}.{int(expires_at.timestamp())}"
    return Cookie(f"{payload}.{_signature(secret, payload)}", expires_at)


def _cookie_session(
    *, session: Session, cookie: str, secret: bytes, now: dt.datetime
) -> m.PartnerSession | None:
    """The live session a cookie names, if its signature, expiry and token all hold."""
    try:
        session_id, token, expires, signature = cookie.split(".")
        expires_at = dt.datetime.fromtimestamp(int(expires), dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None
    payload = f"{session_id}.{token}.{expires}"
    if not hmac.compare_digest(signature, _signature(secret, payload)) or expires_at <= now:
        return None
    row = session.get(m.PartnerSession, session_id)
    if row is None or not row.token_hash or row.expires_at <= now:
        return None
    if not hmac.compare_digest(row.token_hash, _digest(token)):
        return None
    return row


def session_actor(
    *, session: Session, cookie: str, secret: bytes, clock: Clock = _now
) -> tuple[str, Actor] | None:
    """The session id and the active user a session cookie signs in, or None."""
    row = _cookie_session(session=session, cookie=cookie, secret=secret, now=clock())
    if row is None:
        return None
    user = session.get(m.User, row.user_id)
    actor = actor_for(session=session, username=user.username) if user else None
    return (row.id, actor) if actor else None


def live_session(*, session: Session, session_id: str, clock: Clock = _now) -> bool:
    """Whether a session is still on: not signed out, not expired, its user not disabled."""
    row = session.get(m.PartnerSession, session_id)
    return row is not None and row.expires_at > clock()


def end_session(
    *, session: Session, session_id: str = "", cookie: str = "", secret: bytes = b""
) -> None:
    """Sign a session out (by its id, or by the cookie that names it): its token stops working
    at once, whatever the browser still holds."""
    if cookie and not session_id:
        row = _cookie_session(session=session, cookie=cookie, secret=secret, now=_now())
        session_id = row.id if row else ""
    if session_id:
        session.exec(delete(m.PartnerSession).where(col(m.PartnerSession.id) == session_id))


def end_sessions(*, session: Session, user: m.User) -> None:
    """End every session of a user (disabled, or given a new password)."""
    session.exec(delete(m.PartnerSession).where(col(m.PartnerSession.user_id) == user.id))
