"""The import formats: what they accept, and a precise problem (record and field) for what they refuse."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from openbook.domain.inventory import Availability, OpportunityKind, ParentKind
from openbook.importing.csv_format import parse_timetable_csv
from openbook.importing.json_format import parse_inventory_document, parse_inventory_json
from openbook.importing.problems import ImportRejected
from openbook.services.vocabulary import shipped_vocabulary

YOGA = "https://openactive.io/activity-list#bf1a5e00-cdcf-465d-8c5a-6f57040b7f7e"
SQUASH = "https://openactive.io/facility-types#a1f82b7a-1258-4d9a-8dc5-bfc2ae961651"

VALID: dict[str, Any] = {
    "sellers": [
        {
            "identifier": "acme",
            "type": "Organization",
            "name": "Acme Leisure",
            "legalName": "Acme Leisure Ltd",
            "taxMode": "TaxGross",
            "address": {
                "streetAddress": "1 High Street",
                "addressLocality": "Kingston",
                "addressRegion": "Surrey",
                "postalCode": "KT1 1AA",
                "addressCountry": "GB",
            },
            "termsOfService": [{"name": "Terms", "url": "https://acme.example.com/terms"}],
        }
    ],
    "places": [{"identifier": "hall", "name": "Main Hall", "geo": {"latitude": 51.5, "longitude": -0.1}}],
    "sessionSeries": [
        {
            "identifier": "yoga",
            "seller": "acme",
            "name": "Yoga",
            "activity": [YOGA],
            "place": "hall",
            "offers": [{"identifier": "adult", "price": 5, "priceCurrency": "GBP", "validFromBeforeStartDate": "P6D"}],
            "sessions": [
                {
                    "identifier": "yoga-1",
                    "startDate": "2030-01-01T09:00:00Z",
                    "endDate": "2030-01-01T10:00:00Z",
                    "maximumAttendeeCapacity": 10,
                }
            ],
        }
    ],
    "facilityUses": [
        {
            "identifier": "courts",
            "seller": "acme",
            "name": "Courts",
            "facilityType": [SQUASH],
            "place": "hall",
            "offers": [{"identifier": "hire", "price": "12.00", "priceCurrency": "GBP"}],
            "slots": [
                {
                    "identifier": "courts-1",
                    "startDate": "2030-01-01T09:00:00+01:00",
                    "endDate": "2030-01-01T10:00:00+01:00",
                    "maximumUses": 4,
                }
            ],
            "individualFacilityUses": [
                {
                    "identifier": "court-1",
                    "name": "Court 1",
                    "slots": [
                        {
                            "identifier": "court-1-1",
                            "startDate": "2030-01-01T09:00:00Z",
                            "endDate": "2030-01-01T10:00:00Z",
                        }
                    ],
                }
            ],
        }
    ],
}


def problems_of(document: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(ImportRejected) as rejected:
        parse_inventory_document(document)
    return [(p.record, p.field, p.message) for p in rejected.value.problems]


def test_valid_document_parses_into_a_bundle() -> None:
    bundle = parse_inventory_document(VALID)
    assert [s.identifier for s in bundle.sellers] == ["acme"]
    kinds = [(p.identifier, p.kind) for p in bundle.parents]
    assert kinds == [
        ("yoga", ParentKind.SESSION_SERIES),
        ("courts", ParentKind.FACILITY_USE),
        ("court-1", ParentKind.INDIVIDUAL_FACILITY_USE),
    ]
    individual = bundle.parents[2]
    assert individual.aggregate == "courts" and individual.seller == "acme" and individual.offers
    assert individual.opportunities[0].kind is OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT
    assert individual.opportunities[0].maximum_capacity == 1
    offer = bundle.parents[0].offers[0]
    assert offer.price.amount == Decimal("5.00") and offer.prepayment is Availability.REQUIRED
    assert bundle.opportunity_count == 3


def mutate(path: list[Any], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(VALID)
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


SESSION = ["sessionSeries", 0, "sessions", 0]
OFFER = ["sessionSeries", 0, "offers", 0]


@pytest.mark.parametrize(
    ("path", "value", "record", "field", "message"),
    [
        ([*SESSION, "maximumAttendeeCapacity"], -1, "sessions[0] 'yoga-1'", "maximumAttendeeCapacity", "at least 0"),
        ([*SESSION, "maximumAttendeeCapacity"], "ten", "sessions[0]", "maximumAttendeeCapacity", "whole number"),
        ([*SESSION, "maximumAttendeeCapacity"], KeyError, "sessions[0]", "maximumAttendeeCapacity", "required"),
        ([*SESSION, "endDate"], "2030-01-01T08:00:00Z", "sessions[0]", "endDate", "after startDate"),
        ([*SESSION, "startDate"], "2030-01-01T09:00:00", "sessions[0]", "startDate", "UTC offset"),
        ([*SESSION, "startDate"], "tomorrow", "sessions[0]", "startDate", "ISO 8601"),
        ([*OFFER, "priceCurrency"], KeyError, "offers[0] 'adult'", "priceCurrency", "required"),
        ([*OFFER, "priceCurrency"], "pounds", "offers[0]", "priceCurrency", "ISO 4217"),
        ([*OFFER, "price"], -5, "offers[0]", "price", "negative"),
        ([*OFFER, "price"], "5.555", "offers[0]", "price", "decimal places"),
        ([*OFFER, "validFromBeforeStartDate"], "P1M", "offers[0]", "validFromBeforeStartDate", "months"),
        ([*OFFER, "openBookingPrepayment"], "Sometimes", "offers[0]", "openBookingPrepayment", "must be one of"),
        (["sessionSeries", 0, "offers"], [], "sessionSeries[0] 'yoga'", "offers", "at least one offer"),
        (["sessionSeries", 0, "activity"], [], "sessionSeries[0]", "activity", "required"),
        (["sellers", 0, "taxMode"], "TaxFree", "sellers[0] 'acme'", "taxMode", "TaxGross"),
        (["sellers", 0, "type"], KeyError, "sellers[0]", "type", "required"),
        (["places", 0, "geo", "latitude"], 123, "places[0] 'hall' > geo", "latitude", "between -90 and 90"),
        (
            ["sellers", 0, "address", "addressRegion"],
            KeyError,
            "sellers[0] 'acme' > address",
            "addressRegion",
            "required",
        ),
        (["sellers", 0, "address", "addressCountry"], "UK1", "> address", "addressCountry", "ISO 3166-1"),
        (["sellers", 0, "address"], KeyError, "sellers[0] 'acme'", "address", "required"),
        (["sellers", 0, "legalName"], KeyError, "sellers[0] 'acme'", "legalName", "Organization"),
        (
            ["facilityUses", 0, "individualFacilityUses", 0, "slots", 0, "maximumUses"],
            2,
            "slots[0]",
            "maximumUses",
            "at most 1",
        ),
    ],
)
def test_each_bad_field_is_named(path: list[Any], value: Any, record: str, field: str, message: str) -> None:
    found = problems_of(mutate(path, value))
    assert any(record in r and f == field and message in m for r, f, m in found), found


def test_all_problems_are_reported_at_once() -> None:
    document = mutate([*SESSION, "maximumAttendeeCapacity"], -1)
    document["sessionSeries"][0]["offers"][0]["priceCurrency"] = "x"
    document["sellers"][0]["name"] = ""
    assert len(problems_of(document)) == 3


@pytest.mark.parametrize("text", ["{", "[]", '{"sellers": {}}', '{"series": []}', "\xff"])
def test_malformed_files_are_refused(text: str) -> None:
    with pytest.raises(ImportRejected):
        parse_inventory_json(text.encode("latin-1"))


CSV_HEADER = "series,name,seller,activity,place,startDate,endDate,capacity,price,priceCurrency\n"


def test_csv_timetable_groups_rows_into_series_and_resolves_activity_labels() -> None:
    text = CSV_HEADER + (
        "yoga,Yoga,acme,Yoga,hall,2030-01-01T09:00:00Z,2030-01-01T10:00:00Z,10,5.00,GBP\n"
        "yoga,Yoga,acme,Yoga,hall,2030-01-08T09:00:00Z,2030-01-08T10:00:00Z,12,5.00,GBP\n"
    )
    bundle = parse_timetable_csv(text, shipped_vocabulary())
    (series,) = bundle.parents
    assert series.concepts == (YOGA,)
    assert [o.maximum_capacity for o in series.opportunities] == [10, 12]


def test_csv_problems_name_the_line_and_column() -> None:
    text = CSV_HEADER + (
        "yoga,Yoga,acme,Yoga,hall,2030-01-01T09:00:00Z,2030-01-01T10:00:00Z,10,5.00,GBP\n"
        "yoga,Yoga,acme,Yoga,hall,2030-01-08T09:00:00Z,2030-01-08T10:00:00Z,-3,6.00,GBP\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        parse_timetable_csv(text, shipped_vocabulary())
    found = [str(p) for p in rejected.value.problems]
    assert any("line 3" in p and "price" in p for p in found), found
    assert any("maximumAttendeeCapacity" in p and "at least 0" in p for p in found), found


def test_csv_missing_and_unknown_columns() -> None:
    with pytest.raises(ImportRejected) as rejected:
        parse_timetable_csv("series,name,colour\n", shipped_vocabulary())
    fields = {p.field for p in rejected.value.problems}
    assert {"seller", "startDate", "colour"} <= fields


def test_json_round_trip_of_the_documented_example(tmp_path: Any) -> None:
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(VALID))
    assert parse_inventory_json(path.read_bytes()).opportunity_count == 3
