"""Standalone events (Event, OnDemandEvent) in Open Booking API responses (feed items: render.event)."""

from __future__ import annotations

from openbook.domain.inventory import Opportunity
from openbook.domain.vocabulary import Vocabulary
from openbook.openactive import render
from openbook.openactive.render import JsonLd
from openbook.openactive.urls import Urls
from openbook.store.port import InventoryView

# Responses carry the event as published, minus what the spec forbids there.
_NOT_IN_RESPONSES = ("@context", "offers", "organizer", "subEvent")


def ordered_event(
    urls: Urls, vocabulary: Vocabulary, inventory: InventoryView, opportunity: Opportunity, remaining: int | None
) -> JsonLd:
    """A standalone event as an OrderItem's orderedItem: no offers, organizer or subEvent (nor in its
    superEvent); capacity only while quoting."""
    description = inventory.parents[opportunity.parent_id]
    place = None if description.place_id is None else inventory.places.get(description.place_id)
    seller = inventory.sellers[description.seller_id]
    super_kind = opportunity.kind.super_event_kind
    wholes = tuple(
        o
        for o in inventory.opportunities.values()
        if super_kind is not None and o.kind is super_kind and o.parent_id == opportunity.parent_id
    )
    document = render.event(urls, vocabulary, opportunity, description, seller, place, wholes)
    for key in _NOT_IN_RESPONSES:
        document.pop(key, None)
        if isinstance(document.get("superEvent"), dict):
            document["superEvent"].pop(key, None)
    if opportunity.kind.dates_only:
        # Responses may not carry a course's subEvent, yet the validator wants a CourseInstance to have
        # subEvent or eventSchedule: a PartialSchedule says when the course runs.
        document["eventSchedule"] = [render.schedule(opportunity)]
    if remaining is None:
        document.pop("remainingAttendeeCapacity", None)
        document.pop("maximumAttendeeCapacity", None)
    elif opportunity.kind.is_dated:  # an OnDemandEvent publishes no capacity
        document["remainingAttendeeCapacity"] = remaining
    return document
