"""Translation between table rows and domain values, shared by both adapters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import msgspec

from openbook.domain.access import AccessCode, Barcode, ItemAccess
from openbook.domain.clock import from_epoch_ms, to_epoch_ms
from openbook.domain.intake import FieldKind, IntakeField
from openbook.domain.inventory import (
    AttendanceMode,
    Availability,
    EventStatus,
    FlowRequirement,
    Offer,
    Opportunity,
    OpportunityDraft,
    OpportunityKind,
    ParentKind,
    ParentOpportunity,
    PaymentReconciliation,
    Place,
    PostalAddress,
    Seller,
    SellerKind,
    TaxMode,
    Terms,
    VirtualLocation,
)
from openbook.domain.money import Money, from_minor, to_minor

Row = Mapping[str, Any]

_ADDRESS_FIELDS = ("street_address", "address_locality", "address_region", "postal_code", "address_country")


def json_text(value: object) -> str:
    return msgspec.json.encode(value).decode()


def json_value(value: object) -> Any:
    if value is None:
        return None
    if isinstance(value, str | bytes):
        return msgspec.json.decode(value)
    return value


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def _delta(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


def addressjson_value(address: PostalAddress | None) -> str | None:
    if address is None:
        return None
    return json_text({name: getattr(address, name) for name in _ADDRESS_FIELDS if getattr(address, name)})


def address_from(value: object) -> PostalAddress | None:
    data = json_value(value)
    return None if data is None else PostalAddress(**data)


def seller_params(seller: Seller) -> dict[str, Any]:
    terms = [
        {
            "name": t.name,
            "url": t.url,
            "requires_explicit_consent": t.requires_explicit_consent,
            "date_modified_ms": None if t.date_modified is None else to_epoch_ms(t.date_modified),
        }
        for t in seller.terms_of_service
    ]
    return {
        "identifier": seller.identifier,
        "kind": seller.kind.value,
        "name": seller.name,
        "legal_name": seller.legal_name,
        "tax_mode": seller.tax_mode.value,
        "is_open_booking_allowed": seller.is_open_booking_allowed,
        "description": seller.description,
        "url": seller.url,
        "email": seller.email,
        "telephone": seller.telephone,
        "logo_url": seller.logo_url,
        "vat_id": seller.vat_id,
        "address": addressjson_value(seller.address),
        "terms_of_service": json_text(terms),
        "payment_reconciliation": _reconciliation_text(seller.payment_reconciliation),
    }


def _reconciliation_text(details: PaymentReconciliation | None) -> str | None:
    return None if details is None else json_text(details.expected())


def _reconciliation_from(value: object) -> PaymentReconciliation | None:
    record = json_value(value)
    if not record:
        return None
    return PaymentReconciliation(record.get("name"), record.get("accountId"), record.get("paymentProviderId"))


def seller_from(row: Row) -> Seller:
    terms = tuple(
        Terms(
            name=t["name"],
            url=t["url"],
            requires_explicit_consent=t["requires_explicit_consent"],
            date_modified=None if t["date_modified_ms"] is None else from_epoch_ms(t["date_modified_ms"]),
        )
        for t in json_value(row["terms_of_service"]) or ()
    )
    return Seller(
        id=row["id"],
        identifier=row["identifier"],
        kind=SellerKind(row["kind"]),
        name=row["name"],
        legal_name=row["legal_name"],
        tax_mode=TaxMode(row["tax_mode"]),
        is_open_booking_allowed=bool(row["is_open_booking_allowed"]),
        description=row["description"],
        url=row["url"],
        email=row["email"],
        telephone=row["telephone"],
        logo_url=row["logo_url"],
        vat_id=row["vat_id"],
        address=address_from(row["address"]),
        terms_of_service=terms,
        payment_reconciliation=_reconciliation_from(row["payment_reconciliation"]),
    )


def place_params(place: Place) -> dict[str, Any]:
    return {
        "identifier": place.identifier,
        "name": place.name,
        "address": addressjson_value(place.address),
        "latitude": place.latitude,
        "longitude": place.longitude,
    }


def place_from(row: Row) -> Place:
    return Place(
        id=row["id"],
        identifier=row["identifier"],
        name=row["name"],
        address=address_from(row["address"]),
        latitude=row["latitude"],
        longitude=row["longitude"],
    )


def offer_params(offer: Offer, parent_id: int) -> dict[str, Any]:
    return {
        "parent_id": parent_id,
        "identifier": offer.identifier,
        "name": offer.name,
        "price_minor": to_minor(offer.price.amount, offer.price.currency),
        "currency": offer.price.currency,
        "prepayment": None if offer.prepayment is None else offer.prepayment.value,
        "in_advance": None if offer.in_advance is None else offer.in_advance.value,
        "valid_from_before_start_s": _seconds(offer.valid_from_before_start),
        "valid_through_before_start_s": _seconds(offer.valid_through_before_start),
        "latest_cancellation_before_start_s": _seconds(offer.latest_cancellation_before_start),
        "allow_full_refund": offer.allow_customer_cancellation_full_refund,
        "requirements": json_text([r.value for r in offer.requirements]),
        "min_age": offer.min_age,
        "max_age": offer.max_age,
        "intake_form": json_text([_intake_field_record(f) for f in offer.intake_form]) if offer.intake_form else None,
    }


def _intake_field_record(field: IntakeField) -> dict[str, Any]:
    return {
        "identifier": field.identifier,
        "kind": field.kind.value,
        "name": field.name,
        "description": field.description,
        "required": field.required,
        "options": list(field.options),
    }


def _intake_field_from(record: dict[str, Any]) -> IntakeField:
    return IntakeField(
        identifier=record["identifier"],
        kind=FieldKind(record["kind"]),
        name=record["name"],
        description=record["description"],
        required=record["required"],
        options=tuple(record["options"]),
    )


def offer_from(row: Row) -> Offer:
    currency = row["currency"]
    return Offer(
        id=row["id"],
        identifier=row["identifier"],
        name=row["name"],
        price=Money(from_minor(row["price_minor"], currency), currency),
        prepayment=None if row["prepayment"] is None else Availability(row["prepayment"]),
        in_advance=None if row["in_advance"] is None else Availability(row["in_advance"]),
        valid_from_before_start=_delta(row["valid_from_before_start_s"]),
        valid_through_before_start=_delta(row["valid_through_before_start_s"]),
        latest_cancellation_before_start=_delta(row["latest_cancellation_before_start_s"]),
        allow_customer_cancellation_full_refund=bool(row["allow_full_refund"]),
        requirements=tuple(FlowRequirement(r) for r in json_value(row["requirements"])),
        min_age=row["min_age"],
        max_age=row["max_age"],
        intake_form=tuple(_intake_field_from(f) for f in json_value(row["intake_form"]) or ()),
    )


def parent_from(row: Row, offers: tuple[Offer, ...]) -> ParentOpportunity:
    return ParentOpportunity(
        id=row["id"],
        identifier=row["identifier"],
        kind=ParentKind(row["kind"]),
        seller_id=row["seller_id"],
        place_id=row["place_id"],
        aggregate_id=row["aggregate_id"],
        name=row["name"],
        description=row["description"],
        url=row["url"],
        concepts=tuple(json_value(row["concepts"])),
        gender_restriction=row["gender_restriction"],
        test_dataset=row["test_dataset"],
        offers=offers,
    )


def opportunity_params(draft: OpportunityDraft, parent_id: int, seller_id: int, dataset: str | None) -> dict[str, Any]:
    return {
        "identifier": draft.identifier,
        "kind": draft.kind.value,
        "parent_id": parent_id,
        "seller_id": seller_id,
        "start_ms": to_epoch_ms(draft.start),
        "end_ms": to_epoch_ms(draft.end),
        "maximum_capacity": draft.maximum_capacity,
        "remaining_capacity": draft.maximum_capacity,
        "event_status": draft.event_status.value,
        "attendance_mode": draft.attendance_mode.value,
        "test_dataset": dataset,
        "access_channel": access_channel_text(draft.access_channel),
    }


def opportunity_from(row: Row) -> Opportunity:
    return Opportunity(
        id=row["id"],
        identifier=row["identifier"],
        kind=OpportunityKind(row["kind"]),
        parent_id=row["parent_id"],
        seller_id=row["seller_id"],
        start=from_epoch_ms(row["start_ms"]),
        end=from_epoch_ms(row["end_ms"]),
        maximum_capacity=row["maximum_capacity"],
        remaining_capacity=row["remaining_capacity"],
        event_status=EventStatus(row["event_status"]),
        attendance_mode=AttendanceMode(row["attendance_mode"]),
        test_dataset=row["test_dataset"],
        access_channel=access_channel_from(row["access_channel"]),
    )


def access_channel_text(channel: VirtualLocation | None) -> str | None:
    """The ``access_channel`` column: the VirtualLocation's fields by name, NULL when there is none."""
    return None if channel is None else json_text({k: v for k, v in asdict(channel).items() if v is not None})


def access_channel_from(value: object) -> VirtualLocation | None:
    fields = json_value(value)
    return None if fields is None else VirtualLocation(**fields)


def access_codes_text(access: ItemAccess | None) -> str | None:
    """The ``access_code`` column: pin codes as ``[{"name", "description"}]``, NULL when there are none."""
    if access is None or not access.codes:
        return None
    return json_text([{"name": c.name, "description": c.description} for c in access.codes])


def access_passes_text(access: ItemAccess | None) -> str | None:
    """The ``access_pass`` column: barcodes as ``[{"text", "code_type", "supplied"}]``, NULL when there are none."""
    if access is None or not access.passes:
        return None
    return json_text([{"text": b.text, "code_type": b.code_type, "supplied": b.supplied} for b in access.passes])


def access_from(codes: object, passes: object) -> ItemAccess:
    return ItemAccess(
        tuple(AccessCode(c["name"], c["description"]) for c in json_value(codes) or ()),
        tuple(Barcode(b["text"], b["code_type"], b["supplied"]) for b in json_value(passes) or ()),
    )
