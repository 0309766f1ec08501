"""Recording money a funder gave an activity: one entry per funder, activity, year and
currency; an entry with other values is replaced only when asked."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from dashboard import models as m
from dashboard.auth import Actor
from dashboard.editing.auditing import Outcome, insert_audited, replace_audited
from dashboard.editing.checks import check_funding
from dashboard.editing.drafts import NOT_PUBLISHED, FundingDraft
from dashboard.editing.permissions import require_may_edit
from dashboard.editing.problems import EditError, Problem, errors
from dashboard.editing.reference import Reference, load_reference
from dashboard.editing.stored import load_draft


def record_funding(
    *,
    session: Session,
    draft: FundingDraft,
    actor: Actor,
    replace: bool = False,
    reference: Reference | None = None,
) -> Outcome:
    """Add a funding entry, or change the one with the same funder, year and currency.

    Without `replace`, an existing entry with other values is refused rather than overwritten.
    """
    reference = reference or load_reference(session=session)
    draft = dataclasses.replace(draft, currency=(draft.currency or "").upper() or None)
    problems = errors(check_funding(draft, reference))
    if problems:
        raise EditError(problems)
    current = load_draft(session=session, activity_id=draft.activity_id)
    require_may_edit(actor, current)
    funder_id = reference.organisations[draft.funder]
    activity_pk = reference.activities[draft.activity_id]
    existing = session.exec(
        select(m.Funding).where(
            m.Funding.funder_id == funder_id,
            m.Funding.activity_id == activity_pk,
            # An unknown year or currency (amount not published) matches an unknown one.
            col(m.Funding.year).is_(None) if draft.year is None else m.Funding.year == draft.year,
            col(m.Funding.currency).is_(None)
            if draft.currency is None
            else m.Funding.currency == draft.currency,
        )
    ).first()
    values: dict[str, Any] = {
        "amount": draft.amount,
        "note": draft.note,
        "source": draft.source,
        "demo": draft.demo,
    }
    if existing is not None:
        before = _funding_draft(existing, draft.funder, draft.activity_id).record()
        after = draft.record()
        if before == after:
            return "unchanged"
        if not replace:
            raise EditError(
                [
                    Problem(
                        "amount",
                        f"{draft.funder} already has an entry for {draft.activity_id}, "
                        f"{'year not given' if draft.year is None else draft.year}, "
                        + (
                            f"{draft.currency} ({before['amount'] or NOT_PUBLISHED})"
                            if draft.currency
                            else NOT_PUBLISHED
                        )
                        + ": tick “replace” to change it",
                    )
                ]
            )
        return replace_audited(session, actor, existing, values, before, after, draft.activity_id)
    row = m.Funding(
        funder_id=funder_id,
        activity_id=activity_pk,
        currency=draft.currency,
        year=draft.year,
        **values,
    )
    insert_audited(session, actor, row, draft.record(), activity_key=draft.activity_id)
    return "added"


def _funding_draft(row: m.Funding, funder: str, activity_id: str) -> FundingDraft:
    return FundingDraft(
        funder=funder,
        activity_id=activity_id,
        amount=None if row.amount is None else Decimal(row.amount),
        currency=row.currency,
        year=row.year,
        note=row.note,
        source=row.source,
        demo=row.demo,
    )
