"""Domain values to OpenActive JSON-LD (dicts ready for msgspec). No nulls, no empty strings or lists."""

from __future__ import annotations

from typing import Any

from openbook.domain.clock import format_instant
from openbook.domain.durations import format_duration
from openbook.domain.inventory import (
    AttendanceMode,
    Offer,
    Opportunity,
    OpportunityKind,
    ParentKind,
    ParentOpportunity,
    Place,
    PostalAddress,
    Seller,
)
from openbook.domain.vocabulary import Vocabulary, scheme_of
from openbook.openactive.urls import Urls

CONTEXT = "https://openactive.io/"
BETA_CONTEXT = [CONTEXT, "https://openactive.io/ns-beta"]  # for documents using beta: properties

JsonLd = dict[str, Any]


def compact(document: JsonLd) -> JsonLd:
    """Drop None, empty strings and empty lists (the spec forbids them), keeping 0 and False."""
    return {key: value for key, value in document.items() if value is not None and value != "" and value != []}


def postal_address(address: PostalAddress | None) -> JsonLd | None:
    if address is None:
        return None
    return compact(
        {
            "@type": "PostalAddress",
            "streetAddress": address.street_address,
            "addressLocality": address.address_locality,
            "addressRegion": address.address_region,
            "postalCode": address.postal_code,
            "addressCountry": address.address_country,
        }
    )


def seller(urls: Urls, value: Seller) -> JsonLd:
    assert value.id is not None
    terms = [
        compact(
            {
                "@type": "Terms",
                "name": t.name,
                "url": t.url,
                "requiresExplicitConsent": t.requires_explicit_consent,
                "dateModified": None if t.date_modified is None else format_instant(t.date_modified),
            }
        )
        for t in value.terms_of_service
    ]
    return compact(
        {
            "@type": value.kind.value,
            "@id": urls.seller(value.id),
            "identifier": value.identifier,
            "name": value.name,
            # Order responses require legalName of any seller; a person's legal name is their name.
            "legalName": value.legal_name or value.name,
            "description": value.description,
            "url": value.url,
            "email": value.email,
            "telephone": value.telephone,
            "logo": None if value.logo_url is None else {"@type": "ImageObject", "url": value.logo_url},
            "vatID": value.vat_id,
            "address": postal_address(value.address),
            "taxMode": value.tax_mode.value,
            "isOpenBookingAllowed": value.is_open_booking_allowed,
            "termsOfService": terms,
        }
    )


def place(urls: Urls, value: Place) -> JsonLd:
    assert value.id is not None
    geo = None
    if value.latitude is not None and value.longitude is not None:
        geo = {"@type": "GeoCoordinates", "latitude": value.latitude, "longitude": value.longitude}
    return compact(
        {
            "@type": "Place",
            "@id": urls.place(value.id),
            "identifier": value.identifier,
            "name": value.name,
            "address": postal_address(value.address),
            "geo": geo,
        }
    )


def concepts(vocabulary: Vocabulary, concept_ids: tuple[str, ...]) -> list[JsonLd]:
    return [
        {"@type": "Concept", "@id": concept, "prefLabel": vocabulary.label(concept), "inScheme": scheme_of(concept)}
        for concept in concept_ids
        if concept in vocabulary
    ]


def concept_property(kind: ParentKind) -> str:
    """Sessions and events name their activities; facilities their facility type (activity is deprecated there)."""
    return "facilityType" if kind.is_facility else "activity"


