"""The openbook JSON inventory format (documented in docs/import-format.md)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from openbook.domain.intake import FieldKind, IntakeField, IntakeFormDefinitionError
from openbook.domain.inventory import (
    VIRTUAL_LOCATION_PROPERTIES,
    AttendanceMode,
    Availability,
    EventStatus,
    FlowRequirement,
    InventoryBundle,
    Offer,
    OpportunityDraft,
    OpportunityKind,
    ParentDraft,
    ParentKind,
    PaymentReconciliation,
    Place,
    PostalAddress,
    Seller,
    SellerKind,
    TaxMode,
    Terms,
    VirtualLocation,
    sub_event_mode_problem,
)
from openbook.importing.problems import ImportProblem, ImportRejected
from openbook.importing.reader import RecordReader

TOP_LEVEL_KEYS = (
    "sellers",
    "places",
    "sessionSeries",
    "facilityUses",
    "events",
    "headlineEvents",
    "courseInstances",
    "onDemandEvents",
)
# An on-demand event's booking window when none is given: always (customers cannot cancel once it opens).
ALWAYS_FROM = datetime(2000, 1, 1, tzinfo=UTC)
ALWAYS_UNTIL = datetime(9999, 12, 31, tzinfo=UTC)
ON_DEMAND_CAPACITY = 1_000_000_000  # no practical limit unless the operator sets one
_URL_SAFE = re.compile(r"[A-Za-z0-9_-]{1,100}")
_FIELD_SUFFIX = "FormFieldSpecification"


def parse_inventory_json(text: str | bytes) -> InventoryBundle:
    """Parse a whole file; raise ImportRejected listing every problem if anything is wrong."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportRejected([ImportProblem("file", "", f"is not valid JSON: {exc}")]) from exc
    return parse_inventory_document(document)


def parse_inventory_document(document: object) -> InventoryBundle:
    problems: list[ImportProblem] = []
    root = RecordReader("file", document, problems)
    for key in root.data:
        if key not in TOP_LEVEL_KEYS:
            root.problem(key, f"is not a known section; expected one of {', '.join(TOP_LEVEL_KEYS)}")
    sellers = root.children("sellers", lambda name, data: _seller(RecordReader(name, data, problems)))
    places = root.children("places", lambda name, data: _place(RecordReader(name, data, problems)))
    series = root.children("sessionSeries", lambda name, data: _session_series(RecordReader(name, data, problems)))
    facilities: list[ParentDraft] = []
    for group in root.children("facilityUses", lambda name, data: _facility_use(RecordReader(name, data, problems))):
        facilities.extend(group)
    events = root.children("events", lambda name, data: _event(RecordReader(name, data, problems)))
    headline = root.children(
        "headlineEvents", lambda name, data: _event(RecordReader(name, data, problems), OpportunityKind.HEADLINE_EVENT)
    )
    courses = root.children("courseInstances", lambda name, data: _course(RecordReader(name, data, problems)))
    on_demand = root.children("onDemandEvents", lambda name, data: _on_demand(RecordReader(name, data, problems)))
    if problems:
        raise ImportRejected(problems)
    parents = series + tuple(facilities) + events + headline + courses + on_demand
    return InventoryBundle(sellers=sellers, places=places, parents=parents)


def _address(reader: RecordReader, *, required: bool = False) -> PostalAddress | None:
    """A full postal address: OpenActive consumers reject one that lacks any of its five parts."""
    nested = reader.nested("address")
    if nested is None:
        if required:
            reader.problem(
                "address", "is required (streetAddress, addressLocality, addressRegion, postalCode, addressCountry)"
            )
        return None
    country = nested.text("addressCountry", required=True)
    if country is not None and (len(country) != 2 or not country.isalpha() or not country.isupper()):
        nested.problem("addressCountry", f"must be an ISO 3166-1 alpha-2 code such as GB, got {country!r}")
    return PostalAddress(
        street_address=nested.text("streetAddress", required=True),
        address_locality=nested.text("addressLocality", required=True),
        address_region=nested.text("addressRegion", required=True),
        postal_code=nested.text("postalCode", required=True),
        address_country=country,
    )


