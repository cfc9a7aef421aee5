"""The JSON import format's `events` section: standalone Events (docs/import-format.md)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from openbook.domain.inventory import SCHEMA, AttendanceMode, OpportunityKind, ParentKind
from openbook.importing.json_format import parse_inventory_document
from openbook.importing.problems import ImportRejected
from tests.unit.test_import_formats import VALID, YOGA

EVENT: dict[str, Any] = {
    "identifier": "open-day",
    "seller": "acme",
    "name": "Open Day",
    "activity": [YOGA],
    "place": "hall",
    "description": "Try everything for free.",
    "offers": [{"identifier": "free", "price": 0, "priceCurrency": "GBP"}],
    "startDate": "2030-02-01T10:00:00Z",
    "endDate": "2030-02-01T16:00:00Z",
    "maximumAttendeeCapacity": 200,
    "eventAttendanceMode": "MixedEventAttendanceMode",
}


def with_event(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(VALID)
    event = copy.deepcopy(EVENT)
    for key, value in changes.items():
        if value is KeyError:
            del event[key]
        else:
            event[key] = value
    document["events"] = [event]
    return document


def test_an_event_is_a_description_with_one_occurrence() -> None:
    bundle = parse_inventory_document(with_event())
    (event,) = [p for p in bundle.parents if p.kind is ParentKind.EVENT]
    assert (event.identifier, event.seller, event.place, event.concepts) == ("open-day", "acme", "hall", (YOGA,))
    assert [o.identifier for o in event.offers] == ["free"]
    (occurrence,) = event.opportunities
    assert occurrence.kind is OpportunityKind.EVENT and occurrence.identifier == "open-day"
    assert occurrence.start == datetime(2030, 2, 1, 10, tzinfo=UTC)
    assert occurrence.maximum_capacity == 200
    assert occurrence.attendance_mode is AttendanceMode.MIXED
    assert bundle.opportunity_count == 4


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"place": KeyError}, "place", "published with its location"),
        ({"startDate": KeyError}, "startDate", "required"),
        ({"endDate": "2030-02-01T09:00:00Z"}, "endDate", "after startDate"),
        ({"maximumAttendeeCapacity": -1}, "maximumAttendeeCapacity", "at least 0"),
        ({"offers": []}, "offers", "at least one offer"),
        ({"activity": []}, "activity", "required"),
        ({"eventStatus": "EventMaybe"}, "eventStatus", "must be one of"),
    ],
)
def test_each_bad_event_field_is_named(changes: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ImportRejected) as rejected:
        parse_inventory_document(with_event(**changes))
    found = [(p.record, p.field, p.message) for p in rejected.value.problems]
    assert any(r == "file > events[0] 'open-day'" and f == field and message in m for r, f, m in found), found


def test_the_documented_example_has_an_event() -> None:
    from pathlib import Path

    from openbook.importing.json_format import parse_inventory_json

    example = Path(__file__).parents[2] / "examples" / "inventory.json"
    bundle = parse_inventory_json(example.read_bytes())
    assert [p.identifier for p in bundle.parents if p.kind is ParentKind.EVENT] == ["open-day"]
    assert [p.identifier for p in bundle.parents if p.kind is ParentKind.ON_DEMAND_EVENT] == ["yoga-at-home"]
    (course,) = [p for p in bundle.parents if p.kind is ParentKind.COURSE_INSTANCE]
    assert len(course.opportunities) == 5


ON_DEMAND: dict[str, Any] = {
    "identifier": "home-yoga",
    "seller": "acme",
    "name": "Yoga at home",
    "activity": [YOGA],
    "offers": [{"identifier": "stream", "price": "3.00", "priceCurrency": "GBP"}],
}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"place": "hall"}, "place", "no location"),
        (
            {"availableFrom": "2030-02-01T00:00:00Z", "availableUntil": "2030-01-01T00:00:00Z"},
            "availableUntil",
            "after",
        ),
        ({"maximumAttendeeCapacity": -1}, "maximumAttendeeCapacity", "at least 0"),
        ({"offers": []}, "offers", "at least one offer"),
    ],
)
def test_each_bad_on_demand_field_is_named(changes: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ImportRejected) as rejected:
        parse_inventory_document({**VALID, "onDemandEvents": [{**ON_DEMAND, **changes}]})
    found = [(p.record, p.field, p.message) for p in rejected.value.problems]
    record = "file > onDemandEvents[0] 'home-yoga'"
    assert any(r == record and f == field and message in m for r, f, m in found), found


def test_an_on_demand_event_is_bookable_always_unless_given_a_window() -> None:
    bundle = parse_inventory_document({**VALID, "onDemandEvents": [ON_DEMAND]})
    (event,) = [p for p in bundle.parents if p.kind is ParentKind.ON_DEMAND_EVENT]
    (occurrence,) = event.opportunities
    assert occurrence.kind is OpportunityKind.ON_DEMAND_EVENT and occurrence.start.year == 2000
    assert occurrence.attendance_mode is AttendanceMode.ONLINE and occurrence.maximum_capacity >= 10**9
    windowed = {**ON_DEMAND, "availableFrom": "2030-01-01T00:00:00Z", "maximumAttendeeCapacity": 50}
    (event,) = [
        p
        for p in parse_inventory_document({**VALID, "onDemandEvents": [windowed]}).parents
        if p.kind is ParentKind.ON_DEMAND_EVENT
    ]
    assert event.opportunities[0].start == datetime(2030, 1, 1, tzinfo=UTC)
    assert event.opportunities[0].maximum_capacity == 50


def test_a_headline_event_is_imported_like_an_event() -> None:
    document = with_event()
    document["headlineEvents"] = document.pop("events")
    (festival,) = [p for p in parse_inventory_document(document).parents if p.kind is ParentKind.HEADLINE_EVENT]
    assert festival.opportunities[0].kind is OpportunityKind.HEADLINE_EVENT
    del document["headlineEvents"][0]["place"]
    with pytest.raises(ImportRejected) as rejected:
        parse_inventory_document(document)
    [(record, field, message)] = [(p.record, p.field, p.message) for p in rejected.value.problems]
    assert (record, field) == ("file > headlineEvents[0] 'open-day'", "place")
    assert message == "is required: HeadlineEvent is published with its location"


COURSE: dict[str, Any] = {
    "identifier": "pottery-course",
    "seller": "acme",
    "name": "Yoga course",
    "activity": [YOGA],
    "place": "hall",
    "offers": [{"identifier": "course", "price": "40.00", "priceCurrency": "GBP"}],
    "maximumAttendeeCapacity": 8,
    "subEvents": [
        {"identifier": "pottery-2", "startDate": "2030-03-08T18:00:00Z", "endDate": "2030-03-08T20:00:00Z"},
        {
            "identifier": "pottery-1",
            "startDate": "2030-03-01T18:00:00Z",
            "endDate": "2030-03-01T20:00:00Z",
            "maximumAttendeeCapacity": 4,
        },
    ],
}


def test_a_course_is_booked_whole_and_its_sessions_give_its_dates() -> None:
    bundle = parse_inventory_document({**VALID, "courseInstances": [COURSE]})
    (course,) = [p for p in bundle.parents if p.kind is ParentKind.COURSE_INSTANCE]
    whole, *sessions = course.opportunities
    assert whole.kind is OpportunityKind.COURSE_INSTANCE and whole.identifier == "pottery-course"
    assert (whole.start, whole.end) == (sessions[0].start, sessions[-1].end)
    assert whole.maximum_capacity == 8
    assert [(s.identifier, s.maximum_capacity) for s in sessions] == [("pottery-1", 4), ("pottery-2", 0)]
    assert {s.kind for s in sessions} == {OpportunityKind.COURSE_INSTANCE_SUB_EVENT}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"subEvents": []}, "subEvents", "at least one session"),
        ({"place": None}, "place", "published with its location"),
        ({"maximumAttendeeCapacity": None}, "maximumAttendeeCapacity", "required"),
    ],
)
def test_each_bad_course_field_is_named(changes: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ImportRejected) as rejected:
        parse_inventory_document({**VALID, "courseInstances": [{**COURSE, **changes}]})
    found = [(p.record, p.field, p.message) for p in rejected.value.problems]
    record = "file > courseInstances[0] 'pottery-course'"
    assert any(r == record and f == field and message in m for r, f, m in found), found


def test_a_course_session_ending_before_it_starts_is_named() -> None:
    course = copy.deepcopy(COURSE)
    course["subEvents"][0]["endDate"] = "2030-03-08T17:00:00Z"
    with pytest.raises(ImportRejected) as rejected:
        parse_inventory_document({**VALID, "courseInstances": [course]})
    [(record, field)] = [(p.record, p.field) for p in rejected.value.problems]
    assert record == "file > courseInstances[0] 'pottery-course' > subEvents[0] 'pottery-2'" and field == "endDate"


def test_only_headline_events_list_events_of_their_own() -> None:
    document = with_event(subEvents=[])
    with pytest.raises(ImportRejected) as rejected:
        parse_inventory_document(document)
    [(field, message)] = [(p.field, p.message) for p in rejected.value.problems]
    assert field == "subEvents" and "only a HeadlineEvent" in message
    document["headlineEvents"] = document.pop("events")
    document["headlineEvents"][0]["subEvents"] = [
        {"identifier": "race", "startDate": "2030-02-01T11:00:00Z", "endDate": "2030-02-01T12:00:00Z"}
    ]
    with pytest.raises(ImportRejected) as rejected:
        parse_inventory_document(document)
    [(record, field)] = [(p.record, p.field) for p in rejected.value.problems]
    assert record == "file > headlineEvents[0] 'open-day' > subEvents[0] 'race'" and field == "maximumAttendeeCapacity"
    document["headlineEvents"][0]["subEvents"][0]["maximumAttendeeCapacity"] = 30
    (festival,) = parse_inventory_document(document).parents[-1:]
    assert [o.kind for o in festival.opportunities] == [
        OpportunityKind.HEADLINE_EVENT,
        OpportunityKind.HEADLINE_EVENT_SUB_EVENT,
    ]


@pytest.mark.parametrize(
    ("whole", "part", "accepted"),
    [
        ("OnlineEventAttendanceMode", "OnlineEventAttendanceMode", True),
        ("MixedEventAttendanceMode", "OfflineEventAttendanceMode", True),
        ("OfflineEventAttendanceMode", "MixedEventAttendanceMode", True),
        ("OfflineEventAttendanceMode", "OnlineEventAttendanceMode", False),
        ("MixedEventAttendanceMode", "OnlineEventAttendanceMode", False),
        ("OnlineEventAttendanceMode", "OfflineEventAttendanceMode", False),
    ],
)
def test_an_event_is_online_only_exactly_when_its_headline_event_is(whole: str, part: str, accepted: bool) -> None:
    document = with_event(eventAttendanceMode=whole)
    document["headlineEvents"] = document.pop("events")
    document["headlineEvents"][0]["subEvents"] = [
        {
            "identifier": "race",
            "startDate": "2030-02-01T11:00:00Z",
            "endDate": "2030-02-01T12:00:00Z",
            "maximumAttendeeCapacity": 30,
            "eventAttendanceMode": part,
        }
    ]
    if accepted:
        (festival,) = parse_inventory_document(document).parents[-1:]
        assert festival.opportunities[1].attendance_mode is AttendanceMode(SCHEMA + part)
        return
    with pytest.raises(ImportRejected) as rejected:
        parse_inventory_document(document)
    [(record, field, message)] = [(p.record, p.field, p.message) for p in rejected.value.problems]
    assert record == "file > headlineEvents[0] 'open-day' > subEvents[0] 'race'" and field == "eventAttendanceMode"
    assert "exactly when its HeadlineEvent is" in message
