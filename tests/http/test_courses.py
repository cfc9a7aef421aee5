"""CourseInstances over real HTTP on both databases: booked as a whole, their sessions listed as subEvent.

Every feed item and every response is checked with the official validator.
"""

from __future__ import annotations

import re
from typing import Any

from tests.http import test_backoffice
from tests.http.test_booking import eventually, item_errors
from tests.http.test_open_data import assert_valid_feed_item, load, wait_for_items
from tests.support.booking import BookingClient, Opportunity, new_uuid
from tests.support.flows import dataset_feed, quote_and_book
from tests.support.server_fixture import RunningServer
from tests.unit.test_import_events import COURSE
from tests.unit.test_import_formats import VALID

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
office_fixture = test_backoffice.office  # the back office with two sellers, as a fixture here too


def test_a_course_is_published_whole_with_its_sessions(booking: BookingClient, oa_validator: Any) -> None:
    course = booking.create(kind="CourseInstance")
    assert course.id.startswith(f"{booking.base_url}/api/identifiers/course-instances/")
    item = booking.feed_item(course.id)
    assert item["kind"] == "CourseInstance"
    data = item["data"]
    assert_valid_feed_item(oa_validator, data)
    assert data["@type"] == "CourseInstance" and data["organizer"]["@id"] == booking.seller_id
    assert DATE.match(data["startDate"]) and DATE.match(data["endDate"])
    assert data["offers"][0]["@id"] == course.offer_id
    sessions = data["subEvent"]
    assert len(sessions) == 4 and all(s["@type"] == "Event" for s in sessions)
    assert all("/api/identifiers/course-instance-subevents/" in s["@id"] for s in sessions)
    assert all(set(s) == {"@type", "@id", "startDate", "endDate", "duration"} for s in sessions)
    assert [s["startDate"] for s in sessions] == sorted(s["startDate"] for s in sessions)
    assert data["startDate"] == sessions[0]["startDate"][:10] and data["endDate"] == sessions[-1]["endDate"][:10]

    feed = dataset_feed(booking, "course-instances")
    assert (feed["additionalType"], feed["identifier"]) == ("https://schema.org/CourseInstance", "CourseInstance")


def test_a_course_is_booked_through_c1_c2_and_b(booking: BookingClient, oa_validator: Any) -> None:
    course = booking.create(kind="CourseInstance")
    uuid, c1, b = quote_and_book(booking, [course], oa_validator.assert_valid)
    ordered = c1["orderedItem"][0]["orderedItem"]
    assert ordered["@type"] == "CourseInstance" and ordered["remainingAttendeeCapacity"] == 10
    assert not {"subEvent", "offers", "organizer"} & set(ordered)
    oa_validator.assert_valid(b.json(), "BResponse")
    assert eventually(lambda: booking.remaining(course) == 9)
    assert_valid_feed_item(oa_validator, booking.feed_item(course.id)["data"])
    assert booking.cancel(uuid, [b.json()["orderedItem"][0]["@id"]]).status_code == 204
    (entry,) = eventually(booking.orders_feed)
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    assert eventually(lambda: booking.remaining(course) == 10)


def test_a_course_and_its_sessions_have_their_own_places(booking: BookingClient, oa_validator: Any) -> None:
    course = booking.create(kind="CourseInstance")
    session_id = booking.feed_item(course.id)["data"]["subEvent"][1]["@id"]
    session_item = booking.feed_item(session_id)["data"]
    assert_valid_feed_item(oa_validator, session_item)
    assert session_item["superEvent"]["@id"] == course.id
    session = Opportunity(session_id, session_item["offers"][0]["@id"], course.price, "Event")
    uuid = new_uuid()
    b = booking.b(uuid, booking.order_body([session]))
    assert b.status_code == 201, b.text
    oa_validator.assert_valid(b.json(), "BResponse")
    assert eventually(lambda: booking.remaining(session) == 9)
    assert booking.remaining(course) == 10  # a drop-in place is not a place on the course
    assert item_errors(booking.c1(new_uuid(), booking.quote_body([session] * 10)).json())[9] == [
        "OpportunityHasInsufficientCapacityError"
    ]


def test_imported_courses_are_published(server: RunningServer, oa_validator: Any) -> None:
    from openbook.importing.json_format import parse_inventory_document

    load(server.database_url, parse_inventory_document({**VALID, "courseInstances": [COURSE]}))
    (item,) = wait_for_items(server, f"{server.base_url}/feeds/course-instances", 1)
    assert_valid_feed_item(oa_validator, item["data"])
    assert item["data"]["identifier"] == "pottery-course"
    assert [s["startDate"] for s in item["data"]["subEvent"]] == ["2030-03-01T18:00:00Z", "2030-03-08T18:00:00Z"]
    sessions = wait_for_items(server, f"{server.base_url}/feeds/course-instance-subevents", 2)
    for session in sessions:
        assert_valid_feed_item(oa_validator, session["data"])
    assert [s["data"]["remainingAttendeeCapacity"] for s in sessions] == [4, 0]  # drop-in places, default none


def test_retiming_a_session_republishes_its_course(booking: BookingClient, oa_validator: Any) -> None:
    from tests.http.test_logistics import act_on

    course = booking.create(kind="CourseInstance")
    before = booking.feed_item(course.id)
    session_id = before["data"]["subEvent"][0]["@id"]
    session = Opportunity(session_id, course.offer_id, course.price, "Event")
    assert act_on(booking, "ChangeOfLogisticsTimeSimulateAction", session).status_code == 204
    retimed = booking.feed_item(session_id)["data"]
    assert_valid_feed_item(oa_validator, retimed)

    def republished() -> dict[str, Any] | None:
        item = booking.feed_item(course.id)
        return item if item["modified"] > before["modified"] else None

    after = eventually(republished)
    assert after is not None
    assert_valid_feed_item(oa_validator, after["data"])
    assert (
        after["data"]["subEvent"][0]["startDate"] == retimed["startDate"] != before["data"]["subEvent"][0]["startDate"]
    )


def test_a_course_booked_whole_is_not_moved_to_one_of_its_sessions(office_fixture: Any) -> None:
    from tests.http.test_backoffice import listed

    office = office_fixture
    client = office.sellers["a-seller"]
    course = client.create(kind="CourseInstance")
    session_number = int(client.feed_item(course.id)["data"]["subEvent"][1]["@id"].rsplit("/", 1)[1])
    assert client.b(new_uuid(), client.order_body([course])).status_code == 201
    (order,) = listed(office)
    response = office.call(
        "POST", f"/orders/{order['id']}/replacement", json={"line": 1, "opportunityId": session_number}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "unable_to_process_order_item")
