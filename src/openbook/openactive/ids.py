"""Reading @ids back: which seller, opportunity, offer or order item a URL names (None if it names none)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from openbook.domain.inventory import OpportunityKind
from openbook.openactive.urls import OPPORTUNITY_SEGMENTS, PARENT_SEGMENTS, Urls

_BY_OPPORTUNITY_SEGMENT = {segment: kind for kind, segment in OPPORTUNITY_SEGMENTS.items()}
_BY_PARENT_SEGMENT = {segment: kind for kind, segment in PARENT_SEGMENTS.items()}
_NUMBER = r"([1-9][0-9]{0,17})"


@dataclass(frozen=True, slots=True)
class OfferRef:
    owner: str  # "parent" or "opportunity"
    owner_kind: str
    owner_id: int
    offer_id: int


class IdReader:
    def __init__(self, urls: Urls) -> None:
        base = re.escape(urls.identifiers)
        self._seller = re.compile(rf"^{base}/sellers/{_NUMBER}$")
        self._thing = re.compile(rf"^{base}/([a-z-]+)/{_NUMBER}$")
        self._offer = re.compile(rf"^{base}/([a-z-]+)/{_NUMBER}#/offers/{_NUMBER}$")
        self._order_item = re.compile(
            rf"^{re.escape(urls.booking_api)}/orders/([0-9a-fA-F-]{{36}})#/orderedItem/{_NUMBER}$"
        )

    def seller(self, value: str) -> int | None:
        match = self._seller.match(value)
        return int(match.group(1)) if match else None

    def opportunity(self, value: str) -> tuple[OpportunityKind, int] | None:
        match = self._thing.match(value)
        if match is None or match.group(1) not in _BY_OPPORTUNITY_SEGMENT:
            return None
        return _BY_OPPORTUNITY_SEGMENT[match.group(1)], int(match.group(2))

    def offer(self, value: str) -> OfferRef | None:
        match = self._offer.match(value)
        if match is None:
            return None
        segment, owner_id, offer_id = match.group(1), int(match.group(2)), int(match.group(3))
        if segment in _BY_PARENT_SEGMENT:
            return OfferRef("parent", _BY_PARENT_SEGMENT[segment].value, owner_id, offer_id)
        if segment in _BY_OPPORTUNITY_SEGMENT:
            return OfferRef("opportunity", _BY_OPPORTUNITY_SEGMENT[segment].value, owner_id, offer_id)
        return None

    def order_item(self, value: str) -> tuple[str, int] | None:
        """(order uuid, line) of an OrderItem @id."""
        match = self._order_item.match(value)
        return (match.group(1), int(match.group(2))) if match else None


def canonical_uuid(text: str) -> str | None:
    """RFC 4122 UUIDs in any case, normalised to lower case; anything else is None."""
    if len(text) != 36:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None
