"""OrderQuote, Order and error bodies of the Open Booking API, and Orders-feed items, as JSON-LD."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from openbook.domain.access import Barcode, ItemAccess, channel_of
from openbook.domain.attendees import ATTENDEE_FIELDS
from openbook.domain.clock import format_instant
from openbook.domain.errors import ErrorKind, ItemError
from openbook.domain.intake import FieldKind, IntakeField
from openbook.domain.inventory import (
    VIRTUAL_LOCATION_PROPERTIES,
    FlowRequirement,
    Offer,
    Opportunity,
    OpportunityKind,
    ParentKind,
    VirtualLocation,
)
from openbook.domain.money import Money, from_minor
from openbook.domain.orders import OrderItemStatus, Totals
from openbook.domain.pricing import DEFAULT_TAX_RATE
from openbook.domain.vocabulary import Vocabulary
from openbook.openactive import render
from openbook.openactive.event_render import ordered_event
from openbook.openactive.render import BETA_CONTEXT, CONTEXT, JsonLd, compact
from openbook.openactive.urls import Urls
from openbook.services.booking import PricedItem, QuoteOutcome, Stage, current_totals
from openbook.store.port import InventoryView, StoredItem, StoredOrder
from openbook.store.records import offer_from

_DECIMAL_JSON = msgspec.json.Decoder(float_hook=Decimal)


def booking_service(terms_url: str | None) -> JsonLd:
    """The BookingService of every order response; the operator's terms when configured (spec: SHOULD)."""
    service: JsonLd = {
        "@type": "BookingService",
        "name": "openbook",
        "url": "https://github.com/openbook-booking/openbook",
    }
    if terms_url:
        service["termsOfService"] = [
            {"@type": "Terms", "name": "Booking terms", "url": terms_url, "requiresExplicitConsent": False}
        ]
    return service


def error_body(kind: ErrorKind, description: str, instance: str | None = None) -> JsonLd:
    return compact(
        {
            "@context": CONTEXT,
            "@type": kind.type,
            "name": kind.name,
            "description": description,
            "instance": instance,
            "statusCode": kind.status if kind.type != "OpenBookingError" else None,
        }
    )


def _item_error(error: ItemError) -> JsonLd:
    return compact(
        {
            "@type": error.kind.type,
            "name": error.kind.name,
            "description": error.description,
            "instance": error.instance,
        }
    )


def tax_spec(amount: Money, rate: Decimal = DEFAULT_TAX_RATE) -> JsonLd:
    return {
        "@type": "TaxChargeSpecification",
        "name": f"VAT at {rate * 100:g}%",
        "price": amount.amount,
        "priceCurrency": amount.currency,
        "rate": rate,
    }


def price_spec(totals: Totals) -> JsonLd:
    return compact(
        {
            "@type": "PriceSpecification",
            "price": totals.due.amount,
            "priceCurrency": totals.due.currency,
            "openBookingPrepayment": totals.prepayment,
        }
    )


def accepted_offer(urls: Urls, opportunity: Opportunity, offer: Offer) -> JsonLd:
    """The offer exactly as published, minus openBookingFlowRequirement (never sent in the API)."""
    owner = (
        urls.parent(opportunity.kind.parent_kind, opportunity.parent_id)
        if opportunity.kind.offers_on_parent
        else urls.opportunity(opportunity.kind, opportunity.id or 0)
    )
    document = render.offer(owner, offer)
    document.pop("openBookingFlowRequirement", None)
    return document


