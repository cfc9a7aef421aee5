"""Intake forms: definitions, the import format, and every rule on the answers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openbook.domain import errors
from openbook.domain.intake import FieldKind, IntakeField, IntakeFormDefinitionError, intake_errors
from openbook.importing.json_format import parse_inventory_document
from tests.unit.test_import_formats import OFFER, mutate, problems_of

FORM = (
    IntakeField("experience", FieldKind.SHORT_ANSWER, "Experience", required=True),
    IntakeField("injuries", FieldKind.PARAGRAPH, "Injuries"),
    IntakeField("level", FieldKind.DROPDOWN, "Level", required=True, options=("Beginner", "Advanced")),
    IntakeField("photos", FieldKind.BOOLEAN, "Photo consent"),
    IntakeField("certificate", FieldKind.FILE_UPLOAD, "Certificate"),
)


def field_id(identifier: str) -> str:
    return f"https://book.example/intake/{identifier}"


def answer(identifier: str, value: Any) -> dict[str, Any]:
    return {"@type": "PropertyValue", "propertyID": field_id(identifier), "value": value}


GOOD = [answer("experience", "Two years"), answer("level", "Beginner"), answer("photos", False)]


def kinds(found: list[errors.ItemError]) -> list[tuple[str, str | None]]:
    return [(e.kind.type, (e.instance or "").rsplit("/", 1)[-1]) for e in found]


def test_complete_answers_pass() -> None:
    assert intake_errors(FORM, GOOD, field_id) == []
    full = [*GOOD, answer("injuries", "None"), answer("certificate", "https://files.example/c.pdf")]
    assert intake_errors(FORM, full, field_id) == []


def test_missing_required_answers_are_incomplete_and_name_the_field() -> None:
    assert kinds(intake_errors(FORM, [], field_id)) == [
        ("IncompleteIntakeFormError", "experience"),
        ("IncompleteIntakeFormError", "level"),
    ]
    blank = [answer("experience", "   "), answer("level", "Beginner")]
    assert kinds(intake_errors(FORM, blank, field_id)) == [("IncompleteIntakeFormError", "experience")]


@pytest.mark.parametrize(
    ("identifier", "value", "message"),
    [
        ("photos", "This is not a boolean!", "true or false"),
        ("level", "This is not one of the ValueOptions!", "Beginner, Advanced"),
        ("experience", True, "text"),
        ("injuries", 12, "text"),
        ("certificate", True, "text"),
        ("certificate", "my-file.pdf", "URL"),
        ("experience", "x" * 501, "at most 500"),
    ],
)
def test_wrong_answers_are_invalid_with_a_reason(identifier: str, value: Any, message: str) -> None:
    responses = [r for r in GOOD if r["propertyID"] != field_id(identifier)] + [answer(identifier, value)]
    found = intake_errors(FORM, responses, field_id)
    assert kinds(found) == [("InvalidIntakeFormError", identifier)]
    assert message in found[0].description


def test_unknown_and_repeated_answers_are_invalid() -> None:
    found = intake_errors(FORM, [*GOOD, answer("shoe-size", "9"), answer("level", "Advanced")], field_id)
    assert kinds(found) == [("InvalidIntakeFormError", "shoe-size"), ("InvalidIntakeFormError", "level")]
    assert kinds(intake_errors(FORM, [*GOOD, {"value": "x"}], field_id)) == [("InvalidIntakeFormError", "")]


@given(st.lists(st.dictionaries(st.sampled_from(["propertyID", "value", "@type"]), st.from_type(object) | st.text())))
def test_any_answers_give_errors_never_exceptions(responses: list[dict[str, Any]]) -> None:
    for error in intake_errors(FORM, responses, field_id):
        assert error.kind in (errors.INVALID_INTAKE_FORM, errors.INCOMPLETE_INTAKE_FORM)


def test_definitions_that_cannot_be_answered_are_refused() -> None:
    with pytest.raises(IntakeFormDefinitionError, match="cannot be required"):
        IntakeField("ok", FieldKind.BOOLEAN, "OK?", required=True)
    with pytest.raises(IntakeFormDefinitionError, match="need them"):
        IntakeField("pick", FieldKind.DROPDOWN, "Pick")
    with pytest.raises(IntakeFormDefinitionError, match="belong to dropdown"):
        IntakeField("text", FieldKind.SHORT_ANSWER, "Text", options=("a",))


FORM_JSON = [
    {
        "identifier": "experience",
        "@type": "ShortAnswerFormFieldSpecification",
        "name": "Experience",
        "valueRequired": True,
    },
    {"identifier": "level", "@type": "Dropdown", "name": "Level", "valueOption": ["Beginner", "Advanced"]},
]


def test_import_reads_the_form_and_announces_it_in_the_offer() -> None:
    bundle = parse_inventory_document(mutate([*OFFER, "intakeForm"], FORM_JSON))
    offer = bundle.parents[0].offers[0]
    assert [(f.identifier, f.kind, f.required) for f in offer.intake_form] == [
        ("experience", FieldKind.SHORT_ANSWER, True),
        ("level", FieldKind.DROPDOWN, False),
    ]
    assert "https://openactive.io/OpenBookingIntakeForm" in [r.value for r in offer.requirements]


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ([{**FORM_JSON[0], "identifier": "has space"}], "identifier", "letters, digits"),
        ([FORM_JSON[0], FORM_JSON[0]], "intakeForm", "unique"),
        ([{**FORM_JSON[0], "@type": "Essay"}], "@type", "must be one of"),
        ([{"identifier": "ok", "@type": "Boolean", "name": "OK?", "valueRequired": True}], "valueRequired", "cannot"),
        ([{"identifier": "pick", "@type": "Dropdown", "name": "Pick"}], "valueOption", "need them"),
        ([{"identifier": "nameless"}], "name", "required"),
    ],
)
def test_bad_forms_are_refused_at_import(form: list[dict[str, Any]], field: str, message: str) -> None:
    found = problems_of(mutate([*OFFER, "intakeForm"], form))
    assert any(f == field and message in m for _, f, m in found), found


def test_a_declared_form_needs_its_questions() -> None:
    found = problems_of(mutate([*OFFER, "openBookingFlowRequirement"], ["OpenBookingIntakeForm"]))
    assert any(f == "openBookingFlowRequirement" and "needs an intakeForm" in m for _, f, m in found), found
