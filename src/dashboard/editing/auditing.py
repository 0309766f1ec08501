"""How changes appear in the audit trail: an activity's values as the trail and conflict
messages show them (derived from its declaration and the plans), and the writes that audit
themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from sqlmodel import Session

from dashboard import audit
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.editing.drafts import ActivityDraft, ItemLinks, percentage

# What a write did.
Outcome = Literal["added", "changed", "unchanged"]


def _weighted(pairs: ItemLinks) -> list[str]:
    return [code if weight == 1 else f"{code}:{weight:g}" for code, weight in pairs]


def _own_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def activity_record(draft: ActivityDraft, plans: Mapping[str, str]) -> dict[str, Any]:
    """The values as the audit trail and conflict messages show them (lists as codes), in an
    import file's order: each plan's items under its column name (`plans`: Framework code ->
    Framework.items_column)."""
    draft = draft.normalised()
    own = {use.name: use for use in m.activity_fields()}
    values = {name: _own_value(getattr(draft, name)) for name in own}
    values["progress_pct"] = percentage(draft.progress_pct)
    links: dict[str, Any] = {
        "lead_organisation": draft.lead_organisation,
        "partners": list(draft.partners),
        "funders": list(draft.funders),
        "countries": list(draft.countries),
        "ptcrs": list(draft.ptcrs),
        **{column: _weighted(draft.items.get(plan, ())) for plan, column in plans.items()},
        "sites": [site.text() for site in draft.sites],
    }
    return {
        **{name: values[name] for name, use in own.items() if use.in_file == "before links"},
        **links,
        **{name: values[name] for name, use in own.items() if use.in_file == "after links"},
    }


def differences(
    before: ActivityDraft, after: ActivityDraft, plans: Mapping[str, str]
) -> dict[str, tuple[Any, Any]]:
    """{field: (before, after)} for every field that differs (lists compared as sets)."""
    return audit.changed_values(activity_record(before, plans), activity_record(after, plans))


def insert_audited(
    session: Session,
    actor: Actor,
    row: Any,
    record: Mapping[str, Any],
    *,
    activity_key: str | None = None,
) -> None:
    """Add `row` and audit its insertion (`record`: its values as the audit shows them)."""
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="insert",
        table=row.__tablename__,
        row_key=str(row.id),
        activity_key=activity_key,
        after=record,
    )


def replace_audited(
    session: Session,
    actor: Actor,
    existing: m.Funding | m.Output,
    values: Mapping[str, Any],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    activity_key: str,
) -> Outcome:
    """Overwrite a funding entry or output the user chose to replace, auditing what changed."""
    existing.sqlmodel_update(dict(values))
    session.add(existing)
    session.flush()
    audit.record_update(
        session=session,
        actor=actor,
        table=existing.__tablename__,  # type: ignore[arg-type]
        row_key=str(existing.id),
        activity_key=activity_key,
        changes=audit.changed_values(before, after),
    )
    return "changed"
