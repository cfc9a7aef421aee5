"""Problems found in an import, each naming the record and the field, so an operator can fix the file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ImportProblem:
    record: str  # e.g. "sessionSeries[2] 'yoga-mornings' > sessions[4]"
    field: str  # e.g. "maximumAttendeeCapacity"
    message: str

    def __str__(self) -> str:
        where = f"{self.record}: {self.field}" if self.field else self.record
        return f"{where}: {self.message}"


class ImportRejected(Exception):
    """Nothing was imported; ``problems`` says why, all of them at once."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
