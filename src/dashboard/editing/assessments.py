"""Recording a partner's dated assessment of a plan item: history too, never overwritten."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from dashboard import models as m
from dashboard.auth import Actor
from dashboard.editing.auditing import Outcome, insert_audited
from dashboard.editing.checks import check_assessment
from dashboard.editing.drafts import AssessmentDraft
from dashboard.editing.permissions import require_may_assess
from dashboard.editing.problems import EditError, errors
from dashboard.editing.reference import Reference, load_reference


def record_assessment(
    *,
    session: Session,
    draft: AssessmentDraft,
    actor: Actor,
    reference: Reference | None = None,
    today: dt.date | None = None,
) -> Outcome:
    """Add a dated assessment of a plan item (history: never overwriting one), audited.

    An assessment identical to a stored one (same item, date, status, note, source and demo
    flag) is left alone.
    """
    reference = reference or load_reference(session=session)
    problems = errors(check_assessment(draft, reference, today=today))
    if problems:
        raise EditError(problems)
    require_may_assess(actor)
    item_id = reference.items[draft.item][0]
    existing = session.exec(
        select(m.ItemAssessment.id).where(
            m.ItemAssessment.item_id == item_id,
            m.ItemAssessment.date == draft.date,
            m.ItemAssessment.status == draft.status,
            m.ItemAssessment.note == draft.note,
            m.ItemAssessment.source == draft.source,
            m.ItemAssessment.demo == draft.demo,
        )
    ).first()
    if existing is not None:
        return "unchanged"
    row = m.ItemAssessment(
        item_id=item_id,
        date=draft.date,
        status=draft.status,
        note=draft.note,
        source=draft.source,
        demo=draft.demo,
        recorded_by=actor.name,
    )
    insert_audited(session, actor, row, draft.record())
    return "added"
