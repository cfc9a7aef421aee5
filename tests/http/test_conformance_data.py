"""`openbook demo --conformance-data`: what the Test Suite's random mode harvests finds every planned bucket full."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner

from openbook.cli import main
from openbook.domain.inventory import ParentKind
from openbook.services.conformance_data import (
    RANDOM_MODE_KINDS,
    bucket_identifier,
    conformance_plan,
    with_conformance_data,
)
from openbook.services.demo import demo_inventory
from openbook.store.urls import DatabaseUrl
from tests.http.test_open_data import assert_valid_feed_item, dataset_of, whole_feed
from tests.support.server_fixture import RunningServer, start_server
from tests.support.suite_criteria import (
    OPPORTUNITY_FEEDS,
    PARENT_FEEDS,
    PARENT_LINKS,
    When,
    booking_flows,
    matches,
    merged,
    opportunity_type,
    organizer,
    seller_id,
)

PER_BUCKET = 2
PUBLISHED_PARENTS = {kind.value for kind in ParentKind if kind.is_published}


@pytest.fixture
def conformance_server(database_url: DatabaseUrl) -> Iterator[RunningServer]:
    result = CliRunner().invoke(
        main,
        ["demo", "--database-url", database_url.raw, "--conformance-data", "--conformance-count", str(PER_BUCKET)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "left out TestOpportunityBookableInPast" in result.output
    yield from start_server(database_url)


@dataclass
class Harvest:
    items: list[dict[str, Any]]  # every item of every feed
    opportunities: list[dict[str, Any]]  # what the broker matches: the items of its opportunity feeds, merged


def harvest(server: RunningServer, rows: int) -> Harvest:
    """Every feed, once it publishes ``rows`` opportunity rows and every parent they name (PostgreSQL
    sequences imported rows shortly after), and what the suite's broker makes of the feeds it reads."""
    deadline = time.monotonic() + 120  # one harvest of ~12,000 items takes seconds, more on a busy machine
    while True:
        feeds = [(d["additionalType"], d["contentUrl"]) for d in dataset_of(server)["distribution"]]
        by_feed = [(kind, [i["data"] for i in whole_feed(server, url, timeout=30)]) for kind, url in feeds]
        items = [data for _, feed in by_feed for data in feed]
        parents = {data["@id"]: data for kind, feed in by_feed if kind in PARENT_FEEDS for data in feed}
        opportunities = [merged(data, parents) for kind, feed in by_feed if kind in OPPORTUNITY_FEEDS for data in feed]
        published = sum(data["@type"] not in PUBLISHED_PARENTS for data in items)
        unresolved = [o["@id"] for o in opportunities if any(isinstance(o.get(link), str) for link in PARENT_LINKS)]
        if published >= rows and not unresolved:
            return Harvest(items, opportunities)
        assert time.monotonic() < deadline, (
            f"{published} of {rows} rows published; parents missing for {unresolved[:5]}"
        )
        time.sleep(0.2)


def bucket_of(data: dict[str, Any]) -> str:
    """The bucket a generated item belongs to: its parent is the bucket, its opportunities (and the whole
    of a bucket of sub-events) are named after it."""
    identifier: str = data["identifier"]
    head, _, tail = identifier.rpartition("-")
    return head if data["@type"] not in PUBLISHED_PARENTS and (tail.isdigit() or tail == "whole") else identifier


