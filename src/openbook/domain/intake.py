"""Intake forms: the extra questions an offer asks before booking, and the checks on the answers.

The spec's rules (#form-validation-and-auto-fill): a required field without an answer is
IncompleteIntakeFormError; an answer of the wrong shape is InvalidIntakeFormError, with the field as the
instance and a sentence the customer can act on. Boolean fields cannot be required (a checkbox left
unticked is an answer), unlike the reference implementation, which treats them as required.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from openbook.domain import errors
from openbook.domain.errors import ItemError


class FieldKind(StrEnum):
    SHORT_ANSWER = "ShortAnswerFormFieldSpecification"
    PARAGRAPH = "ParagraphFormFieldSpecification"
    DROPDOWN = "DropdownFormFieldSpecification"
    BOOLEAN = "BooleanFormFieldSpecification"
    FILE_UPLOAD = "FileUploadFormFieldSpecification"


SHORT_ANSWER_LIMIT = 500
PARAGRAPH_LIMIT = 5000


class IntakeFormDefinitionError(ValueError):
    """An intake field that could never be answered sensibly (caught at import)."""


@dataclass(frozen=True, slots=True)
class IntakeField:
    identifier: str  # unique within the offer; part of the field's @id
    kind: FieldKind
    name: str
    description: str | None = None
    required: bool = False
    options: tuple[str, ...] = ()  # dropdown choices, as shown to the customer

    def __post_init__(self) -> None:
        if self.kind is FieldKind.BOOLEAN and self.required:
            raise IntakeFormDefinitionError(f"{self.identifier}: a yes/no field cannot be required")
        if (self.kind is FieldKind.DROPDOWN) != bool(self.options):
            raise IntakeFormDefinitionError(f"{self.identifier}: options belong to dropdown fields, which need them")


def intake_errors(
    fields: Sequence[IntakeField], responses: Sequence[Mapping[str, Any]], field_id: Callable[[str], str]
) -> list[ItemError]:
    """Every problem with the answers to one item's form; ``field_id`` gives a field's public @id."""
    by_id = {field_id(field.identifier): field for field in fields}
    answers: dict[str, list[Any]] = {}
    found: list[ItemError] = []
    for response in responses:
        property_id = response.get("propertyID")
        if not isinstance(property_id, str) or property_id not in by_id:
            found.append(
                ItemError(
                    errors.INVALID_INTAKE_FORM,
                    "this answer is for a question the form does not ask",
                    instance=str(property_id) if property_id is not None else None,
                )
            )
            continue
        answers.setdefault(property_id, []).append(response.get("value"))
    for property_id, field in by_id.items():
        given = answers.get(property_id, [])
        if len(given) > 1:
            found.append(
                ItemError(errors.INVALID_INTAKE_FORM, f"'{field.name}' was answered more than once", property_id)
            )
        elif not given or _blank(given[0]):
            if field.required:
                found.append(ItemError(errors.INCOMPLETE_INTAKE_FORM, f"'{field.name}' must be answered", property_id))
        else:
            problem = _answer_problem(field, given[0])
            if problem is not None:
                found.append(ItemError(errors.INVALID_INTAKE_FORM, f"'{field.name}': {problem}", property_id))
    return found


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _answer_problem(field: IntakeField, value: Any) -> str | None:
    if field.kind is FieldKind.BOOLEAN:
        return None if isinstance(value, bool) else "answer true or false"
    if not isinstance(value, str):
        return "the answer must be text"
    if field.kind is FieldKind.DROPDOWN and value not in field.options:
        return f"choose one of: {', '.join(field.options)}"
    if field.kind is FieldKind.FILE_UPLOAD:
        parts = urlsplit(value)
        return None if parts.scheme in ("http", "https") and parts.netloc else "the answer must be the URL of the file"
    limit = PARAGRAPH_LIMIT if field.kind is FieldKind.PARAGRAPH else SHORT_ANSWER_LIMIT
    return None if len(value) <= limit else f"the answer must be at most {limit} characters"
