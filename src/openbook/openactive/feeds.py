"""RPDE 1.0 opportunity feeds, ordered by an incrementing change number (``afterChangeNumber``).

Paging is keyset on the change number, so a page costs the same at any depth. The last page echoes
the requested URL as ``next``, which is how consumers recognise the end of the feed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from openbook.domain.inventory import OpportunityKind, ParentKind
from openbook.domain.vocabulary import Vocabulary
from openbook.openactive import render
from openbook.openactive.urls import OPPORTUNITY_SEGMENTS, PARENT_SEGMENTS, Urls
from openbook.store.port import Store

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
RPDE_MEDIA_TYPE = "application/vnd.openactive.rpde+json; version=1"
PAGE_SIZE = 500
MAX_CHANGE_NUMBER = 2**53 - 1  # JavaScript consumers lose precision above this


class FeedQueryError(ValueError):
    """A malformed RPDE query; answered with 400."""


@dataclass(frozen=True, slots=True)
class FeedPage:
    next_url: str
    items: list[dict[str, Any]]
    is_full: bool

    def body(self) -> dict[str, Any]:
        return {"next": self.next_url, "items": self.items, "license": LICENSE}


@dataclass(frozen=True, slots=True)
class FeedSpec:
    path: str
    kind: str  # the RPDE item kind
    additional_type: str  # the Dataset distribution's additionalType
    name: str
    read: Callable[[Store, Urls, Vocabulary, int | None], Awaitable[list[dict[str, Any]]]]


def parse_after(query: dict[str, str]) -> int | None:
    unknown = sorted(set(query) - {"afterChangeNumber"})
    if {"afterTimestamp", "afterId"} & set(unknown):
        raise FeedQueryError(
            "this feed is ordered by change number: page with afterChangeNumber, not afterTimestamp/afterId"
        )
    if unknown:
        raise FeedQueryError(f"unknown query parameter(s): {', '.join(unknown)}; only afterChangeNumber is accepted")
    raw = query.get("afterChangeNumber")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) > MAX_CHANGE_NUMBER:
        raise FeedQueryError(f"afterChangeNumber must be a non-negative integer below 2^53, got {raw!r}")
    return int(raw)


def _items(kind: str, entries: list[Any], render_value: Callable[[Any], dict[str, Any]]) -> list[dict[str, Any]]:
    items = []
    for entry in entries:
        item: dict[str, Any] = {
            "state": "updated",
            "kind": kind,
            "id": str(entry.id),
            "modified": entry.change_number,
        }
        if entry.value is None:
            item["state"] = "deleted"
        else:
            item["data"] = render_value(entry.value)
        items.append(item)
    return items


def _parent_reader(parent_kind: ParentKind, item_kind: str) -> Any:
    async def read(store: Store, urls: Urls, vocabulary: Vocabulary, after: int | None) -> list[dict[str, Any]]:
        page = await store.parent_feed(parent_kind, after, PAGE_SIZE)
        return _items(
            item_kind,
            page.entries,
            lambda parent: render.parent_opportunity(
                urls,
                vocabulary,
                parent,
                page.sellers[parent.seller_id],
                None if parent.place_id is None else page.places.get(parent.place_id),
            ),
        )

    return read


def _opportunity_reader(opportunity_kind: OpportunityKind, item_kind: str) -> Any:
    async def read(store: Store, urls: Urls, vocabulary: Vocabulary, after: int | None) -> list[dict[str, Any]]:
        page = await store.opportunity_feed(opportunity_kind, after, PAGE_SIZE)
        return _items(
            item_kind,
            page.entries,
            lambda value: render.opportunity(urls, value, page.offers_by_parent.get(value.parent_id, ())),
        )

    return read


def _event_reader(opportunity_kind: OpportunityKind, item_kind: str) -> Any:
    async def read(store: Store, urls: Urls, vocabulary: Vocabulary, after: int | None) -> list[dict[str, Any]]:
        page = await store.opportunity_feed(opportunity_kind, after, PAGE_SIZE)

        def event(value: Any) -> dict[str, Any]:
            description = page.parents[value.parent_id]
            place = None if description.place_id is None else page.places.get(description.place_id)
            seller = page.sellers[description.seller_id]
            related = page.related.get(value.parent_id, ())
            return render.event(urls, vocabulary, value, description, seller, place, related)

        return _items(item_kind, page.entries, event)

    return read


# The data models' `sameAs` of each standalone type (the Dataset's additionalType for its feed).
_EVENT_TYPES = {
    OpportunityKind.EVENT: "https://schema.org/Event",
    OpportunityKind.ON_DEMAND_EVENT: "https://schema.org/OnDemandEvent",
    OpportunityKind.HEADLINE_EVENT: "https://openactive.io/HeadlineEvent",
    OpportunityKind.COURSE_INSTANCE: "https://schema.org/CourseInstance",
    OpportunityKind.HEADLINE_EVENT_SUB_EVENT: "https://schema.org/Event",
    OpportunityKind.COURSE_INSTANCE_SUB_EVENT: "https://schema.org/Event",
}


def _spec_for_event(kind: OpportunityKind) -> FeedSpec:
    """Standalone events: one feed of whole items."""
    item_kind = kind.published_type  # a sub-event is an Event
    return FeedSpec(
        OPPORTUNITY_SEGMENTS[kind], item_kind, _EVENT_TYPES[kind], kind.value, _event_reader(kind, item_kind)
    )


def _spec_for_parent(kind: ParentKind, name: str) -> FeedSpec:
    return FeedSpec(
        PARENT_SEGMENTS[kind],
        kind.value,
        f"https://openactive.io/{kind.value}",
        name,
        _parent_reader(kind, kind.value),
    )


def _spec_for_opportunity(kind: OpportunityKind, item_kind: str, name: str) -> FeedSpec:
    additional_type = "https://openactive.io/" + item_kind.rsplit("/", 1)[-1]
    return FeedSpec(OPPORTUNITY_SEGMENTS[kind], item_kind, additional_type, name, _opportunity_reader(kind, item_kind))


FEEDS: dict[str, FeedSpec] = {
    spec.path: spec
    for spec in (
        _spec_for_parent(ParentKind.SESSION_SERIES, "SessionSeries"),
        _spec_for_opportunity(OpportunityKind.SCHEDULED_SESSION, "ScheduledSession", "ScheduledSession"),
        _spec_for_parent(ParentKind.FACILITY_USE, "FacilityUse"),
        _spec_for_opportunity(OpportunityKind.FACILITY_USE_SLOT, "FacilityUse/Slot", "FacilityUseSlot"),
        _spec_for_parent(ParentKind.INDIVIDUAL_FACILITY_USE, "IndividualFacilityUse"),
        _spec_for_opportunity(
            OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT,
            "IndividualFacilityUse/Slot",
            "IndividualFacilityUseSlot",
        ),
        _spec_for_event(OpportunityKind.EVENT),
        _spec_for_event(OpportunityKind.ON_DEMAND_EVENT),
        _spec_for_event(OpportunityKind.HEADLINE_EVENT),
        _spec_for_event(OpportunityKind.COURSE_INSTANCE),
        _spec_for_event(OpportunityKind.HEADLINE_EVENT_SUB_EVENT),
        _spec_for_event(OpportunityKind.COURSE_INSTANCE_SUB_EVENT),
    )
}


async def read_page(spec: FeedSpec, store: Store, urls: Urls, vocabulary: Vocabulary, after: int | None) -> FeedPage:
    items = await spec.read(store, urls, vocabulary, after)
    feed_url = urls.feed(spec.path)
    if items:
        next_url = f"{feed_url}?afterChangeNumber={items[-1]['modified']}"
    else:
        next_url = feed_url if after is None else f"{feed_url}?afterChangeNumber={after}"
    return FeedPage(next_url, items, is_full=len(items) >= PAGE_SIZE)
