"""Open Booking API request bodies → the booking service's OrderRequest. Format problems become errors here;
booking rules are the service's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from openbook.domain import errors
from openbook.domain.errors import BookingError, ItemError
from openbook.domain.money import InvalidMoney, Money, parse_amount, validate_currency
from openbook.domain.orders import BrokerRole
from openbook.openactive.ids import IdReader
from openbook.services.booking import ItemRequest, OrderRequest, Stage, fingerprint

MAX_BODY_BYTES = 256 * 1024
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def decode_body(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BODY_BYTES:
        raise BookingError(errors.PAYLOAD_TOO_LARGE, f"request bodies are limited to {MAX_BODY_BYTES} bytes")
    try:
        document = _DECODER.decode(body)
    except msgspec.DecodeError as error:
        raise BookingError(errors.BAD_REQUEST, f"the body is not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise BookingError(errors.BAD_REQUEST, "the body must be a JSON-LD object")
    return document


def require_type(document: dict[str, Any], expected: str) -> None:
    found = document.get("@type", document.get("type"))
    if found != expected:
        raise BookingError(errors.UNEXPECTED_ORDER_TYPE, f"this endpoint takes an {expected}, not {found!r}")


def reference(value: object) -> str | None:
    """A JSON-LD reference given as an object with @id (or id) or as a bare URL."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        found = value.get("@id", value.get("id"))
        return found if isinstance(found, str) else None
    return None


def _object(document: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BookingError(errors.BAD_REQUEST, f"{key} must be an object")
    return value


def parse_order_request(document: dict[str, Any], stage: Stage, uuid: str, ids: IdReader) -> OrderRequest:
    seller_ref = reference(document.get("seller"))
    seller_id = None
    if seller_ref is not None:
        seller_id = ids.seller(seller_ref)
        if seller_id is None:
            raise BookingError(errors.SELLER_NOT_FOUND, f"no seller has the @id {seller_ref!r}")
    role_text = document.get("brokerRole")
    broker_role = None
    if role_text is not None:
        try:
            broker_role = BrokerRole(role_text)
        except ValueError:
            allowed = ", ".join(role.value for role in BrokerRole)
            raise BookingError(errors.INCOMPLETE_BROKER_DETAILS, f"brokerRole must be one of {allowed}") from None
    raw_items = document.get("orderedItem")
    if not isinstance(raw_items, list) or not raw_items:
        raise BookingError(errors.BAD_REQUEST, "orderedItem must be a non-empty list of OrderItems")
    return OrderRequest(
        stage=stage,
        uuid=uuid,
        seller_id=seller_id,
        broker_role=broker_role,
        broker=_object(document, "broker"),
        customer=_object(document, "customer") if stage is not Stage.C1 else None,
        payment=_object(document, "payment"),
        items=tuple(_item(raw, index, ids) for index, raw in enumerate(raw_items)),
        total_payment_due=_money(document.get("totalPaymentDue")),
        fingerprint=fingerprint(document),
    )


def _item(raw: object, index: int, ids: IdReader) -> ItemRequest:
    if not isinstance(raw, dict):
        raise BookingError(errors.BAD_REQUEST, f"orderedItem[{index}] must be an OrderItem object")
    position = raw.get("position", index)
    if isinstance(position, bool) or not isinstance(position, int):
        raise BookingError(errors.BAD_REQUEST, f"orderedItem[{index}].position must be an integer")
    opportunity_ref = reference(raw.get("orderedItem"))
    offer_ref = reference(raw.get("acceptedOffer"))
    attendee = raw.get("attendee") if isinstance(raw.get("attendee"), dict) else None
    intake = tuple(r for r in raw.get("orderItemIntakeFormResponse") or () if isinstance(r, dict))
    echo = {key: raw[key] for key in ("acceptedOffer", "orderedItem") if isinstance(raw.get(key), dict)}
    if opportunity_ref is None or offer_ref is None:
        missing = "orderedItem" if opportunity_ref is None else "acceptedOffer"
        problem = ItemError(errors.INCOMPLETE_ORDER_ITEM, f"{missing} with an @id is required")
        return ItemRequest(position, None, None, None, None, (problem,), attendee, intake, echo)
    opportunity = ids.opportunity(opportunity_ref)
    offer = ids.offer(offer_ref)
    if opportunity is None or offer is None:
        what = "orderedItem" if opportunity is None else "acceptedOffer"
        problem = ItemError(errors.INVALID_OPPORTUNITY_OR_OFFER_ID, f"{what} @id is not one this booking system issues")
        return ItemRequest(position, None, None, None, None, (problem,), attendee, intake, echo)
    # An offer hung off an @id of another type (an event's offer under a session's @id with the same
    # number, say) names no owner of this opportunity: the booking service refuses it as unacceptable.
    kind = opportunity[0]
    expected_kind = kind.value if offer.owner == "opportunity" else kind.parent_kind.value
    owner = offer.owner if offer.owner_kind == expected_kind else "other"
    passes = _broker_barcodes(raw.get("accessPass"))
    return ItemRequest(position, opportunity, offer.offer_id, owner, offer.owner_id, (), attendee, intake, echo, passes)


def _broker_barcodes(value: object) -> tuple[dict[str, Any], ...]:
    """The Barcodes a broker put in an OrderItem's ``accessPass``, to be reflected back (anything else is ignored)."""
    if not isinstance(value, list):
        return ()
    return tuple(p for p in value if isinstance(p, dict) and p.get("@type", p.get("type")) == "Barcode")


def _money(value: object) -> Money | None:
    if not isinstance(value, dict) or "price" not in value:
        return None
    try:
        currency = validate_currency(value.get("priceCurrency", "GBP"))
        return Money(parse_amount(value["price"], currency), currency)
    except InvalidMoney as error:
        raise BookingError(errors.BAD_REQUEST, f"totalPaymentDue: {error}") from error