def ordered_item(
    urls: Urls,
    vocabulary: Vocabulary,
    inventory: InventoryView,
    opportunity: Opportunity,
    remaining: int | None,
    *,
    in_feed: bool = False,
) -> JsonLd:
    """The opportunity with its parent embedded (no offers, no organizer), as responses require; in the
    orders feed (``in_feed``) a facility names its provider, which the model requires there and forbids in
    booking responses. Standalone events are their own item (no provider, no organizer anywhere)."""
    if opportunity.kind.is_standalone:
        return ordered_event(urls, vocabulary, inventory, opportunity, remaining)
    document = render.opportunity(urls, opportunity)
    document.pop("@context", None)
    document.pop("offers", None)
    parent = inventory.parents[opportunity.parent_id]
    place = inventory.places.get(parent.place_id or 0)
    embedded = compact(
        {
            "@type": parent.kind.value,
            "@id": urls.parent(parent.kind, parent.id or 0),
            "name": parent.name,
            "url": parent.url or urls.parent(parent.kind, parent.id or 0),
            "location": None if place is None else render.place(urls, place),
            render.concept_property(parent.kind): render.concepts(vocabulary, parent.concepts),
        }
    )
    if in_feed and opportunity.kind is not OpportunityKind.SCHEDULED_SESSION:
        embedded["provider"] = render.seller(urls, inventory.sellers[opportunity.seller_id])
    if parent.kind is ParentKind.INDIVIDUAL_FACILITY_USE:
        embedded["aggregateFacilityUse"] = compact(
            {
                "@type": "FacilityUse",
                "@id": urls.parent(ParentKind.FACILITY_USE, parent.aggregate_id or 0),
                "name": parent.name,
                "url": urls.parent(ParentKind.FACILITY_USE, parent.aggregate_id or 0),
                "location": embedded.get("location"),
                "facilityType": embedded.get("facilityType"),
                "provider": embedded.get("provider"),
            }
        )
    capacity_keys = ("remainingAttendeeCapacity", "maximumAttendeeCapacity", "remainingUses", "maximumUses")
    if remaining is None:
        for key in capacity_keys:
            document.pop(key, None)
    elif opportunity.kind is OpportunityKind.SCHEDULED_SESSION:
        document["remainingAttendeeCapacity"] = remaining
    else:
        document["remainingUses"] = remaining
    document["superEvent" if opportunity.kind is OpportunityKind.SCHEDULED_SESSION else "facilityUse"] = embedded
    return document


def order_item_id(urls: Urls, uuid: str, line: int) -> str:
    return f"{urls.booking_api}/orders/{uuid}#/orderedItem/{line}"


def _response_item(urls: Urls, vocabulary: Vocabulary, outcome: QuoteOutcome, item: PricedItem, booked: bool) -> JsonLd:
    document: JsonLd = {"@type": "OrderItem", "position": item.request.position}
    if booked:
        document["@id"] = order_item_id(urls, outcome.request.uuid, item.line)
        document["orderItemStatus"] = OrderItemStatus.CONFIRMED.value
    if item.offer is not None and item.opportunity is not None:
        document["acceptedOffer"] = accepted_offer(urls, item.opportunity, item.offer)
        available = None if booked else outcome.available.get(item.opportunity.id or 0)
        document["orderedItem"] = ordered_item(urls, vocabulary, outcome.inventory, item.opportunity, available)
        if item.tax is not None:
            document["unitTaxSpecification"] = [tax_spec(item.tax)]
        if FlowRequirement.ATTENDEE_DETAILS in item.offer.requirements:
            document["attendeeDetailsRequired"] = list(ATTENDEE_FIELDS)
            if item.request.attendee is not None:
                document["attendee"] = item.request.attendee
        if item.offer.intake_form:
            document["orderItemIntakeForm"] = [intake_field(urls, field) for field in item.offer.intake_form]
            if item.request.intake:
                document["orderItemIntakeFormResponse"] = list(item.request.intake)
    else:
        _echo_references(document, item)
    if booked and item.access is not None:
        document.update(access_properties(urls, item.access, item.opportunity))
    if item.errors and not booked:
        document["error"] = [_item_error(error) for error in item.errors]
    return document


