"""What a Seller offers: sellers, places, parent opportunities, bookable opportunities and offers.

These are plain values. Identity is the store's business (``id`` is None until stored); the
``identifier`` is the operator's own key, unique per record type, used by imports to refer to
records and to refuse duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from openbook.domain.intake import IntakeField
from openbook.domain.money import Money

OA = "https://openactive.io/"
SCHEMA = "https://schema.org/"


class SellerKind(StrEnum):
    ORGANIZATION = "Organization"
    PERSON = "Person"


class TaxMode(StrEnum):
    GROSS = OA + "TaxGross"
    NET = OA + "TaxNet"


class Availability(StrEnum):
    """Values of openBookingPrepayment and openBookingInAdvance."""

    REQUIRED = OA + "Required"
    OPTIONAL = OA + "Optional"
    UNAVAILABLE = OA + "Unavailable"


class FlowRequirement(StrEnum):
    APPROVAL = OA + "OpenBookingApproval"
    ATTENDEE_DETAILS = OA + "OpenBookingAttendeeDetails"
    INTAKE_FORM = OA + "OpenBookingIntakeForm"
    NEGOTIATION = OA + "OpenBookingNegotiation"
    MESSAGE_EXCHANGE = OA + "OpenBookingMessageExchange"


class EventStatus(StrEnum):
    SCHEDULED = SCHEMA + "EventScheduled"
    CANCELLED = SCHEMA + "EventCancelled"
    POSTPONED = SCHEMA + "EventPostponed"
    RESCHEDULED = SCHEMA + "EventRescheduled"


class AttendanceMode(StrEnum):
    OFFLINE = SCHEMA + "OfflineEventAttendanceMode"
    ONLINE = SCHEMA + "OnlineEventAttendanceMode"
    MIXED = SCHEMA + "MixedEventAttendanceMode"

    @property
    def is_remote(self) -> bool:
        """Attended (also) online: booked places need an access channel."""
        return self is not AttendanceMode.OFFLINE


def sub_event_mode_problem(whole: AttendanceMode, event: AttendanceMode) -> str | None:
    """Why an event of a HeadlineEvent attended in ``whole`` cannot be attended in ``event``, if so. It is
    published inside its whole and shares its location, which an event attended only online may not have:
    so it is attended only online exactly when its whole is."""
    if (event is AttendanceMode.ONLINE) != (whole is AttendanceMode.ONLINE):
        return "an event is attended only online exactly when its HeadlineEvent is (it shares the whole's location)"
    return None


@dataclass(frozen=True, slots=True)
class VirtualLocation:
    """How a booked customer joins an opportunity online (``accessChannel``): private, given only with a booking,
    never published in the open feeds. The model wants at least a name, a description or a URL."""

    url: str | None = None
    name: str | None = None
    description: str | None = None
    access_id: str | None = None  # a meeting number, to join without the URL
    access_code: str | None = None  # its password or pin

    def problem(self, mode: AttendanceMode) -> str | None:
        """Why this channel cannot belong to an opportunity attended in ``mode``, if so."""
        if not mode.is_remote:
            return "only an opportunity attended online (or mixed) has an access channel"
        if not (self.url or self.name or self.description):
            return "an access channel needs a url, a name or a description"
        if self.url is not None and not self.url.startswith(("https://", "http://")):
            return "an access channel's url must be an http(s) URL"
        return None


# OpenActive's VirtualLocation properties and the fields holding them (import, back office and responses).
VIRTUAL_LOCATION_PROPERTIES = {
    "url": "url",
    "name": "name",
    "description": "description",
    "accessId": "access_id",
    "accessCode": "access_code",
}


class ParentKind(StrEnum):
    """Things that group bookable opportunities, or (standalone events) describe one.

    A standalone event is stored as two rows, like every other opportunity: its description (name,
    activity, place, seller, offers) as a parent of kind EVENT, its occurrence (dates, capacity) as
    an opportunity. The parent row is never published on its own: the event's feed item merges both
    (docs/decisions/0015-opportunity-types.md).
    """

    SESSION_SERIES = "SessionSeries"
    FACILITY_USE = "FacilityUse"
    INDIVIDUAL_FACILITY_USE = "IndividualFacilityUse"
    EVENT = "Event"
    ON_DEMAND_EVENT = "OnDemandEvent"
    HEADLINE_EVENT = "HeadlineEvent"
    COURSE_INSTANCE = "CourseInstance"

    @property
    def is_published(self) -> bool:
        """Has a feed of its own (the parents of standalone events have none)."""
        return self in (ParentKind.SESSION_SERIES, ParentKind.FACILITY_USE, ParentKind.INDIVIDUAL_FACILITY_USE)

    @property
    def is_facility(self) -> bool:
        """Described by facility types rather than activities."""
        return self in (ParentKind.FACILITY_USE, ParentKind.INDIVIDUAL_FACILITY_USE)


class OpportunityKind(StrEnum):
    """Bookable opportunity types. A CourseInstance or HeadlineEvent is booked as a whole, and each of
    its sub-events (a session of the course, an event of the HeadlineEvent) on its own."""

    SCHEDULED_SESSION = "ScheduledSession"
    FACILITY_USE_SLOT = "FacilityUseSlot"
    INDIVIDUAL_FACILITY_USE_SLOT = "IndividualFacilityUseSlot"
    EVENT = "Event"
    ON_DEMAND_EVENT = "OnDemandEvent"
    HEADLINE_EVENT = "HeadlineEvent"  # booked as a whole, like a standalone Event
    COURSE_INSTANCE = "CourseInstance"  # booked as a whole; its sessions are its subEvent
    COURSE_INSTANCE_SUB_EVENT = "CourseInstanceSubEvent"  # one session of a course (its drop-in places)
    HEADLINE_EVENT_SUB_EVENT = "HeadlineEventSubEvent"  # one event of a HeadlineEvent, booked on its own

    @property
    def sub_event_kind(self) -> OpportunityKind | None:
        """The kind of the sub-events published in this kind's ``subEvent`` (None: it has none)."""
        return _SUB_EVENT_OF.get(self)

    @property
    def has_sub_events(self) -> bool:
        return self in _SUB_EVENT_OF

    @property
    def super_event_kind(self) -> OpportunityKind | None:
        """The kind of the whole this kind is a bookable part of, embedded as its ``superEvent``."""
        return _SUPER_EVENT_OF.get(self)

    @property
    def published_type(self) -> str:
        """The @type it is published as (sub-events are plain Events)."""
        return "Event" if self in _SUPER_EVENT_OF else self.value

    @property
    def dates_only(self) -> bool:
        """Published with dates without times (a course's, as OpenActive requires)."""
        return self is OpportunityKind.COURSE_INSTANCE

    @property
    def parent_kind(self) -> ParentKind:
        return _PARENT_OF[self]

    @property
    def offers_on_parent(self) -> bool:
        """Sessions are booked with their series' offers; slots and events with offers on their own @id."""
        return self is OpportunityKind.SCHEDULED_SESSION

    @property
    def is_standalone(self) -> bool:
        """Published as one item with no parent to refer to (its parent row is its description)."""
        return not self.parent_kind.is_published

    @property
    def is_dated(self) -> bool:
        """Publishes dates and capacity. An OnDemandEvent publishes neither: its start and end are the
        window in which it can be booked (booking and cancellation windows count from the start)."""
        return self is not OpportunityKind.ON_DEMAND_EVENT


