"""The store's tables: both frameworks in one tree, the range, organisations and activities."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import BigInteger, Index, MetaData, UniqueConstraint, func
from sqlmodel import Field, SQLModel
from sqlmodel.sql.sqltypes import AutoString

# Named constraints make migrations identical on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

ACTIVITY_STATUSES: tuple[str, ...] = (
    "planned",
    "in_progress",
    "completed",
    "on_hold",
    "cancelled",
)
ORGANISATION_KINDS: tuple[str, ...] = (
    "NGO",
    "zoo",
    "government",
    "intergovernmental",
    "academic",
    "foundation",
)
ORGANISATION_ROLES: tuple[str, ...] = ("partner", "funder")
REGION_STATUSES: tuple[str, ...] = ("target", "pending")
# How far a plan item (a goal, objective, action or section) is implemented, as a partner
# assesses it (a CMS national report's answer per action). In order: each is further along
# than the one before; not_applicable leaves the item out of the plan's count.
ITEM_STATUSES: tuple[str, ...] = (
    "not_started",
    "started",
    "well_advanced",
    "completed",
    "not_applicable",
)
# The progress update statuses that mean work is under way (or done).
WORK_STARTED_STATUSES: tuple[str, ...] = ("in_progress", "completed")


def sort_key(text: str) -> str:
    """Free text as listings sort it: case folded for every alphabet ("Éclair" with "éclair",
    "Straße" with "strasse"), then compared by code point. Stored next to the text it folds
    (Activity.title_key, Organisation.name_key), so the database sorts a page in the same
    order on SQLite and PostgreSQL, whose own lower() and collations differ."""
    return text.casefold()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Framework(SQLModel, table=True):
    """A plan activities are mapped onto (the Strategy, the CAMI Work Programme, ...)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=200)
    short_name: str = Field(max_length=80)
    period_start: int
    period_end: int
    description: str = ""
    source: str = ""
    # The column of an activity file that lists this plan's items (empty: `<code>_items`,
    # see `items_column_of`), so that files keep the column names partners know.
    items_column: str = Field(default="", max_length=40)


def items_column_of(code: str, items_column: str = "") -> str:
    """The activity-file column of a plan's items: its own, else `<code>_items`."""
    return items_column or f"{code}_items"


class ItemFields(SQLModel):
    """What a plan's item says, as framework_items.csv gives it (but its place in the tree)."""

    code: str = Field(max_length=40, index=True)
    title: str = Field(max_length=300)
    description: str = ""
    level: str = Field(max_length=40)
    provisional: bool = False
    # How much of an item applies to the Pallas's cat (CAMI: "all actions" / "selected actions").
    applies: str = Field(default="", max_length=80)
    sort_order: int = 0
    source: str = ""


