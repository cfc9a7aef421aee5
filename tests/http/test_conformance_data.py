"""`openbook demo --conformance-data`: what the Test Suite's random mode harvests finds every planned bucket full."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner

from openbook.cli import main
from openbook.services.conformance_data import bucket_identifier, conformance_plan
from openbook.services.demo import demo_inventory
from openbook.store.urls import DatabaseUrl
from tests.http.test_open_data import assert_valid_feed_item, dataset_of, whole_feed
from tests.support.server_fixture import RunningServer, start_server
from tests.support.suite_criteria import When, booking_flows, matches, opportunity_type, organizer

PER_BUCKET = 2
CHILD_LINKS = ("superEvent", "facilityUse")


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


def harvest(server: RunningServer, opportunities: int) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(every feed item's data, the opportunities by @id with their parent merged in as the broker does),
    once the feeds hold ``opportunities`` opportunities (PostgreSQL sequences imported rows shortly after)."""
    deadline = time.monotonic() + 20
    while True:
        items = [i["data"] for d in dataset_of(server)["distribution"] for i in whole_feed(server, d["contentUrl"])]
        if sum("startDate" in data for data in items) >= opportunities or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    parents = {data["@id"]: data for data in items if "startDate" not in data}
    # Random-mode data is generated for sessions and slots only (RANDOM_MODE_KINDS); events are left aside.
    children = {
        data["@id"]: {k: parents.get(v, v) if k in CHILD_LINKS else v for k, v in data.items()}
        for data in items
        if data["@type"] in ("ScheduledSession", "Slot")
    }
    return items, children


def parent_of(item: dict[str, Any]) -> dict[str, Any]:
    parent = next(item[link] for link in CHILD_LINKS if isinstance(item.get(link), dict))
    assert isinstance(parent, dict)
    return parent


def test_every_planned_bucket_is_in_the_feeds_and_matches_its_criterion(
    conformance_server: RunningServer, oa_validator: Any
) -> None:
    when = When(datetime.now(UTC))
    sellers = demo_inventory(when.harvest).sellers
    plan = conformance_plan(sellers, per_bucket=PER_BUCKET)
    demo = demo_inventory(when.harvest).opportunity_count
    items, merged = harvest(conformance_server, demo + plan.opportunity_count)
    children = list(merged.values())
    seller_ids = {s["identifier"]: s["@id"] for s in (organizer(c) for c in children)}
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for child in children:
        by_parent.setdefault(parent_of(child)["identifier"], []).append(child)
    generated = {bucket_identifier(bucket) for bucket in plan.buckets}
    assert generated <= set(by_parent)

    # Every generated item, parent or opportunity, passes the validator as published.
    for data in items:
        parent = parent_of(merged[data["@id"]]) if data["@id"] in merged else data
        if parent["identifier"] in generated:
            assert_valid_feed_item(oa_validator, data)

    # What random mode would put in each (criterion, flow, type, seller) bucket, from all the feeds...
    found: Counter[tuple[str, str, str, str]] = Counter()
    for child in children:
        for bucket in plan.buckets:
            if matches(bucket.criterion, child, when):
                for flow in booking_flows(child):
                    found[(bucket.criterion, flow, opportunity_type(child), organizer(child)["@id"])] += 1

    for bucket in plan.buckets:
        key = (bucket.criterion, bucket.flow, bucket.kind.value, seller_ids[bucket.seller.identifier])
        # ...holds at least the planned number,
        assert found[key] >= bucket.count, key
        # and every opportunity generated for the bucket is one of them.
        own = by_parent[bucket_identifier(bucket)]
        assert len(own) == bucket.count
        for child in own:
            assert matches(bucket.criterion, child, when), (bucket.criterion, child)
            assert booking_flows(child) == {bucket.flow}
            assert opportunity_type(child) == bucket.kind.value
            assert organizer(child)["identifier"] == bucket.seller.identifier


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
    assert 4000 < plan.opportunity_count < 10000