_PARENT_OF = {
    OpportunityKind.SCHEDULED_SESSION: ParentKind.SESSION_SERIES,
    OpportunityKind.FACILITY_USE_SLOT: ParentKind.FACILITY_USE,
    OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT: ParentKind.INDIVIDUAL_FACILITY_USE,
    OpportunityKind.EVENT: ParentKind.EVENT,
    OpportunityKind.ON_DEMAND_EVENT: ParentKind.ON_DEMAND_EVENT,
    OpportunityKind.HEADLINE_EVENT: ParentKind.HEADLINE_EVENT,
    OpportunityKind.COURSE_INSTANCE: ParentKind.COURSE_INSTANCE,
    OpportunityKind.COURSE_INSTANCE_SUB_EVENT: ParentKind.COURSE_INSTANCE,
    OpportunityKind.HEADLINE_EVENT_SUB_EVENT: ParentKind.HEADLINE_EVENT,
}
_SUB_EVENT_OF = {
    OpportunityKind.COURSE_INSTANCE: OpportunityKind.COURSE_INSTANCE_SUB_EVENT,
    OpportunityKind.HEADLINE_EVENT: OpportunityKind.HEADLINE_EVENT_SUB_EVENT,
}
_SUPER_EVENT_OF = {sub: whole for whole, sub in _SUB_EVENT_OF.items()}


