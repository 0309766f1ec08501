"""Recording an activity's measured results: one per activity, indicator and date; an output
with other values is replaced only when asked."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from dashboard import models as m
from dashboard.auth import Actor
from dashboard.editing.auditing import Outcome, insert_audited, replace_audited
from dashboard.editing.checks import check_output
from dashboard.editing.drafts import OutputDraft
from dashboard.editing.permissions import require_may_edit
from dashboard.editing.problems import EditError, Problem, errors
from dashboard.editing.reference import Reference, load_reference
from dashboard.editing.stored import load_draft


def record_output(
    *,
    session: Session,
    draft: OutputDraft,
    actor: Actor,
    replace: bool = False,
    reference: Reference | None = None,
) -> Outcome:
    """Add an output, or change the one with the same indicator and date (with `replace`)."""
    reference = reference or load_reference(session=session)
    problems = errors(check_output(draft, reference))
    if problems:
        raise EditError(problems)
    current = load_draft(session=session, activity_id=draft.activity_id)
    require_may_edit(actor, current)
    activity_pk = reference.activities[draft.activity_id]
    existing = session.exec(
        select(m.Output).where(
            m.Output.activity_id == activity_pk,
            m.Output.indicator == draft.indicator,
            m.Output.date == draft.date if draft.date else col(m.Output.date).is_(None),
        )
    ).first()
    values: dict[str, Any] = {
        "value": float(draft.value),
        "unit": draft.unit,
        "target": draft.target,
        "note": draft.note,
        "source": draft.source,
        "demo": draft.demo,
    }
    if existing is not None:
        before = _output_draft(existing, draft.activity_id).record()
        after = draft.record()
        if before == after:
            return "unchanged"
        if not replace:
            raise EditError(
                [
                    Problem(
                        "value",
                        f"{draft.activity_id} already reports “{draft.indicator}” for "
                        f"{draft.date.isoformat() if draft.date else 'no date'} "
                        f"({before['value']:g}): tick “replace” to change it",
                    )
                ]
            )
        return replace_audited(session, actor, existing, values, before, after, draft.activity_id)
    row = m.Output(activity_id=activity_pk, indicator=draft.indicator, date=draft.date, **values)
    insert_audited(session, actor, row, draft.record(), activity_key=draft.activity_id)
    return "added"


def _output_draft(row: m.Output, activity_id: str) -> OutputDraft:
    return OutputDraft(
        activity_id=activity_id,
        indicator=row.indicator,
        value=float(row.value),
        unit=row.unit,
        target=row.target,
        date=row.date,
        note=row.note,
        source=row.source,
        demo=row.demo,
    )