def test_every_planned_bucket_is_in_the_feeds_and_matches_its_criterion(
    conformance_server: RunningServer, oa_validator: Any
) -> None:
    when = When(datetime.now(UTC))
    demo = demo_inventory(when.harvest)
    plan = conformance_plan(demo.sellers, per_bucket=PER_BUCKET)
    found_feeds = harvest(conformance_server, with_conformance_data(demo, plan, when.harvest).opportunity_count)
    opportunities = found_feeds.opportunities
    seller_ids = {o["identifier"]: o["@id"] for o in map(organizer, opportunities)}
    generated = {bucket_identifier(bucket) for bucket in plan.buckets}
    by_bucket: dict[str, list[dict[str, Any]]] = {}
    for opportunity in opportunities:
        by_bucket.setdefault(bucket_of(opportunity), []).append(opportunity)
    assert generated <= set(by_bucket)

    # Every generated item, parent, opportunity or whole of sub-events, passes the validator as published.
    for data in found_feeds.items:
        if bucket_of(data) in generated:
            assert_valid_feed_item(oa_validator, data)

    # What random mode would put in each (criterion, flow, type, seller) bucket, from all the feeds...
    found: Counter[tuple[str, str, str, str]] = Counter()
    criteria = {bucket.criterion for bucket in plan.buckets}
    for opportunity in opportunities:
        for criterion in criteria:
            if matches(criterion, opportunity, when):
                for flow in booking_flows(opportunity):
                    found[(criterion, flow, opportunity_type(opportunity), seller_id(opportunity))] += 1

    for bucket in plan.buckets:
        key = (bucket.criterion, bucket.flow, bucket.kind.value, seller_ids[bucket.seller.identifier])
        # ...holds at least the planned number,
        assert found[key] >= bucket.count, key
        # and every opportunity generated for the bucket is one of them.
        own = by_bucket[bucket_identifier(bucket)]
        assert len(own) == bucket.count
        for opportunity in own:
            assert matches(bucket.criterion, opportunity, when), (bucket.criterion, opportunity)
            assert booking_flows(opportunity) == {bucket.flow}
            assert opportunity_type(opportunity) == bucket.kind.value
            assert seller_id(opportunity) == seller_ids[bucket.seller.identifier]
            assert organizer(opportunity)["identifier"] == bucket.seller.identifier


def test_the_full_plan_covers_every_kind_both_flows_and_sellers_with_twice_the_suite_uses() -> None:
    sellers = demo_inventory(datetime.now(UTC)).sellers
    plan = conformance_plan(sellers)
    cells = {(b.criterion, b.approval, b.kind, b.seller.identifier) for b in plan.buckets}
    assert len(cells) == len(plan.buckets)
    assert {b.approval for b in plan.buckets} == {False, True}
    assert {b.seller.identifier for b in plan.buckets} == {s.identifier for s in sellers}
    bookable = {b.count for b in plan.buckets if b.criterion == "TestOpportunityBookable"}
    assert bookable == {2 * 217, 2 * 5}
    tax_net = {(b.seller.identifier, b.count) for b in plan.buckets if b.criterion.endswith("TaxNet")}
    # Every seller quoting net prices gets them all: the suite's secondary seller may be either.
    assert tax_net == {("sam-taylor-coaching", 2 * 8), ("northside-sports-club", 2 * 8)}
    left_out = {(left.criterion, left.seller) for left in plan.left_out}
    assert ("TestOpportunityBookableInPast", None) in left_out
    assert ("TestOpportunityBookableFreePrepaymentRequired", None) in left_out
    assert ("TestOpportunityBookableNonFreeTaxNet", "riverside-leisure") in left_out
    assert ("TestOpportunityBookableNonFreeTaxGross", "sam-taylor-coaching") in left_out
    # The kinds the suite's random mode can pick, every seller for the event kinds (a Person may organise
    # one), and attendance in person for all of them.
    kinds = {kind.value for kind in RANDOM_MODE_KINDS}
    assert {b.kind.value for b in plan.buckets} == kinds
    assert {"Event", "HeadlineEventSubEvent", "CourseInstanceSubEvent"} <= kinds
    offline = {(b.kind.value, b.seller.identifier) for b in plan.buckets if b.criterion.endswith("OfflineBookable")}
    assert len(offline) == 6 * 3 - 2  # six kinds, three sellers, no facility slots from the Person seller
    assert {b.count for b in plan.buckets if b.criterion.endswith("OfflineBookable")} == {2 * 15, 2}
    not_pickable = {left.kind.value for left in plan.left_out if left.kind is not None and left.criterion is None}
    assert not_pickable >= {"OnDemandEvent", "HeadlineEvent", "CourseInstance"}
    assert 8000 < plan.opportunity_count < 15000