def access_properties(urls: Urls, access: ItemAccess, opportunity: Opportunity | None = None) -> JsonLd:
    """How the customer gets in: ``accessCode`` (PropertyValues), ``accessPass`` (the seller's Barcodes with a
    picture to show; a broker's exactly as it sent them) and, at an ``opportunity`` attended online, its
    ``accessChannel`` (``access.channel_of``)."""
    document: JsonLd = {}
    if access.codes:
        document["accessCode"] = [
            {"@type": "PropertyValue", "name": code.name, "description": code.description} for code in access.codes
        ]
    if access.passes:
        document["accessPass"] = [
            barcode.supplied if barcode.supplied is not None else _seller_barcode(urls, barcode)
            for barcode in access.passes
        ]
    channel = None if opportunity is None else channel_of(opportunity)
    if channel is not None:
        document["accessChannel"] = virtual_location(channel)
    return document


BARCODE_TYPE = "beta:codeType"  # the barcode's symbology; only in the beta namespace so far


def _seller_barcode(urls: Urls, barcode: Barcode) -> JsonLd:
    return compact(
        {
            "@type": "Barcode",
            "url": urls.pass_image(barcode.text),
            "text": barcode.text,
            BARCODE_TYPE: barcode.code_type,
        }
    )


def virtual_location(channel: VirtualLocation) -> JsonLd:
    fields = {key: getattr(channel, field) for key, field in VIRTUAL_LOCATION_PROPERTIES.items()}
    return compact({"@type": "VirtualLocation", **fields})


def order_context(items: list[JsonLd]) -> str | list[str]:
    """The @context of an Order: the beta namespace too when its items use a beta term. Decided from the
    rendered items because a JSON-LD context must cover the terms a document holds, whatever produced them;
    a seller's barcode type is the one beta term openbook emits."""
    uses_beta = any(BARCODE_TYPE in entry for item in items for entry in item.get("accessPass", ()))
    return BETA_CONTEXT if uses_beta else CONTEXT


def intake_field(urls: Urls, field: IntakeField) -> JsonLd:
    document: JsonLd = {"@type": field.kind.value, "@id": urls.intake_field(field.identifier), "name": field.name}
    if field.description:
        document["description"] = field.description
    if field.kind is not FieldKind.BOOLEAN:  # the spec forbids valueRequired on yes/no fields
        document["valueRequired"] = field.required
    if field.options:
        document["valueOption"] = list(field.options)
    return document


def _echo_references(document: JsonLd, item: PricedItem) -> None:
    """An item we could not resolve is answered with the references the broker sent."""
    document.update(item.request.echo)


def order_document(
    urls: Urls, vocabulary: Vocabulary, outcome: QuoteOutcome, *, booked: bool, service: JsonLd
) -> JsonLd:
    """The C1/C2 OrderQuote (``booked`` False) or the B Order (``booked`` True) response body."""
    request = outcome.request
    stage = request.stage
    path = "orders" if booked else "order-quotes"
    items = [_response_item(urls, vocabulary, outcome, item, booked) for item in outcome.items]
    document: JsonLd = {
        "@context": order_context(items),
        "@type": "Order" if booked else "OrderQuote",
        "@id": f"{urls.booking_api}/{path}/{request.uuid}",
        "identifier": request.uuid if booked else None,
        "brokerRole": None if request.broker_role is None else request.broker_role.value,
        "broker": request.broker,
        "seller": render.seller(urls, outcome.seller),
        "customer": request.customer if stage is not Stage.C1 else None,
        "bookingService": service,
        "orderedItem": items,
        "totalPaymentDue": price_spec(outcome.totals),
        "totalPaymentTax": [tax_spec(outcome.totals.tax)] if outcome.totals.tax is not None else None,
        "payment": outcome.reflected_payment,
    }
    if not booked:
        document["orderRequiresApproval"] = outcome.requires_approval
        if outcome.lease_expires is not None:
            document["lease"] = {"@type": "Lease", "leaseExpires": format_instant(outcome.lease_expires)}
    return compact(document)