def offer(owner_id: str, value: Offer) -> JsonLd:
    assert value.id is not None
    age = None
    if value.min_age is not None or value.max_age is not None:
        age = compact({"@type": "QuantitativeValue", "minValue": value.min_age, "maxValue": value.max_age})
    return compact(
        {
            "@type": "Offer",
            "@id": Urls.offer(owner_id, value.id),
            "identifier": value.identifier,
            "name": value.name,
            "price": value.price.amount,
            "priceCurrency": value.price.currency,
            "openBookingPrepayment": None if value.prepayment is None else value.prepayment.value,
            "openBookingInAdvance": None if value.in_advance is None else value.in_advance.value,
            "validFromBeforeStartDate": _duration(value.valid_from_before_start),
            "validThroughBeforeStartDate": _duration(value.valid_through_before_start),
            "latestCancellationBeforeStartDate": _duration(value.latest_cancellation_before_start),
            "allowCustomerCancellationFullRefund": value.allow_customer_cancellation_full_refund,
            "openBookingFlowRequirement": [r.value for r in value.requirements],
            "ageRestriction": age,
        }
    )


def _duration(value: Any) -> str | None:
    return None if value is None else format_duration(value)


def parent_opportunity(
    urls: Urls,
    vocabulary: Vocabulary,
    value: ParentOpportunity,
    seller_value: Seller,
    place_value: Place | None,
) -> JsonLd:
    """A SessionSeries, FacilityUse or IndividualFacilityUse as published in its parent feed."""
    assert value.id is not None
    own_id = urls.parent(value.kind, value.id)
    document: JsonLd = {
        "@context": CONTEXT,
        "@type": value.kind.value,
        "@id": own_id,
        "identifier": value.identifier,
        "name": value.name,
        "description": value.description,
        "url": value.url or own_id,
        concept_property(value.kind): concepts(vocabulary, value.concepts),
        "location": None if place_value is None else place(urls, place_value),
        "genderRestriction": value.gender_restriction,
    }
    provider = seller(urls, seller_value)
    if value.kind is ParentKind.SESSION_SERIES:
        document["organizer"] = provider
        document["offers"] = [offer(own_id, o) for o in value.offers]
    else:
        document["provider"] = provider
    return compact(document)


def event(
    urls: Urls,
    vocabulary: Vocabulary,
    value: Opportunity,
    description: ParentOpportunity,
    seller_value: Seller,
    place_value: Place | None,
    related: tuple[Opportunity, ...] = (),
) -> JsonLd:
    """A standalone event (Event, OnDemandEvent, HeadlineEvent, CourseInstance, or an event of a
    HeadlineEvent) as published in its feed: occurrence and description in one item.

    An OnDemandEvent has no location, dates, status, attendance mode or capacity in OpenActive (the
    validator refuses them), so it is published without them. A CourseInstance's dates are dates (no
    time). ``related`` are the sub-events of a whole (its ``subEvent``), or, for an event of a
    HeadlineEvent, the HeadlineEvent itself, embedded as its ``superEvent`` with the description.
    """
    assert value.id is not None
    own_id = urls.opportunity(value.kind, value.id)
    described: JsonLd = {
        "name": description.name,
        "description": description.description,
        "url": description.url,
        "activity": concepts(vocabulary, description.concepts),
        "location": None if place_value is None else place(urls, place_value),
        "genderRestriction": description.gender_restriction,
        "organizer": seller(urls, seller_value),
    }
    document: JsonLd = {
        "@context": CONTEXT,
        "@type": value.kind.published_type,
        "@id": own_id,
        "identifier": value.identifier,
    }
    super_kind = value.kind.super_event_kind
    if super_kind is None:
        document.update(described)
        document["url"] = description.url or own_id
    document["offers"] = [offer(own_id, o) for o in description.offers]
    if not value.kind.is_dated:
        document.pop("location", None)
        return compact(document)
    document.update(_occurrence(value))
    if value.kind.dates_only:
        document["startDate"] = value.start.date().isoformat()
        document["endDate"] = value.end.date().isoformat()
    if value.kind.has_sub_events:
        document["subEvent"] = [sub_event(urls, part) for part in related]
    if super_kind is not None and related:
        document["superEvent"] = _whole(urls, super_kind, related[0], described, description)
    return compact(_placeless_if_online(document, value))


