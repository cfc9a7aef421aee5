"""OrderProposal bodies: the P response, the order-proposals feed item, the Order that B makes of a proposal.

Everything after P is derived from the stored P response (the proposal as the customer saw it) and the
proposal's current status, version and seller note, so a proposal reads the same in every place.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from openbook.domain.orders import OrderItemStatus
from openbook.domain.proposals import ProposalStatus
from openbook.domain.vocabulary import Vocabulary
from openbook.openactive.order_render import access_properties, order_context, order_document
from openbook.openactive.render import CONTEXT, JsonLd, compact
from openbook.openactive.urls import Urls
from openbook.services.booking import QuoteOutcome
from openbook.store.port import InventoryView, StoredOrder

_DECIMAL_JSON = msgspec.json.Decoder(float_hook=Decimal)


def proposal_id(urls: Urls, uuid: str) -> str:
    return f"{urls.booking_api}/order-proposals/{uuid}"


def version_id(urls: Urls, uuid: str, version: str) -> str:
    """orderProposalVersion: the proposal's @id with the version UUID (spec: #schemaorder)."""
    return f"{proposal_id(urls, uuid)}/versions/{version}"


def proposal_document(urls: Urls, vocabulary: Vocabulary, outcome: QuoteOutcome, *, service: JsonLd) -> JsonLd:
    """The 201 response to P: the Order that would be made, as an OrderProposal awaiting the seller."""
    uuid = outcome.request.uuid
    document = order_document(urls, vocabulary, outcome, booked=True, service=service)
    document.update(
        {
            "@type": "OrderProposal",
            "@id": proposal_id(urls, uuid),
            "orderProposalVersion": version_id(urls, uuid, outcome.proposal_version or ""),
            "orderProposalStatus": ProposalStatus.AWAITING.value,
        }
    )
    document.pop("identifier", None)
    for item in document["orderedItem"]:  # their @ids are already those of the Order's items (brokers match them)
        item.pop("orderItemStatus", None)
    return document


def feed_proposal(urls: Urls, proposal: StoredOrder) -> JsonLd:
    """An OrderProposal as the order-proposals feed shows it: no personal data, no customer's note."""
    stored = _stored_document(proposal)
    return compact(
        {
            "@context": CONTEXT,
            "@type": "OrderProposal",
            "@id": proposal_id(urls, proposal.uuid),
            "orderedItem": [{"@type": "OrderItem", "@id": item["@id"]} for item in stored["orderedItem"]],
            "totalPaymentDue": stored.get("totalPaymentDue"),
            "totalPaymentTax": stored.get("totalPaymentTax"),
            "orderProposalVersion": version_id(urls, proposal.uuid, proposal.proposal_version or ""),
            "orderProposalStatus": proposal.proposal_status,
            "orderSellerNote": proposal.seller_note,
        }
    )


def proposal_status(urls: Urls, proposal: StoredOrder) -> JsonLd:
    """GET /orders/{uuid} for a proposal: the P response with its current status, version and note."""
    document = _stored_document(proposal)
    document["orderProposalVersion"] = version_id(urls, proposal.uuid, proposal.proposal_version or "")
    document["orderProposalStatus"] = proposal.proposal_status
    if proposal.seller_note:
        document["orderSellerNote"] = proposal.seller_note
    return document


def order_from_proposal(
    urls: Urls, proposal: StoredOrder, payment: dict[str, Any] | None, inventory: InventoryView
) -> JsonLd:
    """The 201 response to B by orderProposalVersion: the proposal, booked. The version is not reflected
    (spec), nor are positions (the broker sent none); ``payment`` is what B reflects."""
    document = _stored_document(proposal)
    for key in ("orderProposalVersion", "orderProposalStatus", "payment"):
        document.pop(key, None)
    document.update(
        {"@type": "Order", "@id": f"{urls.booking_api}/orders/{proposal.uuid}", "identifier": proposal.uuid}
    )
    if payment is not None:
        document["payment"] = payment
    by_line = {item.line: item for item in proposal.items}
    for item in document["orderedItem"]:
        item["orderItemStatus"] = OrderItemStatus.CONFIRMED.value
        item.pop("position", None)
        stored = by_line.get(int(str(item.get("@id", "")).rsplit("/", 1)[-1] or 0))
        if stored is not None:
            opportunity = inventory.opportunities.get(stored.opportunity_id)
            item.update(access_properties(urls, stored.access, opportunity))
    document["@context"] = order_context(document["orderedItem"])
    return document


def _stored_document(proposal: StoredOrder) -> dict[str, Any]:
    document: dict[str, Any] = _DECIMAL_JSON.decode(proposal.response or "{}")
    return document
