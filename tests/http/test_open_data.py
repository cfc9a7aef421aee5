"""The open-data face over real HTTP: dataset site, every feed and item, RPDE rules, bad queries."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from openbook.services.demo import demo_inventory
from openbook.services.inventory import import_inventory
from openbook.services.vocabulary import shipped_vocabulary
from openbook.store.factory import build_store
from openbook.store.urls import DatabaseUrl
from tests.support.server_fixture import RunningServer, start_server

RPDE_TYPE = "application/vnd.openactive.rpde+json; version=1"
FEEDS = [
    "session-series",
    "scheduled-sessions",
    "facility-uses",
    "facility-use-slots",
    "individual-facility-uses",
    "individual-facility-use-slots",
    "events",
    "on-demand-events",
    "headline-events",
    "course-instances",
    "headline-event-subevents",
    "course-instance-subevents",
]


def load(url: DatabaseUrl, inventory: Any) -> None:
    async def run() -> None:
        store = build_store(url)
        await store.start()
        try:
            await import_inventory(store, inventory, shipped_vocabulary())
        finally:
            await store.close()

    asyncio.run(run())


@pytest.fixture
def demo_server(database_url: DatabaseUrl) -> Iterator[RunningServer]:
    from datetime import UTC, datetime

    load(database_url, demo_inventory(datetime.now(UTC)))
    yield from start_server(database_url)


def assert_valid_feed_item(oa_validator: Any, data: dict[str, Any]) -> None:
    """No validator failures, except the one the OpenActive Test Suite itself ignores: a SessionSeries
    published without eventSchedule or subEvent (its sessions are in their own feed)."""
    failures = [
        str(failure)
        for failure in oa_validator.failures(data, "BookableRPDEFeed")
        if not (data["@type"] == "SessionSeries" and "eventSchedule" in failure.message)
    ]
    assert not failures, (failures, data)


def dataset_of(server: RunningServer) -> dict[str, Any]:
    response = server.get("/openactive")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', response.text, re.S)
    assert len(blocks) == 1
    return msgspec.json.decode(blocks[0])


def whole_feed(server: RunningServer, url: str, timeout: float = 10) -> list[dict[str, Any]]:
    """Follow `next` until the end-of-feed page: empty items and `next` equal to the requested URL."""
    import time

    items: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        response = server.client.get(url)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == RPDE_TYPE
        page = response.json()
        assert set(page) == {"next", "items", "license"}
        if not page["items"]:
            assert page["next"] == url
            assert response.headers["cache-control"] == "public, max-age=8"
            return items
        assert page["next"] != url and page["next"].split("?")[0] == url.split("?")[0]
        assert page["next"].endswith(f"afterChangeNumber={page['items'][-1]['modified']}")
        items.extend(page["items"])
        url = page["next"]
        assert time.monotonic() < deadline


def wait_for_items(server: RunningServer, url: str, count: int) -> list[dict[str, Any]]:
    import time

    deadline = time.monotonic() + 10
    while True:
        items = whole_feed(server, url)
        if len(items) >= count or time.monotonic() > deadline:
            return items
        time.sleep(0.05)


def test_dataset_site_passes_the_validator(demo_server: RunningServer, oa_validator: Any) -> None:
    dataset = dataset_of(demo_server)
    oa_validator.assert_valid(dataset, "DatasetSite")
    assert dataset["accessService"]["endpointUrl"] == f"{demo_server.base_url}/api/openbooking"
    assert "authenticationAuthority" not in dataset["accessService"]
    urls = [d["contentUrl"] for d in dataset["distribution"]]
    assert urls == [f"{demo_server.base_url}/feeds/{name}" for name in FEEDS]
    assert len({d["identifier"] for d in dataset["distribution"]}) == len(FEEDS)
    assert demo_server.get("/openactive/").text == demo_server.get("/openactive").text


def test_every_feed_item_passes_the_validator(demo_server: RunningServer, oa_validator: Any) -> None:
    dataset = dataset_of(demo_server)
    parents: set[str] = set()
    children = events = 0
    for distribution in dataset["distribution"]:
        items = wait_for_items(demo_server, distribution["contentUrl"], 1)
        assert items, distribution["name"]
        modified = [item["modified"] for item in items]
        assert modified == sorted(modified) and len(set(modified)) == len(modified)
        assert len({item["id"] for item in items}) == len(items)
        for item in items:
            assert item["state"] == "updated" and isinstance(item["modified"], int)
            data = item["data"]
            assert_valid_feed_item(oa_validator, data)
            if isinstance(data.get("superEvent"), dict):  # a sub-event, which embeds its whole
                events += 1
                assert data["superEvent"]["@type"] in ("HeadlineEvent", "CourseInstance") and data["offers"]
            elif data["@type"] in ("Event", "OnDemandEvent", "HeadlineEvent", "CourseInstance"):
                events += 1
                assert "superEvent" not in data and data["offers"], "a standalone event carries its own offers"
            elif "superEvent" in data or "facilityUse" in data:
                children += 1
                assert (data.get("superEvent") or data["facilityUse"]) in parents, "orphan child"
            else:
                parents.add(data["@id"])
    assert children == 556
    assert events == 13


def test_demo_data_is_what_the_readme_promises(demo_server: RunningServer) -> None:
    series = wait_for_items(demo_server, f"{demo_server.base_url}/feeds/session-series", 5)
    organizers = {
        (s["data"]["organizer"]["@type"], s["data"]["organizer"]["taxMode"].rsplit("/", 1)[1]) for s in series
    }
    assert organizers == {("Organization", "TaxGross"), ("Person", "TaxNet")}
    prices = {offer["price"] for s in series for offer in s["data"]["offers"]}
    assert 0 in prices and any(price > 0 for price in prices)


def test_a_withdrawn_opportunity_becomes_a_tombstone(server: RunningServer) -> None:
    from tests.factories import bundle

    load(server.database_url, bundle(sessions=2))
    url = f"{server.base_url}/feeds/scheduled-sessions"
    first = wait_for_items(server, url, 2)

    async def withdraw() -> None:
        store = build_store(server.database_url)
        await store.start()
        try:
            await store.delete_inventory([], ["t-session-0"])
        finally:
            await store.close()

    asyncio.run(withdraw())
    import time

    deadline = time.monotonic() + 10
    while True:
        rest = whole_feed(server, f"{url}?afterChangeNumber={first[-1]['modified']}")
        if rest or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    (tombstone,) = rest
    assert tombstone == {
        "state": "deleted",
        "kind": "ScheduledSession",
        "id": first[0]["id"],
        "modified": tombstone["modified"],
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("afterChangeNumber=abc", "non-negative integer"),
        ("afterChangeNumber=-1", "non-negative integer"),
        ("afterChangeNumber=99999999999999999999", "below 2^53"),
        ("afterChangeNumber=", "non-negative integer"),
        ("afterTimestamp=1&afterId=2", "afterChangeNumber, not afterTimestamp"),
        ("page=2", "unknown query parameter"),
    ],
)
def test_bad_feed_queries_get_400_with_a_message(server: RunningServer, query: str, message: str) -> None:
    response = server.get(f"/feeds/scheduled-sessions?{query}")
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_unknown_feed_is_404(server: RunningServer) -> None:
    response = server.get("/feeds/ordeeeers")
    assert response.status_code == 404
    assert "dataset site" in response.json()["error"]


def test_empty_feed_is_its_own_last_page(server: RunningServer) -> None:
    for name in FEEDS:
        url = f"{server.base_url}/feeds/{name}"
        assert whole_feed(server, url) == []
        later = f"{url}?afterChangeNumber=12345"
        assert whole_feed(server, later) == []


def test_health_and_metrics(server: RunningServer) -> None:
    health = server.get("/health").json()
    assert health["status"] == "ok" and health["database"] in ("sqlite", "postgresql")
    server.get("/feeds/scheduled-sessions")
    metrics = server.get("/metrics").text
    assert 'openbook_http_requests_total{method="GET",route="/feeds/{feed}",status="200"}' in metrics
