"""Access channels (how booked customers join online) and pass pictures: the pure rules, the import format and
the rendering, without a server."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from openbook.domain.access import JOINING_DETAILS_LATER, Barcode, ItemAccess
from openbook.domain.inventory import AttendanceMode, Opportunity, OpportunityKind, VirtualLocation
from openbook.importing.json_format import parse_inventory_document
from openbook.openactive.order_render import access_properties, order_context
from openbook.openactive.passes import barcode_svg
from openbook.openactive.render import BETA_CONTEXT, CONTEXT
from openbook.openactive.urls import Urls
from openbook.services.logistics import Logistics, LogisticsRefused, decide
from openbook.store.port import LogisticsChange, OpportunityLogistics
from openbook.store.records import access_channel_from, access_channel_text
from tests.unit.test_import_formats import SESSION, VALID, problems_of

MEETING = VirtualLocation(url="https://meet.example.com/j/1", name="Meet", access_id="1 2", access_code="99")
URLS = Urls.for_base("http://localhost:8000")


def opportunity(mode: AttendanceMode, channel: VirtualLocation | None = None) -> Opportunity:
    start = datetime(2030, 1, 1, 9, tzinfo=UTC)
    return Opportunity(
        "o", OpportunityKind.SCHEDULED_SESSION, 1, 1, start, start.replace(hour=10), 5, 5, attendance_mode=mode,
        id=1, access_channel=channel,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("mode", "channel", "problem"),
    [
        (AttendanceMode.ONLINE, MEETING, None),
        (AttendanceMode.MIXED, VirtualLocation(name="Meet"), None),
        (AttendanceMode.OFFLINE, MEETING, "only an opportunity attended online"),
        (AttendanceMode.ONLINE, VirtualLocation(access_code="1"), "needs a url, a name or a description"),
        (AttendanceMode.ONLINE, VirtualLocation(url="ftp://x"), "http(s) URL"),
    ],
)
def test_a_channel_belongs_to_an_online_opportunity_and_says_how_to_join(
    mode: AttendanceMode, channel: VirtualLocation, problem: str | None
) -> None:
    found = channel.problem(mode)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_the_stored_channel_round_trips() -> None:
    assert access_channel_from(access_channel_text(MEETING)) == MEETING
    assert access_channel_text(None) is None and access_channel_from(None) is None


def with_channel(mode: str, channel: Any) -> dict[str, Any]:
    document = copy.deepcopy(VALID)
    session = document[SESSION[0]][SESSION[1]][SESSION[2]][SESSION[3]]
    session.update(eventAttendanceMode=mode, accessChannel=channel)
    return document


def test_the_import_format_takes_a_channel_for_an_online_session() -> None:
    channel = {"url": MEETING.url, "name": "Meet", "accessId": "1 2", "accessCode": "99"}
    bundle = parse_inventory_document(with_channel("OnlineEventAttendanceMode", channel))
    assert bundle.parents[0].opportunities[0].access_channel == MEETING


@pytest.mark.parametrize(
    ("mode", "channel", "message"),
    [
        ("OfflineEventAttendanceMode", {"url": MEETING.url}, "only an opportunity attended online"),
        ("OnlineEventAttendanceMode", {"url": MEETING.url, "password": "x"}, "unknown field(s) password"),
        ("OnlineEventAttendanceMode", {"accessCode": "1"}, "needs a url, a name or a description"),
        ("OnlineEventAttendanceMode", {"url": "meet.example.com"}, "http(s) URL"),
        ("OnlineEventAttendanceMode", "https://meet.example.com", "must be an object"),
        ("OnlineEventAttendanceMode", {"url": 7}, "non-empty string"),
    ],
)
def test_a_bad_channel_is_named_in_the_import(mode: str, channel: Any, message: str) -> None:
    found = problems_of(with_channel(mode, channel))
    assert any("sessions[0]" in r and message in m for r, _, m in found), found


def current(mode: AttendanceMode, channel: VirtualLocation | None = None) -> OpportunityLogistics:
    return OpportunityLogistics(1, OpportunityKind.SCHEDULED_SESSION, 1, 1, "Yoga", None, 10_000, 20_000, mode, channel)


def test_a_new_channel_is_a_private_change_of_logistics() -> None:
    change = decide(Logistics(access_channel=MEETING), current(AttendanceMode.ONLINE), 0)
    assert change == LogisticsChange(access_channel=MEETING) and not change.is_public and not change.is_empty
    assert decide(Logistics(access_channel=MEETING), current(AttendanceMode.ONLINE, MEETING), 0).is_empty  # a repeat
    assert LogisticsChange(name="Yoga", access_channel=MEETING).is_public


@pytest.mark.parametrize(
    ("mode", "channel", "code", "status"),
    [
        (AttendanceMode.OFFLINE, MEETING, "not_online", 409),
        (AttendanceMode.ONLINE, VirtualLocation(url="zoom"), "invalid_channel", 400),
    ],
)
def test_a_channel_change_is_refused_precisely(
    mode: AttendanceMode, channel: VirtualLocation, code: str, status: int
) -> None:
    with pytest.raises(LogisticsRefused) as refused:
        decide(Logistics(access_channel=channel), current(mode), 0)
    assert (refused.value.code, refused.value.status) == (code, status)


def test_an_online_place_shows_its_channel_or_when_it_will_come() -> None:
    shown = access_properties(URLS, ItemAccess(), opportunity(AttendanceMode.ONLINE, MEETING))
    assert shown == {
        "accessChannel": {
            "@type": "VirtualLocation",
            "name": "Meet",
            "url": MEETING.url,
            "accessId": "1 2",
            "accessCode": "99",
        }
    }
    assert access_properties(URLS, ItemAccess(), opportunity(AttendanceMode.MIXED)) == {
        "accessChannel": {"@type": "VirtualLocation", "description": JOINING_DETAILS_LATER.description}
    }
    assert access_properties(URLS, ItemAccess(), opportunity(AttendanceMode.OFFLINE, MEETING)) == {}


def test_a_seller_barcode_has_a_picture_and_a_type_and_needs_the_beta_context() -> None:
    urls = Urls.for_base("http://10.0.0.5:8000", "https://book.example.com")
    shown = access_properties(urls, ItemAccess((), (Barcode("123456789012"),)))
    assert shown["accessPass"] == [
        {
            "@type": "Barcode",
            "url": "https://book.example.com/access-passes/123456789012.svg",
            "text": "123456789012",
            "beta:codeType": "code128",
        }
    ]
    assert order_context([shown]) == BETA_CONTEXT
    broker = {"@type": "Barcode", "text": "B-1"}
    reflected = access_properties(urls, ItemAccess((), (Barcode("B-1", None, broker),)))
    assert reflected["accessPass"] == [broker] and order_context([reflected]) == CONTEXT
    assert URLS.pass_image("1") == "http://localhost:8000/access-passes/1.svg"


def test_a_barcode_picture_is_an_svg_of_its_text() -> None:
    picture = barcode_svg("123456789012").decode()
    assert picture.startswith("<?xml") and "<svg" in picture and "123456789012" in picture
    assert barcode_svg("123456789012") != barcode_svg("123456789013")
