"""The audit trail: every change (form, import, command line) with who, when, what, before, after.

Rows are written by the same functions that make the change, in the same transaction, so a
change without its audit row (or the reverse) cannot be committed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlmodel import Session, select

from dashboard import models as m

if TYPE_CHECKING:
    from dashboard.auth import Actor

HISTORY_COLUMNS = ("changed_at", "actor", "via", "action", "table", "row", "changes")


def _plain(value: Any) -> Any:
    """A JSON-ready value: dates as ISO text, decimals as text, tuples as lists."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(part) for part in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(part) for key, part in value.items()}
    return value


def _dump(values: Mapping[str, Any] | None) -> str:
    return json.dumps(_plain(values), ensure_ascii=False, sort_keys=True) if values else ""


def _load(text: str) -> dict[str, Any]:
    return dict(json.loads(text)) if text else {}


def entry(
    *,
    actor: Actor,
    action: str,
    table: str,
    row_key: str,
    activity_key: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The values of one audit row, for writing many at once."""
    return {
        "changed_at": dt.datetime.now(dt.UTC),
        "actor": actor.name,
        "via": actor.via,
        "action": action,
        "table_name": table,
        "row_key": row_key,
        "activity_key": activity_key,
        "before": _dump(before),
        "after": _dump(after),
    }


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    table: str,
    row_key: str,
    activity_key: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> m.AuditEntry:
    """Add one audit row (the caller commits it together with the change)."""
    row = m.AuditEntry.model_validate(
        entry(
            actor=actor,
            action=action,
            table=table,
            row_key=row_key,
            activity_key=activity_key,
            before=before,
            after=after,
        )
    )
    session.add(row)
    return row


def record_update(
    *,
    session: Session,
    actor: Actor,
    table: str,
    row_key: str,
    activity_key: str | None,
    changes: Mapping[str, tuple[Any, Any]],
) -> m.AuditEntry:
    """Audit an update from its {field: (before, after)} changes (only the fields changed)."""
    return record(
        session=session,
        actor=actor,
        action="update",
        table=table,
        row_key=row_key,
        activity_key=activity_key,
        before={name: old for name, (old, _) in changes.items()},
        after={name: new for name, (_, new) in changes.items()},
    )


def changed_values(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """{field: (before, after)} for the fields whose JSON-ready values differ."""
    keys = list(dict.fromkeys([*before, *after]))
    return {
        key: (_plain(before.get(key)), _plain(after.get(key)))
        for key in keys
        if _plain(before.get(key)) != _plain(after.get(key))
    }


def describe(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """A one-line account of a change: `field: old → new; ...` (all values for a new row)."""
    if not before:
        return "; ".join(f"{key}: {_text(value)}" for key, value in after.items())
    if not after:
        return "; ".join(f"{key} was {_text(value)}" for key, value in before.items())
    return "; ".join(
        f"{key}: {_text(old)} → {_text(new)}"
        for key, (old, new) in changed_values(before, after).items()
    )


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ";".join(_text(part) for part in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def entries(*, session: Session, activity_key: str) -> list[m.AuditEntry]:
    """The audit rows of one activity (its own row, its links, updates, funding, outputs)."""
    return list(
        session.exec(
            select(m.AuditEntry)
            .where(m.AuditEntry.activity_key == activity_key)
            .order_by(m.AuditEntry.changed_at, m.AuditEntry.id)  # type: ignore[arg-type]
        ).all()
    )


def activity_history(*, session: Session, activity_key: str) -> pd.DataFrame:
    """An activity's changes, oldest first: when, who, how, what, and what changed."""
    rows = [
        (
            entry.changed_at,
            entry.actor,
            entry.via,
            entry.action,
            entry.table_name,
            entry.row_key,
            describe(_load(entry.before), _load(entry.after)),
        )
        for entry in entries(session=session, activity_key=activity_key)
    ]
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))


def before_after(entry: m.AuditEntry) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values an audit row holds, as dictionaries."""
    return _load(entry.before), _load(entry.after)