def feed_order(
    urls: Urls, order: StoredOrder, vocabulary: Vocabulary | None = None, inventory: InventoryView | None = None
) -> JsonLd:
    """An Order as the Orders feed shows it: no personal data, no seller/broker/payment.

    Given the ``inventory`` of its opportunities, each OrderItem also carries its ``orderedItem`` as it is
    now (so a change of logistics shows), the ``acceptedOffer`` snapshot taken at B and its
    ``unitTaxSpecification``; without it these are consistently left out, as the spec allows.
    """
    currency = order.currency or "GBP"
    due, tax = current_totals(order)
    items = [
        compact(
            {
                "@type": "OrderItem",
                "@id": order_item_id(urls, order.uuid, item.line),
                "orderItemStatus": item.status,
                "cancellationMessage": item.cancellation_message,
                "customerNotice": item.customer_notice,
                **access_properties(urls, item.access, _booked_at(inventory, item)),
                **_as_booked(urls, vocabulary, inventory, item, currency),
            }
        )
        for item in order.items
    ]
    return compact(
        {
            "@context": order_context(items),
            "@type": "Order",
            "@id": f"{urls.booking_api}/orders/{order.uuid}",
            "identifier": order.uuid,
            "orderedItem": items,
            "totalPaymentDue": compact(
                {
                    "@type": "PriceSpecification",
                    "price": due,
                    "priceCurrency": currency,
                    "openBookingPrepayment": order.prepayment,
                }
            ),
            "totalPaymentTax": [tax_spec(Money(tax, currency))],
        }
    )


def _as_booked(
    urls: Urls, vocabulary: Vocabulary | None, inventory: InventoryView | None, item: StoredItem, currency: str
) -> JsonLd:
    """orderedItem (current), acceptedOffer (the snapshot taken at B) and unitTaxSpecification of a feed item."""
    opportunity = _booked_at(inventory, item)
    if vocabulary is None or inventory is None or opportunity is None or item.offer_snapshot is None:
        return {}
    offer = offer_from({**item.offer_snapshot, "id": item.offer_id})
    return {
        "acceptedOffer": accepted_offer(urls, opportunity, offer),
        "orderedItem": ordered_item(urls, vocabulary, inventory, opportunity, None, in_feed=True),
        "unitTaxSpecification": [tax_spec(Money(from_minor(item.tax_minor, currency), currency))],
    }


_CURRENT_ACCESS = ("accessCode", "accessPass", "accessChannel")


def _booked_at(inventory: InventoryView | None, item: StoredItem) -> Opportunity | None:
    """The opportunity an item's place is at now, when the inventory was read."""
    return None if inventory is None else inventory.opportunities.get(item.opportunity_id)


def order_status(order: StoredOrder, urls: Urls, vocabulary: Vocabulary, inventory: InventoryView) -> JsonLd:
    """The stored B response brought up to date: item statuses, messages, means of entry and totals as they are
    now, and each orderedItem as it is now, which a Replacement or a change of logistics may have changed."""
    document: JsonLd = _DECIMAL_JSON.decode(order.response or "{}")
    by_line = {item.line: item for item in order.items}
    for entry in document.get("orderedItem", []):
        entry.pop("position", None)
        item = by_line.get(int(str(entry.get("@id", "")).rsplit("/", 1)[-1] or 0))
        if item is None:
            continue
        entry["orderItemStatus"] = item.status
        for key in _CURRENT_ACCESS:  # as they are now, not as at B
            entry.pop(key, None)
        entry.update(
            compact({"cancellationMessage": item.cancellation_message, "customerNotice": item.customer_notice})
        )
        opportunity = inventory.opportunities.get(item.opportunity_id)
        entry.update(access_properties(urls, item.access, opportunity))
        if opportunity is not None:
            entry["orderedItem"] = ordered_item(urls, vocabulary, inventory, opportunity, None)
    document["@context"] = order_context(document.get("orderedItem", []))
    due, tax = current_totals(order)
    if "totalPaymentDue" in document:
        document["totalPaymentDue"]["price"] = due
    for charge in document.get("totalPaymentTax", []):
        charge["price"] = tax
    return document