def _whole(
    urls: Urls, kind: OpportunityKind, whole: Opportunity, described: JsonLd, description: ParentOpportunity
) -> JsonLd:
    """The CourseInstance or HeadlineEvent a sub-event belongs to, embedded as its superEvent (with the
    offers that book it whole, which the validator requires of a CourseInstance)."""
    assert whole.id is not None
    whole_id = urls.opportunity(kind, whole.id)
    document: JsonLd = {
        "@type": kind.published_type,
        "@id": whole_id,
        **described,
        "url": description.url or whole_id,
        "offers": [offer(whole_id, o) for o in description.offers],
        "startDate": format_instant(whole.start),
        "endDate": format_instant(whole.end),
        "duration": format_duration(whole.duration),
    }
    if kind.dates_only:
        document["startDate"], document["endDate"] = whole.start.date().isoformat(), whole.end.date().isoformat()
        document["eventSchedule"] = [schedule(whole)]
    if whole.attendance_mode is AttendanceMode.ONLINE:
        document["eventAttendanceMode"] = whole.attendance_mode.value
    return compact(_placeless_if_online(document, whole))


def _placeless_if_online(document: JsonLd, value: Opportunity) -> JsonLd:
    """The model forbids an event attended only online a ``location`` (an online sub-event of a whole held at
    a place still inherits the whole's: such wholes should be mixed)."""
    if value.attendance_mode is AttendanceMode.ONLINE:
        document.pop("location", None)
    return document


def schedule(whole: Opportunity) -> JsonLd:
    """When a course runs, where its sessions cannot be listed (inside a session, or in responses)."""
    return {
        "@type": "PartialSchedule",
        "startDate": whole.start.date().isoformat(),
        "endDate": whole.end.date().isoformat(),
    }


def _occurrence(value: Opportunity) -> JsonLd:
    return {
        "startDate": format_instant(value.start),
        "endDate": format_instant(value.end),
        "duration": format_duration(value.duration),
        "eventStatus": value.event_status.value,
        "eventAttendanceMode": value.attendance_mode.value,
        "maximumAttendeeCapacity": value.maximum_capacity,
        "remainingAttendeeCapacity": value.remaining_capacity,
    }


def sub_event(urls: Urls, value: Opportunity) -> JsonLd:
    """A sub-event inside its whole's item: which one, and when (everything else is the whole's)."""
    assert value.id is not None
    return {
        "@type": "Event",
        "@id": urls.opportunity(value.kind, value.id),
        "startDate": format_instant(value.start),
        "endDate": format_instant(value.end),
        "duration": format_duration(value.duration),
    }


def opportunity(urls: Urls, value: Opportunity, offers: tuple[Offer, ...] = ()) -> JsonLd:
    """A ScheduledSession or Slot as published in its child feed; the parent is referenced by @id."""
    assert value.id is not None
    own_id = urls.opportunity(value.kind, value.id)
    parent_id = urls.parent(value.kind.parent_kind, value.parent_id)
    is_session = value.kind is OpportunityKind.SCHEDULED_SESSION
    document: JsonLd = {
        "@context": CONTEXT,
        "@type": "ScheduledSession" if is_session else "Slot",
        "@id": own_id,
        "identifier": value.identifier,
        "startDate": format_instant(value.start),
        "endDate": format_instant(value.end),
        "duration": format_duration(value.duration),
        "eventStatus": value.event_status.value if is_session else None,
    }
    if is_session:
        document["superEvent"] = parent_id
        document["eventAttendanceMode"] = value.attendance_mode.value
        document["maximumAttendeeCapacity"] = value.maximum_capacity
        document["remainingAttendeeCapacity"] = value.remaining_capacity
    else:
        document["facilityUse"] = parent_id
        document["maximumUses"] = value.maximum_capacity
        document["remainingUses"] = value.remaining_capacity
        document["offers"] = [offer(own_id, o) for o in offers]
    return compact(document)