def _terms(name: str, data: object, problems: list[ImportProblem]) -> Terms | None:
    reader = RecordReader(name, data, problems)
    title, url = reader.text("name", required=True), reader.text("url", required=True)
    consent = reader.boolean("requiresExplicitConsent", False)
    modified = reader.instant("dateModified")
    if title is None or url is None:
        return None
    return Terms(name=title, url=url, requires_explicit_consent=consent, date_modified=modified)


def _seller(reader: RecordReader) -> Seller | None:
    problems = reader.problems
    identifier = reader.text("identifier", required=True)
    kind = reader.enum("type", SellerKind)
    if kind is None and "type" not in reader.data:
        reader.problem("type", "is required (Organization or Person)")
    name = reader.text("name", required=True)
    tax_mode = reader.enum("taxMode", TaxMode)
    if tax_mode is None and "taxMode" not in reader.data:
        reader.problem("taxMode", "is required (TaxGross or TaxNet)")
    terms = reader.children("termsOfService", lambda n, d: _terms(n, d, problems))
    legal_name, description = reader.text("legalName"), reader.text("description")
    url, email, telephone = reader.text("url"), reader.text("email"), reader.text("telephone")
    logo_url, vat_id, address = reader.text("logo"), reader.text("vatID"), _address(reader, required=True)
    if kind is SellerKind.ORGANIZATION and legal_name is None:
        reader.problem("legalName", "is required for an Organization seller")
    allowed = reader.boolean("isOpenBookingAllowed", True)
    reconciliation = _reconciliation(reader.nested("paymentReconciliation"))
    if identifier is None or kind is None or name is None or tax_mode is None:
        return None
    return Seller(
        identifier=identifier,
        kind=kind,
        name=name,
        tax_mode=tax_mode,
        legal_name=legal_name,
        is_open_booking_allowed=allowed,
        description=description,
        url=url,
        email=email,
        telephone=telephone,
        logo_url=logo_url,
        vat_id=vat_id,
        address=address,
        terms_of_service=terms,
        payment_reconciliation=reconciliation,
    )


def _reconciliation(reader: RecordReader | None) -> PaymentReconciliation | None:
    if reader is None:
        return None
    details = PaymentReconciliation(reader.text("name"), reader.text("accountId"), reader.text("paymentProviderId"))
    if not details.expected():
        reader.problem("accountId", "give at least one of name, accountId, paymentProviderId")
        return None
    return details


def _place(reader: RecordReader) -> Place | None:
    identifier = reader.text("identifier", required=True)
    name = reader.text("name", required=True)
    address = _address(reader)
    latitude = longitude = None
    geo = reader.nested("geo")
    if geo is not None:
        latitude, longitude = geo.number("latitude"), geo.number("longitude")
        if latitude is not None and not -90 <= latitude <= 90:
            geo.problem("latitude", f"must be between -90 and 90, got {latitude}")
        if longitude is not None and not -180 <= longitude <= 180:
            geo.problem("longitude", f"must be between -180 and 180, got {longitude}")
        if (latitude is None) != (longitude is None):
            geo.problem("", "needs both latitude and longitude")
    if address is None and geo is None:
        reader.problem("address", "a place needs an address or geo coordinates")
    if identifier is None or name is None:
        return None
    return Place(identifier=identifier, name=name, address=address, latitude=latitude, longitude=longitude)