class FrameworkItem(ItemFields, table=True):
    """One node of a framework's tree: a goal, objective, action or section."""

    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_frameworkitem_code"),)

    id: int | None = Field(default=None, primary_key=True)
    framework_id: int = Field(foreign_key="framework.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="frameworkitem.id", index=True)


class RetiredItem(ItemFields, table=True):
    """An item a plan's tree no longer has since its replacement (`dashboard framework
    replace`): kept as it was, with the day it left and the items that took its activity
    links and assessments, so that a figure read under the old tree stays explained."""

    id: int | None = Field(default=None, primary_key=True)
    framework_id: int = Field(foreign_key="framework.id", index=True)
    parent_code: str = Field(default="", max_length=40)
    retired_on: dt.date = Field(index=True)
    # The crosswalk's rows for it: `CODE` or `CODE:weight`, joined with `;`.
    replaced_by: str = ""
    retired_by: str = Field(default="", max_length=80)


class Country(SQLModel, table=True):
    """A country of the Pallas's cat range, keyed by ISO 3166-1 alpha-3."""

    iso3: str = Field(primary_key=True, max_length=3)
    name: str = Field(max_length=120)
    range_state: bool = True
    # None: not confirmed by any source we hold.
    cms_party: bool | None = None
    cami_range_state: bool = False
    presence_note: str = ""
    source: str = ""


class Region(SQLModel, table=True):
    """A CAMI Priority Transboundary Conservation Region (PTCR)."""

    number: int = Field(primary_key=True)
    # The plan that defines the region (regions.csv's `framework`): its page lists it.
    framework_id: int | None = Field(default=None, foreign_key="framework.id", index=True)
    name: str = Field(max_length=120)
    pallas_status: str = Field(max_length=20)
    latitude: float
    longitude: float
    countries_derived: bool = True
    position_derived: bool = True
    source: str = ""


class RegionCountry(SQLModel, table=True):
    """Which range states a PTCR spans."""

    region_number: int = Field(foreign_key="region.number", primary_key=True, index=True)
    country_iso3: str = Field(foreign_key="country.iso3", primary_key=True, index=True)


class Organisation(SQLModel, table=True):
    """A partner, funder or agency (NGO, zoo, government, intergovernmental, academic, ...)."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=80)
    name: str = Field(max_length=200)
    # sort_key(name), kept by every write (tests/test_store.py checks they agree).
    name_key: str = ""
    short_name: str = Field(default="", max_length=80)
    kind: str = Field(max_length=40, index=True)
    country_iso3: str | None = Field(default=None, foreign_key="country.iso3", index=True)
    url: str = ""
    source: str = ""
    # An invented organisation of the demo data ("[Demo] Example Zoo"), never a real one.
    demo: bool = Field(default=False, index=True)


Placement = Literal["before links", "after links"]
# The kinds of field that hold text (stored as VARCHAR, checked for hidden characters).
TEXT_KINDS: tuple[str, ...] = ("text", "multiline", "choice")


@dataclass(frozen=True)
class FieldUse:
    """How an activity's own field is given and shown, from its declaration (ActivityFields):
    `label` names it in the form, `kind` says how a file cell or a form gives it (text,
    multiline, choice, percentage, date, flag), `choices` are the values a choice allows,
    `length` the longest text the column holds, `required` whether it must be given, and where
    its column goes relative to the link columns in an import file and in the listing/export
    (`listed` None: not listed). A file may leave out a column `optional_in_file` (one added
    after files were written): a new activity then takes the default, a stored one keeps its
    value."""

    name: str
    label: str
    kind: str
    choices: tuple[str, ...] = ()
    length: int | None = None
    required: bool = False
    in_file: Placement = "after links"
    listed: Placement | None = "after links"
    optional_in_file: bool = False


def _own(
    label: str,
    kind: str,
    *,
    length: int | None = None,
    choices: Sequence[str] = (),
    in_file: Placement = "after links",
    listed: Placement | None = "after links",
    optional_in_file: bool = False,
    **column: Any,
) -> Any:
    """An activity field with what the write side derives from it. A length is the column's
    type, not a pydantic constraint: a draft holding too long a text is built, and its check
    names the field (editing.checks), instead of failing while it is read from a form or file.
    """
    if kind in TEXT_KINDS:
        column["sa_type"] = AutoString(length=length) if length else AutoString
    return Field(
        title=label,
        schema_extra={
            "json_schema_extra": {
                "kind": kind,
                "choices": list(choices),
                "length": length,
                "in_file": in_file,
                "listed": listed,
                "optional_in_file": optional_in_file,
            }
        },
        **column,
    )


class ActivityFields(SQLModel):
    """An activity's own fields, declared once. The table (Activity) inherits them; the edit
    draft, its checks, the audit record, the import and export columns and the edit form are
    derived from them (`activity_fields()`), and the plan links from the Framework rows."""

    activity_id: str = _own(
        "Activity id", "text", length=60, in_file="before links", listed="before links",
        unique=True,
    )  # fmt: skip
    title: str = _own("Title", "text", length=300, in_file="before links", listed="before links")
    description: str = _own("Description", "multiline", default="", in_file="before links",
                            listed=None)  # fmt: skip
    # Current status and progress: the latest ProgressUpdate, kept here for listing.
    status: str = _own(
        "Status", "choice", length=20, choices=ACTIVITY_STATUSES, default="planned",
        in_file="before links", index=True,
    )  # fmt: skip
    # No progress (None) means no percentage was reported, not 0 %. (A default other than
    # None would be written by the ORM in place of an explicit None.)
    progress_pct: float | None = _own(
        "Progress (%)", "percentage", default=None, in_file="before links"
    )
    start_date: dt.date | None = _own("Start date", "date", default=None, in_file="before links",
                                      index=True)  # fmt: skip
    end_date: dt.date | None = _own("End date", "date", default=None, in_file="before links",
                                    index=True)  # fmt: skip
    source_url: str = _own("Source (URL or reference)", "text", default="")
    demo: bool = _own("Demo data (invented)", "flag", default=False, index=True)


@functools.cache
def activity_fields() -> tuple[FieldUse, ...]:
    """The own fields of an activity, in declaration order, as the write side uses them."""
    uses = []
    for name, info in ActivityFields.model_fields.items():
        extra: Mapping[str, Any] = info.json_schema_extra  # type: ignore[assignment]
        uses.append(
            FieldUse(
                name=name,
                label=info.title or name,
                kind=extra["kind"],
                choices=tuple(extra.get("choices") or ()),
                length=extra.get("length"),
                required=info.is_required(),
                in_file=extra["in_file"],
                listed=extra["listed"],
                optional_in_file=extra["optional_in_file"],
            )
        )
    return tuple(uses)


class Activity(ActivityFields, table=True):
    """A piece of conservation work, mapped onto the plans and the range: its own fields
    (ActivityFields) and what the store keeps beside them."""

    id: int | None = Field(default=None, primary_key=True)
    # sort_key(title), kept by every write (tests/test_store.py checks they agree).
    title_key: str = ""
    # The date of its earliest ProgressUpdate, kept here as status is: today's figures leave
    # out an activity not reported yet without reading the update history. Not indexed: it is
    # only compared with today, which nearly every row passes (a scan is faster).
    first_reported: dt.date | None = None
    # The date of its earliest update reporting work under way (in progress or completed, or
    # any progress above 0); None while none does. Kept as first_reported is: a plan item
    # counts as started from the first such date of an activity linked to it.
    first_started: dt.date | None = None
    # The date of its latest ProgressUpdate, kept as first_reported is: where no end date is
    # recorded, an activity's work is known to reach only as far as its latest report.
    last_reported: dt.date | None = None
    lead_organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", index=True
    )
    # Optimistic locking: an edit saved against an older version is refused.
    version: int = 1
    created_at: dt.datetime = Field(default_factory=_now)
    updated_at: dt.datetime = Field(default_factory=_now)


class ActivityItem(SQLModel, table=True):
    """An activity serves a framework item, with an optional weight (default 1)."""

    activity_id: int = Field(foreign_key="activity.id", primary_key=True, index=True)
    item_id: int = Field(foreign_key="frameworkitem.id", primary_key=True, index=True)
    weight: float = 1.0


class ActivityCountry(SQLModel, table=True):
    """An activity takes place in a range state."""

    activity_id: int = Field(foreign_key="activity.id", primary_key=True, index=True)
    country_iso3: str = Field(foreign_key="country.iso3", primary_key=True, index=True)


class ActivityRegion(SQLModel, table=True):
    """An activity takes place in a PTCR."""

    activity_id: int = Field(foreign_key="activity.id", primary_key=True, index=True)
    region_number: int = Field(foreign_key="region.number", primary_key=True, index=True)


class ActivityOrganisation(SQLModel, table=True):
    """An organisation takes part in an activity as partner or funder (the lead is on Activity)."""

    activity_id: int = Field(foreign_key="activity.id", primary_key=True, index=True)
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True, index=True)
    role: str = Field(primary_key=True, max_length=20, index=True)


class Site(SQLModel, table=True):
    """A place where an activity works."""

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    name: str = Field(default="", max_length=200)
    latitude: float
    longitude: float


class ProgressUpdate(SQLModel, table=True):
    """A dated report of an activity's progress and status; history, never overwritten."""

    # "The latest update on or before a date" per activity is the hot lookup.
    __table_args__ = (Index("ix_progressupdate_activity_date", "activity_id", "date"),)

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    date: dt.date = Field(index=True)
    # None: the report gave no percentage ("not reported"), which no mean reads as 0 %.
    progress_pct: float | None
    status: str = Field(max_length=20, index=True)
    note: str = ""
    source: str = ""
    recorded_at: dt.datetime = Field(default_factory=_now)
    # What this update changed against the activity's update before it (by date, then id): its
    # counted progress (100 when completed, 0 when cancelled or not reported) and whether it is
    # counted in the mean (0 when cancelled or no percentage reported, else 1). Kept by every write,
    # so completion over time is a sum of changes per date, with no window over the whole history.
    value_change: float = 0.0
    counted_change: int = 0
    # The activity's demo flag, kept on its updates so that an invented update is never
    # shown as a fact (kept by every write; tests/test_store.py checks they agree).
    demo: bool = False


class Funding(SQLModel, table=True):
    """Money a funder gave an activity, in its own currency (never summed across currencies).

    A documented funding relationship whose amount is not published has no amount, currency
    (and often no year): it is shown as "amount not published", never as 0.
    """

    id: int | None = Field(default=None, primary_key=True)
    funder_id: int = Field(foreign_key="organisation.id", index=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    amount: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)
    currency: str | None = Field(default=None, max_length=3, index=True)
    year: int | None = Field(default=None, index=True)
    note: str = ""
    source: str = ""
    demo: bool = Field(default=False, index=True)


class Output(SQLModel, table=True):
    """A measured result of an activity: camera-trap nights, people trained, publications, ..."""

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    indicator: str = Field(max_length=120, index=True)
    value: float
    unit: str = Field(default="", max_length=40)
    target: float | None = None
    date: dt.date | None = Field(default=None, index=True)
    note: str = ""
    source: str = ""
    demo: bool = Field(default=False, index=True)


class ItemAssessment(SQLModel, table=True):
    """A partner's dated assessment of how far a plan item is implemented, with its evidence:
    history, never overwritten. An item's status on a date is its latest assessment on or
    before that date; before its first one, the status is derived from the activities."""

    __table_args__ = (Index("ix_itemassessment_item_date", "item_id", "date"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="frameworkitem.id", index=True)
    date: dt.date = Field(index=True)
    status: str = Field(max_length=20)
    note: str = ""
    source: str = ""
    demo: bool = Field(default=False, index=True)
    # Who recorded it (a user name, `cli:<login>`, or `seed`) and when.
    recorded_by: str = Field(default="", max_length=80)
    recorded_at: dt.datetime = Field(default_factory=_now)


USER_ROLES: tuple[str, ...] = ("editor", "admin")


class User(SQLModel, table=True):
    """A partner who may edit: a salted, slow password hash (never the password) and a role."""

    # A name is one account whatever its case: `Alice` and `alice` cannot both exist.
    __table_args__ = (Index("uq_user_username_lower", func.lower("username"), unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=80)
    # "scrypt$n$r$p$salt$hash" (base64): the parameters travel with the hash.
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    active: bool = True
    created_at: dt.datetime = Field(default_factory=_now)


class UserOrganisation(SQLModel, table=True):
    """An organisation whose activities a user may edit; a user with none may edit any."""

    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True, index=True)


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins per account (its lower-case name, known or not) and client, so that a
    guesser is slowed down; the client ANY_CLIENT ("*") counts every client's, as a ceiling.

    Times are milliseconds since the epoch, so that the wait can be computed inside the one
    statement that counts an attempt, alike on SQLite and PostgreSQL (auth.reserve_attempt).
    """

    account: str = Field(primary_key=True, max_length=80)
    client: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    last_failure_ms: int = Field(default=0, sa_type=BigInteger)
    # The random id of the attempt that last got through, so that it knows it did.
    attempt: str = Field(default="", max_length=32)


class PartnerSession(SQLModel, table=True):
    """A signed-in browser, until it expires, is signed out, or its user is disabled.

    The browser holds `id` and a token in a signed, HTTP-only cookie; the store holds only the
    token's hash. A one-time ticket, valid for a minute, hands the token over (auth.hand_over).
    """

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: dt.datetime = Field(default_factory=_now)
    expires_at: dt.datetime
    # Empty until the ticket has been redeemed.
    token_hash: str = Field(default="", max_length=64)
    ticket_hash: str = Field(default="", max_length=64)
    ticket_expires_at: dt.datetime | None = None


class ServerSecret(SQLModel, table=True):
    """A secret generated on first start when none is configured (the session-signing key)."""

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)


class AuditEntry(SQLModel, table=True):
    """One change to the store: who, when, through what, which row, values before and after."""

    id: int | None = Field(default=None, primary_key=True)
    changed_at: dt.datetime = Field(default_factory=_now, index=True)
    actor: str = Field(max_length=80, index=True)
    # How the change came in: form, import or cli.
    via: str = Field(max_length=20)
    action: str = Field(max_length=20)
    table_name: str = Field(max_length=40, index=True)
    row_key: str = Field(max_length=120)
    # The activity the change belongs to (its activity_id), for an activity's history.
    activity_key: str | None = Field(default=None, max_length=60, index=True)
    # JSON objects of the changed row's values ("" when there is no before or after).
    before: str = ""
    after: str = ""


class StoreVersion(SQLModel, table=True):
    """One row: a number that every commit changing what the pages show advances, in the
    same transaction (store_version.py), so that every process can tell whether its cached
    figures are current with a single-row read."""

    id: int = Field(default=1, primary_key=True)
    version: int = 0
