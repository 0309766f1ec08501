"""Who may change what: an activity by its lead and partners, a plan item's status by an
unrestricted actor (auth.Actor says why not)."""

from __future__ import annotations

from dashboard.auth import Actor
from dashboard.editing.drafts import ActivityDraft
from dashboard.editing.problems import NotAllowedError, Problem


def require_may_edit(actor: Actor, *drafts: ActivityDraft | None) -> None:
    for draft in drafts:
        if draft is not None and not actor.may_edit(draft.lead_organisation, draft.partners):
            raise NotAllowedError([Problem("lead_organisation", actor.refusal(draft.activity_id))])


def require_may_assess(actor: Actor) -> None:
    if not actor.may_assess:
        raise NotAllowedError([Problem("item", actor.assess_refusal())])