def _offer(reader: RecordReader) -> Offer | None:
    identifier = reader.text("identifier", required=True)
    price = reader.money("price", "priceCurrency")
    requirements: list[FlowRequirement] = []
    for value in reader.text_list("openBookingFlowRequirement"):
        member = next((m for m in FlowRequirement if value in (m.value, m.value.rsplit("/", 1)[-1])), None)
        if member is None:
            reader.problem("openBookingFlowRequirement", f"unknown requirement {value!r}")
        else:
            requirements.append(member)
    min_age = max_age = None
    age = reader.nested("ageRange")
    if age is not None:
        min_age, max_age = age.integer("minValue", minimum=0), age.integer("maxValue", minimum=0)
        if min_age is not None and max_age is not None and max_age < min_age:
            age.problem("maxValue", f"must not be below minValue ({min_age})")
    valid_from = reader.duration("validFromBeforeStartDate")
    valid_through = reader.duration("validThroughBeforeStartDate")
    if valid_from is not None and valid_through is not None and valid_through >= valid_from:
        reader.problem(
            "validThroughBeforeStartDate",
            "must be shorter than validFromBeforeStartDate, or the window is empty",
        )
    name = reader.text("name")
    prepayment = reader.enum("openBookingPrepayment", Availability)
    in_advance = reader.enum("openBookingInAdvance", Availability)
    cancellation = reader.duration("latestCancellationBeforeStartDate")
    full_refund = reader.boolean("allowCustomerCancellationFullRefund", False)
    intake_form = reader.children("intakeForm", lambda n, d: _intake_field(RecordReader(n, d, reader.problems)))
    if len({field.identifier for field in intake_form}) != len(intake_form):
        reader.problem("intakeForm", "field identifiers must be unique within the offer")
    if intake_form and FlowRequirement.INTAKE_FORM not in requirements:
        requirements.append(FlowRequirement.INTAKE_FORM)  # the open data must announce the form
    elif FlowRequirement.INTAKE_FORM in requirements and not reader.data.get("intakeForm"):
        reader.problem("openBookingFlowRequirement", "OpenBookingIntakeForm needs an intakeForm with its questions")
    if identifier is None or price is None:
        return None
    if price.amount > 0 and prepayment is None:
        prepayment = Availability.REQUIRED  # the spec's default for a priced offer, made explicit
    return Offer(
        identifier=identifier,
        price=price,
        name=name,
        prepayment=prepayment,
        in_advance=in_advance,
        valid_from_before_start=valid_from,
        valid_through_before_start=valid_through,
        latest_cancellation_before_start=cancellation,
        allow_customer_cancellation_full_refund=full_refund,
        requirements=tuple(requirements),
        min_age=min_age,
        max_age=max_age,
        intake_form=intake_form,
    )


def _intake_field(reader: RecordReader) -> IntakeField | None:
    identifier = reader.text("identifier", required=True)
    name = reader.text("name", required=True)
    kind_name = reader.text("@type") or FieldKind.SHORT_ANSWER.value
    # Short names ("Dropdown") and the OpenActive type names ("DropdownFormFieldSpecification") both work.
    kind = next((k for k in FieldKind if kind_name in (k.value, k.value.removesuffix(_FIELD_SUFFIX))), None)
    if kind is None:
        names = ", ".join(k.value.removesuffix(_FIELD_SUFFIX) for k in FieldKind)
        reader.problem("@type", f"must be one of {names}; got {kind_name!r}")
    description = reader.text("description")
    required = reader.boolean("valueRequired", False)
    options = reader.text_list("valueOption")
    if identifier is None or name is None or kind is None:
        return None
    if not _URL_SAFE.fullmatch(identifier):
        reader.problem("identifier", "use letters, digits, '-' and '_' only (it becomes part of a URL)")
        return None
    try:
        return IntakeField(identifier, kind, name, description, required, options)
    except IntakeFormDefinitionError as error:
        reader.problem("valueRequired" if required else "valueOption", str(error))
        return None


def _occurrence(reader: RecordReader, kind: OpportunityKind, capacity_field: str) -> OpportunityDraft | None:
    identifier = reader.text("identifier", required=True)
    start = reader.instant("startDate", required=True)
    end = reader.instant("endDate", required=True)
    default_capacity = 1 if kind is OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT else None
    capacity = reader.integer(capacity_field, required=default_capacity is None, minimum=0)
    if capacity is None:
        capacity = default_capacity
    if kind is OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT and capacity is not None and capacity > 1:
        reader.problem(capacity_field, "an individual facility (one court, one lane) has at most 1 use per slot")
    if start is not None and end is not None and end <= start:
        reader.problem("endDate", f"must be after startDate ({start.isoformat()})")
    status = reader.enum("eventStatus", EventStatus, default=EventStatus.SCHEDULED)
    mode = reader.enum("eventAttendanceMode", AttendanceMode, default=AttendanceMode.OFFLINE)
    if identifier is None or start is None or end is None or capacity is None or end <= start:
        return None
    if status is None or mode is None:
        return None
    channel = _access_channel(reader, mode)
    return OpportunityDraft(identifier, kind, start, end, capacity, status, mode, channel)