@dataclass(frozen=True, slots=True)
class PostalAddress:
    street_address: str | None = None
    address_locality: str | None = None
    address_region: str | None = None
    postal_code: str | None = None
    address_country: str | None = None


@dataclass(frozen=True, slots=True)
class Terms:
    name: str
    url: str
    requires_explicit_consent: bool = False
    date_modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class PaymentReconciliation:
    """What a broker's `payment` must say for the seller to reconcile it (e.g. its Stripe account)."""

    name: str | None = None
    account_id: str | None = None
    provider_id: str | None = None

    def expected(self) -> dict[str, str]:
        """The Payment properties that must match, by their OpenActive names."""
        pairs = (("name", self.name), ("accountId", self.account_id), ("paymentProviderId", self.provider_id))
        return {key: value for key, value in pairs if value is not None}


@dataclass(frozen=True, slots=True)
class Seller:
    identifier: str
    kind: SellerKind
    name: str
    tax_mode: TaxMode
    legal_name: str | None = None
    is_open_booking_allowed: bool = True
    description: str | None = None
    url: str | None = None
    email: str | None = None
    telephone: str | None = None
    logo_url: str | None = None
    vat_id: str | None = None
    address: PostalAddress | None = None
    terms_of_service: tuple[Terms, ...] = ()
    id: int | None = None
    payment_reconciliation: PaymentReconciliation | None = None


@dataclass(frozen=True, slots=True)
class Place:
    identifier: str
    name: str
    address: PostalAddress | None = None
    latitude: float | None = None
    longitude: float | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    identifier: str
    price: Money
    name: str | None = None
    prepayment: Availability | None = None
    in_advance: Availability | None = None
    valid_from_before_start: timedelta | None = None
    valid_through_before_start: timedelta | None = None
    latest_cancellation_before_start: timedelta | None = None
    allow_customer_cancellation_full_refund: bool = False
    requirements: tuple[FlowRequirement, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    id: int | None = None
    intake_form: tuple[IntakeField, ...] = ()

    @property
    def is_free(self) -> bool:
        return self.price.amount == Decimal(0)


@dataclass(frozen=True, slots=True)
class ParentOpportunity:
    """A SessionSeries, FacilityUse or IndividualFacilityUse: what the booked opportunity belongs to."""

    identifier: str
    kind: ParentKind
    seller_id: int
    name: str
    concepts: tuple[str, ...]  # activity-list ids (sessions) or facility-type ids (facilities)
    place_id: int | None = None
    description: str | None = None
    url: str | None = None
    aggregate_id: int | None = None
    offers: tuple[Offer, ...] = ()
    gender_restriction: str | None = None
    test_dataset: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A bookable occurrence: a ScheduledSession or a Slot."""

    identifier: str
    kind: OpportunityKind
    parent_id: int
    seller_id: int
    start: datetime
    end: datetime
    maximum_capacity: int
    remaining_capacity: int
    event_status: EventStatus = EventStatus.SCHEDULED
    attendance_mode: AttendanceMode = AttendanceMode.OFFLINE
    test_dataset: str | None = None
    id: int | None = None
    access_channel: VirtualLocation | None = None

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class InventoryBundle:
    """Everything one import adds, cross-referenced by identifier; stored all or nothing."""

    sellers: tuple[Seller, ...] = ()
    places: tuple[Place, ...] = ()
    parents: tuple[ParentDraft, ...] = ()

    @property
    def opportunity_count(self) -> int:
        return sum(len(parent.opportunities) for parent in self.parents)


@dataclass(frozen=True, slots=True)
class OpportunityDraft:
    identifier: str
    kind: OpportunityKind
    start: datetime
    end: datetime
    maximum_capacity: int
    event_status: EventStatus = EventStatus.SCHEDULED
    attendance_mode: AttendanceMode = AttendanceMode.OFFLINE
    access_channel: VirtualLocation | None = None


@dataclass(frozen=True, slots=True)
class ParentDraft:
    """A parent opportunity before storage: it refers to its seller, place and aggregate by identifier."""

    identifier: str
    kind: ParentKind
    seller: str
    name: str
    concepts: tuple[str, ...]  # activity-list ids (sessions) or facility-type ids (facilities)
    place: str | None = None
    description: str | None = None
    url: str | None = None
    aggregate: str | None = None
    gender_restriction: str | None = None
    offers: tuple[Offer, ...] = ()
    opportunities: tuple[OpportunityDraft, ...] = field(default=())
    test_dataset: str | None = None
