"""What stops a change: a problem per field, and the errors that carry them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field (or only worth a second look, if `warning`)."""

    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class EditError(ValueError):
    """A change that was not made, with every problem that stopped it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


class NotAllowedError(EditError):
    """The actor may not edit this activity."""


class EditConflictError(EditError):
    """The activity changed since the form was opened: `changes` says how."""

    def __init__(self, activity_id: str, changes: Mapping[str, tuple[Any, Any]]) -> None:
        self.activity_id = activity_id
        self.changes = dict(changes)
        described = "; ".join(
            f"{name}: {_shown(old)} → {_shown(new)}" for name, (old, new) in self.changes.items()
        )
        super().__init__(
            [
                Problem(
                    "version",
                    f"{activity_id} was changed by someone else since you opened it"
                    + (f" ({described})" if described else "")
                    + ". Nothing was saved: load the current version and make your change again.",
                )
            ]
        )


def _shown(value: Any) -> str:
    if value in (None, "", [], ()):
        return "—"
    if isinstance(value, list | tuple):
        return ";".join(map(str, value))
    return str(value)


def unknown(what: str, values: Iterable[str]) -> str:
    """“unknown organisation 'x'”, or “unknown organisations 'x', 'y'” for several."""
    values = list(values)
    plural = f"{what[:-1]}ies" if what.endswith("y") else f"{what}s"
    return f"unknown {plural if len(values) > 1 else what} " + ", ".join(map(repr, values))


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that stop a change (warnings aside)."""
    return [problem for problem in problems if not problem.warning]