def _access_channel(reader: RecordReader, mode: AttendanceMode) -> VirtualLocation | None:
    """``accessChannel``: how booked customers join online (url, name, description, accessId, accessCode)."""
    nested = reader.nested("accessChannel")
    if nested is None or not isinstance(reader.data["accessChannel"], dict):  # the nested reader said why
        return None
    unknown = sorted(set(nested.data) - {"@type", *VIRTUAL_LOCATION_PROPERTIES})
    if unknown:
        reader.problem("accessChannel", f"unknown field(s) {', '.join(unknown)}")
    channel = VirtualLocation(**{field: nested.text(key) for key, field in VIRTUAL_LOCATION_PROPERTIES.items()})
    problem = channel.problem(mode)
    if problem is not None:
        reader.problem("accessChannel", problem)
        return None
    return channel


def _parent_fields(
    reader: RecordReader, *, concept_field: str = "activity", inherited: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    base = inherited or {}
    identifier = reader.text("identifier", required=True)
    name = reader.text("name", required=True)
    seller = base.get("seller") or reader.text("seller", required=True)
    concepts = reader.text_list(concept_field, required=not base) or base.get("concepts", ())
    offers = reader.children("offers", lambda n, d: _offer(RecordReader(n, d, reader.problems)))
    if not reader.data.get("offers") and not base.get("offers"):
        reader.problem("offers", "at least one offer is required (a free offer has price 0)")
    identifiers = [offer.identifier for offer in offers]
    if len(set(identifiers)) != len(identifiers):
        reader.problem("offers", "offer identifiers must be unique within their parent")
    fields = dict(
        identifier=identifier,
        name=name,
        seller=seller,
        concepts=concepts,
        place=base.get("place") or reader.text("place"),
        description=reader.text("description") or base.get("description"),
        url=reader.text("url") or base.get("url"),
        gender_restriction=reader.text("genderRestriction") or base.get("gender_restriction"),
        offers=offers or base.get("offers", ()),
    )
    if identifier is None or name is None or seller is None or not concepts:
        return None
    return fields


def _session_series(reader: RecordReader) -> ParentDraft | None:
    fields = _parent_fields(reader)
    sessions = reader.children(
        "sessions",
        lambda n, d: _occurrence(
            RecordReader(n, d, reader.problems), OpportunityKind.SCHEDULED_SESSION, "maximumAttendeeCapacity"
        ),
    )
    if fields is None:
        return None
    return ParentDraft(kind=ParentKind.SESSION_SERIES, opportunities=sessions, **fields)


def _facility_use(reader: RecordReader) -> list[ParentDraft] | None:
    fields = _parent_fields(reader, concept_field="facilityType")
    slots = reader.children(
        "slots",
        lambda n, d: _occurrence(RecordReader(n, d, reader.problems), OpportunityKind.FACILITY_USE_SLOT, "maximumUses"),
    )
    individuals = reader.children(
        "individualFacilityUses", lambda n, d: _individual(RecordReader(n, d, reader.problems), fields)
    )
    if fields is None:
        return None
    facility = ParentDraft(kind=ParentKind.FACILITY_USE, opportunities=slots, **fields)
    return [facility, *individuals]


def _individual(reader: RecordReader, facility: dict[str, Any] | None) -> ParentDraft | None:
    placeholder = {"offers": (), "concepts": ("-",), "seller": "-"}
    fields = _parent_fields(reader, concept_field="facilityType", inherited=facility or placeholder)
    slots = reader.children(
        "slots",
        lambda n, d: _occurrence(
            RecordReader(n, d, reader.problems), OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT, "maximumUses"
        ),
    )
    if fields is None or facility is None:
        return None
    return ParentDraft(
        kind=ParentKind.INDIVIDUAL_FACILITY_USE,
        aggregate=facility["identifier"],
        opportunities=slots,
        **fields,
    )


def _event(reader: RecordReader, kind: OpportunityKind = OpportunityKind.EVENT) -> ParentDraft | None:
    """A standalone Event or HeadlineEvent: its description and its one occurrence, side by side in one
    record; a HeadlineEvent may list its own events (subEvents), each booked on its own."""
    fields = _parent_fields(reader)
    if reader.data.get("place") is None:
        reader.problem("place", f"is required: {kind.value} is published with its location")
    occurrence = _occurrence(reader, kind, "maximumAttendeeCapacity")
    parts: tuple[OpportunityDraft, ...] = ()
    if kind.sub_event_kind is OpportunityKind.HEADLINE_EVENT_SUB_EVENT:
        whole_mode = None if occurrence is None else occurrence.attendance_mode
        parts = reader.children("subEvents", lambda n, d: _sub_event(RecordReader(n, d, reader.problems), whole_mode))
    elif "subEvents" in reader.data:
        reader.problem("subEvents", "only a HeadlineEvent (or a CourseInstance) has sub-events")
    if fields is None or occurrence is None:
        return None
    return ParentDraft(kind=kind.parent_kind, opportunities=(occurrence, *parts), **fields)


def _sub_event(reader: RecordReader, whole_mode: AttendanceMode | None) -> OpportunityDraft | None:
    """One event of a HeadlineEvent attended in ``whole_mode`` (``sub_event_mode_problem``)."""
    draft = _occurrence(reader, OpportunityKind.HEADLINE_EVENT_SUB_EVENT, "maximumAttendeeCapacity")
    if draft is None or whole_mode is None:
        return draft
    problem = sub_event_mode_problem(whole_mode, draft.attendance_mode)
    if problem is not None:
        reader.problem("eventAttendanceMode", problem)
        return None
    return draft


def _on_demand(reader: RecordReader) -> ParentDraft | None:
    """An OnDemandEvent (a class on video): no place, dates or published capacity; optionally a window
    (availableFrom, availableUntil) in which it can be booked, and a limit on bookings."""
    fields = _parent_fields(reader)
    if reader.data.get("place") is not None:
        reader.problem("place", "an OnDemandEvent has no location in OpenActive: leave place out")
    identifier = reader.text("identifier")
    start = reader.instant("availableFrom") or ALWAYS_FROM
    end = reader.instant("availableUntil") or ALWAYS_UNTIL
    if end <= start:
        reader.problem("availableUntil", f"must be after availableFrom ({start.isoformat()})")
    capacity = reader.integer("maximumAttendeeCapacity", minimum=0)
    channel = _access_channel(reader, AttendanceMode.ONLINE)
    if fields is None or identifier is None or end <= start:
        return None
    draft = OpportunityDraft(
        identifier,
        OpportunityKind.ON_DEMAND_EVENT,
        start,
        end,
        ON_DEMAND_CAPACITY if capacity is None else capacity,
        attendance_mode=AttendanceMode.ONLINE,
        access_channel=channel,
    )
    return ParentDraft(kind=ParentKind.ON_DEMAND_EVENT, opportunities=(draft,), **fields)


def _course(reader: RecordReader) -> ParentDraft | None:
    """A CourseInstance: booked as a whole, its sessions (subEvents, at least one) giving its dates."""
    fields = _parent_fields(reader)
    if reader.data.get("place") is None:
        reader.problem("place", "is required: CourseInstance is published with its location")
    identifier = reader.text("identifier")
    capacity = reader.integer("maximumAttendeeCapacity", required=True, minimum=0)
    status = reader.enum("eventStatus", EventStatus, default=EventStatus.SCHEDULED)
    sessions = reader.children(
        "subEvents", lambda n, d: _session(RecordReader(n, d, reader.problems), status or EventStatus.SCHEDULED)
    )
    if not reader.data.get("subEvents"):
        reader.problem("subEvents", "at least one session (identifier, startDate, endDate) is required")
    if fields is None or identifier is None or capacity is None or status is None or not sessions:
        return None
    start, end = min(s.start for s in sessions), max(s.end for s in sessions)
    whole = OpportunityDraft(identifier, OpportunityKind.COURSE_INSTANCE, start, end, capacity, status)
    ordered = tuple(sorted(sessions, key=lambda s: s.start))
    return ParentDraft(kind=ParentKind.COURSE_INSTANCE, opportunities=(whole, *ordered), **fields)


def _session(reader: RecordReader, status: EventStatus) -> OpportunityDraft | None:
    """One session of a course; its own places (drop-in, booked on their own) default to none."""
    identifier = reader.text("identifier", required=True)
    capacity = reader.integer("maximumAttendeeCapacity", minimum=0) or 0
    start = reader.instant("startDate", required=True)
    end = reader.instant("endDate", required=True)
    if start is not None and end is not None and end <= start:
        reader.problem("endDate", f"must be after startDate ({start.isoformat()})")
    if identifier is None or start is None or end is None or end <= start:
        return None
    return OpportunityDraft(identifier, OpportunityKind.COURSE_INSTANCE_SUB_EVENT, start, end, capacity, status)
