"""Changing the store: the write functions behind the edit forms, the import and the CLI, one
concept per module.

- `problems`: what stops a change (Problem, EditError and its kinds);
- `drafts`: changes as a form or file gives them (an activity's derived from
  models.ActivityFields, its plan links kept per plan);
- `reference`: the codes a change may name, and the range's bounding box;
- `checks`: every problem with a draft, named by field;
- `stored`: an activity read back as a draft, with its version;
- `permissions`: who may change what;
- `auditing`: the audit record of an activity, and writes that audit themselves;
- `activities`: creating and changing activities with their links;
- `progress`, `funding`, `outputs`, `assessments`: recording each kind of entry.

What the edit forms read (choices, editable activities, assessment history) is in
`dashboard.queries.edit_choices`.
"""

from dashboard.editing.activities import (
    LINK_TABLES,
    ROW_FIELDS,
    SaveResult,
    activity_row_values,
    create_activities,
    first_state_date,
    link_rows,
    save_activity,
)
from dashboard.editing.assessments import record_assessment
from dashboard.editing.auditing import Outcome, activity_record, differences
from dashboard.editing.checks import (
    ACTIVITY_ID_PATTERN,
    EVIDENCED_STATUSES,
    check_activity,
    check_assessment,
    check_funding,
    check_output,
    check_percentage,
    check_progress,
    check_progress_demo,
    check_text,
)
from dashboard.editing.drafts import (
    NOT_PUBLISHED,
    ActivityDraft,
    AssessmentDraft,
    FundingDraft,
    ItemLinks,
    OutputDraft,
    ProgressDraft,
    SiteDraft,
    percentage,
)
from dashboard.editing.funding import record_funding
from dashboard.editing.outputs import record_output
from dashboard.editing.problems import EditConflictError, EditError, NotAllowedError, Problem
from dashboard.editing.progress import (
    counted_value,
    record_progress,
    refresh_state,
    sync_progress_changes,
    sync_reported_dates,
    work_started,
)
from dashboard.editing.reference import Box, Reference, load_reference, plan_columns, range_bbox
from dashboard.editing.stored import load_draft

__all__ = [
    "ACTIVITY_ID_PATTERN",
    "EVIDENCED_STATUSES",
    "LINK_TABLES",
    "NOT_PUBLISHED",
    "ROW_FIELDS",
    "ActivityDraft",
    "AssessmentDraft",
    "Box",
    "EditConflictError",
    "EditError",
    "FundingDraft",
    "ItemLinks",
    "NotAllowedError",
    "Outcome",
    "OutputDraft",
    "Problem",
    "ProgressDraft",
    "Reference",
    "SaveResult",
    "SiteDraft",
    "activity_record",
    "activity_row_values",
    "check_activity",
    "check_assessment",
    "check_funding",
    "check_output",
    "check_percentage",
    "check_progress",
    "check_progress_demo",
    "check_text",
    "counted_value",
    "create_activities",
    "differences",
    "first_state_date",
    "link_rows",
    "load_draft",
    "load_reference",
    "percentage",
    "plan_columns",
    "range_bbox",
    "record_assessment",
    "record_funding",
    "record_output",
    "record_progress",
    "refresh_state",
    "save_activity",
    "sync_progress_changes",
    "sync_reported_dates",
    "work_started",
]
