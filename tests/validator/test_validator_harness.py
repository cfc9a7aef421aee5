"""The OpenActive validator harness works offline, and cannot pass documents it should not."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.support.oa_validator import OpenActiveValidator, ValidationResult, ValidatorError

# `oa_validator` is the session fixture of tests/support/validator_fixture.py, registered in tests/conftest.py.

DATA = Path(__file__).parent / "data"
PINNED_VERSION = json.loads((Path(__file__).parents[1] / "oa_validator" / "package.json").read_text())["dependencies"][
    "@openactive/data-model-validator"
]
YOGA = "https://openactive.io/activity-list#bf1a5e00-cdcf-465d-8c5a-6f57040b7f7e"
UNKNOWN_ACTIVITY = "https://openactive.io/activity-list#00000000-0000-4000-8000-000000000000"
# Result types the validator gives when it could not load a remote document (activity list, @context).
REMOTE_TROUBLE = {"offline_remote_fetch", "file_not_found", "activity_list_not_found"}


def dataset_site() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / "dataset-site.jsonld").read_text())
    return document


def scheduled_session(activity_id: str = YOGA) -> dict[str, Any]:
    """The `data` of a ScheduledSession feed item, with its SessionSeries embedded."""
    return {
        "@context": "https://openactive.io/",
        "@type": "ScheduledSession",
        "@id": "http://localhost:8000/api/scheduled-sessions/1",
        "identifier": "1",
        "startDate": "2030-01-01T10:00:00Z",
        "endDate": "2030-01-01T11:00:00Z",
        "duration": "PT1H",
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "maximumAttendeeCapacity": 10,
        "remainingAttendeeCapacity": 10,
        "superEvent": {
            "@type": "SessionSeries",
            "@id": "http://localhost:8000/api/session-series/1",
            "name": "Yoga",
            "url": "http://localhost:8000/session-series/1",
            "activity": [
                {
                    "@type": "Concept",
                    "@id": activity_id,
                    "prefLabel": "Yoga",
                    "inScheme": "https://openactive.io/activity-list",
                }
            ],
            "organizer": {
                "@type": "Organization",
                "@id": "http://localhost:8000/api/sellers/1",
                "name": "Acme",
                "taxMode": "https://openactive.io/TaxGross",
            },
            "location": {
                "@type": "Place",
                "@id": "http://localhost:8000/api/places/1",
                "name": "Hall",
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": "1 High St",
                    "addressLocality": "Bristol",
                    "addressRegion": "Bristol",
                    "postalCode": "BS1 4SD",
                    "addressCountry": "GB",
                },
                "geo": {"@type": "GeoCoordinates", "latitude": 51.454, "longitude": -2.588},
            },
            "offers": [
                {
                    "@type": "Offer",
                    "@id": "http://localhost:8000/api/session-series/1#/offers/1",
                    "identifier": "1",
                    "price": 5,
                    "priceCurrency": "GBP",
                    "openBookingPrepayment": "https://openactive.io/Required",
                }
            ],
        },
    }


def rpde_page(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "next": "http://localhost:8000/feeds/scheduled-sessions?afterTimestamp=2&afterId=2",
        "items": list(items),
        "license": "https://creativecommons.org/licenses/by/4.0/",
    }


def updated_item(data: dict[str, Any], item_id: str = "1", modified: int = 1) -> dict[str, Any]:
    return {"id": item_id, "kind": "ScheduledSession", "state": "updated", "modified": modified, "data": data}


def remote_trouble(results: list[ValidationResult]) -> list[ValidationResult]:
    return [
        r
        for r in results
        if r.type in REMOTE_TROUBLE or "fetch" in r.message.lower() or "did not return a valid" in r.message
    ]


def failure_paths(results: list[ValidationResult]) -> set[str]:
    return {r.path for r in results if r.severity == "failure"}


# ---- the fixture is the real validator


def test_fixture_is_the_real_validator(oa_validator: OpenActiveValidator) -> None:
    assert isinstance(oa_validator, OpenActiveValidator)
    assert oa_validator.versions["@openactive/data-model-validator"] == PINNED_VERSION
    assert {
        "RPDEFeed",
        "BookableRPDEFeed",
        "DatasetSite",
        "C1Response",
        "C2Response",
        "PResponse",
        "BResponse",
        "C1ResponseOrderItemError",
        "BResponseOrderItemError",
        "OpenBookingError",
        "OrdersFeed",
        "OrderProposalsFeed",
        "OrderStatus",
    } <= set(oa_validator.modes)


def test_unknown_mode_is_refused(oa_validator: OpenActiveValidator) -> None:
    with pytest.raises(ValueError, match="unknown validation mode"):
        oa_validator.validate(dataset_site(), "Datasetsite")


# ---- (a), (b) dataset site


def test_dataset_site_example_is_valid(oa_validator: OpenActiveValidator) -> None:
    document = dataset_site()
    results = oa_validator.validate(document, "DatasetSite")
    assert remote_trouble(results) == []
    oa_validator.assert_valid(document, "DatasetSite")


@pytest.mark.parametrize("removed", ["@context", "distribution", "publisher", "@type"])
def test_dataset_site_missing_a_required_part_fails(oa_validator: OpenActiveValidator, removed: str) -> None:
    document = dataset_site()
    del document[removed]
    failures = oa_validator.failures(document, "DatasetSite")
    assert failures, f"removing {removed} went unnoticed"
    with pytest.raises(AssertionError) as raised:
        oa_validator.assert_valid(document, "DatasetSite")
    text = str(raised.value)
    for failure in failures:
        assert failure.path in text
    assert '"name": "Acme Fitness Sessions"' in text  # the document is shown


def test_unknown_property_in_dataset_site_fails(oa_validator: OpenActiveValidator) -> None:
    document = dataset_site()  # its @context lists https://schema.org/: served from the seeded cache
    document["notAProperty"] = "x"
    results = oa_validator.validate(document, "DatasetSite")
    assert remote_trouble(results) == []
    assert [(r.path, r.type) for r in results if r.severity == "failure"] == [("$.notAProperty", "field_not_in_spec")]


# ---- (c) opportunity feed items, the activity list served offline


def test_scheduled_session_item_is_valid_offline(oa_validator: OpenActiveValidator) -> None:
    data = scheduled_session()
    results = oa_validator.validate(data, "BookableRPDEFeed")
    assert remote_trouble(results) == []
    assert [r for r in results if r.severity == "failure"] == []
    assert results, "a real validator always has some recommendation for this document"


def test_activity_not_in_the_list_fails(oa_validator: OpenActiveValidator) -> None:
    failures = oa_validator.failures(scheduled_session(UNKNOWN_ACTIVITY), "BookableRPDEFeed")
    assert remote_trouble(failures) == []
    assert [(f.path, f.type) for f in failures] == [("$.superEvent.activity[0]", "activity_not_in_activity_list")]


def test_invalid_values_in_a_feed_item_fail(oa_validator: OpenActiveValidator) -> None:
    data = scheduled_session()
    data["startDate"] = "tomorrow"
    del data["superEvent"]["location"]["address"]["addressRegion"]
    paths = failure_paths(oa_validator.validate(data, "BookableRPDEFeed"))
    assert {"$.startDate", "$.superEvent.location.address.addressRegion"} <= paths


def test_fetch_of_an_unseeded_document_is_blocked_and_reported(oa_validator: OpenActiveValidator) -> None:
    data = scheduled_session()
    data["@context"] = ["https://openactive.io/", "https://example.invalid/context.jsonld"]
    data["ext:colour"] = "blue"
    for _ in range(2):  # reported every time, not only on the first fetch
        failures = oa_validator.failures(data, "BookableRPDEFeed")
        assert "offline_remote_fetch" in {f.type for f in failures}
        assert any("https://example.invalid/context.jsonld" in f.message for f in failures)
    assert oa_validator.failures(scheduled_session(), "BookableRPDEFeed") == []


# ---- (d) whole RPDE pages


def test_rpde_page_is_valid(oa_validator: OpenActiveValidator) -> None:
    page = rpde_page(
        updated_item(scheduled_session()),
        {"id": "2", "kind": "ScheduledSession", "state": "deleted", "modified": 2},
    )
    results = oa_validator.validate(page, "BookableRPDEFeed")
    assert "found_rpde_feed" in {r.type for r in results}  # validated as an RPDE page, items included
    assert remote_trouble(results) == []
    oa_validator.assert_valid(page, "BookableRPDEFeed")


def test_rpde_page_problems_fail(oa_validator: OpenActiveValidator) -> None:
    item = updated_item(scheduled_session(UNKNOWN_ACTIVITY))
    del item["modified"]
    page = rpde_page(item)
    del page["license"]
    paths = failure_paths(oa_validator.validate(page, "BookableRPDEFeed"))
    assert {"$.license", "$.items[0].modified", "$.items[0].data.superEvent.activity[0]"} <= paths


def test_orders_feed_mode_applies_to_pages(oa_validator: OpenActiveValidator) -> None:
    failures = oa_validator.failures(rpde_page(updated_item(scheduled_session())), "OrdersFeed")
    types = {(f.path, f.type) for f in failures}
    assert ("$.license", "field_not_allowed_in_spec") in types  # Orders feed pages carry no license
    assert ('$.items[0].data["@type"]', "wrong_base_type") in types  # and hold Orders / OrderProposals only


# ---- the wrapper


def test_validation_from_many_threads(oa_validator: OpenActiveValidator) -> None:
    expected = oa_validator.validate(scheduled_session(UNKNOWN_ACTIVITY), "BookableRPDEFeed")
    seen: list[list[ValidationResult]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                seen.append(oa_validator.validate(scheduled_session(UNKNOWN_ACTIVITY), "BookableRPDEFeed"))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(seen) == 20
    assert all(results == expected for results in seen)


def test_input_is_not_modified(oa_validator: OpenActiveValidator) -> None:
    page = rpde_page(updated_item(scheduled_session()))
    before = copy.deepcopy(page)
    oa_validator.validate(page, "BookableRPDEFeed")
    assert page == before


def test_closed_validator_refuses_and_a_new_one_restarts(tmp_path: Path) -> None:
    validator = OpenActiveValidator(env={"OA_VALIDATOR_CACHE_DIR": str(tmp_path / "cache")})
    try:
        assert validator.failures(scheduled_session(), "BookableRPDEFeed") == []
        assert validator.start_seconds is not None
        assert len(list((tmp_path / "cache").glob("*.json"))) == 3  # activity list, schema.org and beta contexts
    finally:
        validator.close()
    with pytest.raises(ValidatorError, match="closed"):
        validator.validate(scheduled_session(), "BookableRPDEFeed")


def test_speedup_changes_no_result(oa_validator: OpenActiveValidator) -> None:
    documents = [
        (dataset_site(), "DatasetSite"),
        (scheduled_session(UNKNOWN_ACTIVITY), "BookableRPDEFeed"),
        (rpde_page(updated_item(scheduled_session())), "OrdersFeed"),
        ({**dataset_site(), "notAProperty": 1, "keywords": "x"}, "DatasetSite"),
    ]
    with OpenActiveValidator(env={"OA_VALIDATOR_NO_SPEEDUP": "1"}) as plain:
        for document, mode in documents:
            assert oa_validator.validate(document, mode) == plain.validate(document, mode)


def test_empty_rpde_page_is_a_failure_for_this_validator(oa_validator: OpenActiveValidator) -> None:
    """A quirk to know: the last page of a feed (items: []) fails as a whole page; validate its items instead."""
    failures = oa_validator.failures(rpde_page(), "BookableRPDEFeed")
    assert [(f.path, f.type) for f in failures] == [("$.items", "field_is_empty")]
