"""The OpenActive Test Suite's random-mode matching, on harvested feed items, in Python.

A transcription of the npm package `@openactive/test-interface-criteria` (suite commit 995cb492,
packages/test-interface-criteria/src/criteria) and of the broker's harvesting and bucketing
(packages/openactive-broker-microservice: which feeds it reads, how a child item is merged with its
parent, and an item's opportunity type, booking flows and seller). It was checked against the package
itself on the feeds of `openbook demo --conformance-data`: every bucket agreed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from openbook.domain.durations import parse_duration

OA = "https://openactive.io/"
SCHEMA = "https://schema.org/"
Item = dict[str, Any]
OpportunityTest = Callable[[Item, "When"], bool]
OfferTest = Callable[[Item, Item, "When"], bool]


@dataclass(frozen=True, slots=True)
class When:
    harvest: datetime

    @property
    def two_hours_later(self) -> datetime:
        return self.harvest + timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class Criterion:
    opportunity: tuple[OpportunityTest, ...] = ()
    offer: tuple[OfferTest, ...] = ()

    def extend(self, opportunity: Iterable[OpportunityTest] = (), offer: Iterable[OfferTest] = ()) -> Criterion:
        return Criterion((*self.opportunity, *opportunity), (*self.offer, *offer))


def _date(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _before_start(item: Item, offer: Item, field: str) -> datetime | None:
    duration = offer.get(field)
    return None if not duration else _date(item["startDate"]) - parse_duration(duration)


def organizer(item: Item) -> Item:
    facility = item.get("facilityUse") or {}
    for candidate in (
        (item.get("superEvent") or {}).get("organizer"),
        (facility.get("aggregateFacilityUse") or {}).get("provider"),
        facility.get("provider"),
        item.get("organizer"),
        ((item.get("superEvent") or {}).get("superEvent") or {}).get("organizer"),
    ):
        if isinstance(candidate, dict):
            return candidate
    raise AssertionError(f"no organizer or provider in {item.get('@id')}")


def offers(item: Item) -> list[Item]:
    """The item's offers, then its superEvent's not overridden by identifier."""
    own: list[Item] = item.get("offers") or []
    names = {offer.get("identifier") for offer in own}
    inherited = [o for o in (item.get("superEvent") or {}).get("offers") or [] if o.get("identifier") not in names]
    return own + inherited


def capacity(item: Item) -> int | None:
    """remainingAttendeeCapacity, else remainingUses (an OnDemandEvent has neither: no capacity test holds)."""
    value = item.get("remainingAttendeeCapacity", item.get("remainingUses"))
    assert value is None or isinstance(value, int)
    return value


def _single_use(item: Item) -> bool:
    return (item.get("facilityUse") or {}).get("@type") == "IndividualFacilityUse"


def _requires(offer: Item, requirement: str) -> bool:
    return OA + requirement in (offer.get("openBookingFlowRequirement") or [])


def _price(offer: Item) -> float:
    return float(offer["price"])


# Opportunity tests
def _starts_over_two_hours_ahead(item: Item, when: When) -> bool:
    return "startDate" in item and when.two_hours_later < _date(item["startDate"])


def _not_cancelled_or_postponed(item: Item, when: When) -> bool:
    return item.get("eventStatus") not in ("https://schema.org/EventCancelled", "https://schema.org/EventPostponed")


def _at_least_two_spaces(item: Item, when: When) -> bool:
    spaces = capacity(item)
    return spaces is not None and spaces > (0 if _single_use(item) else 1)


def _open_booking_allowed(item: Item, when: When) -> bool:
    return organizer(item).get("isOpenBookingAllowed") is True


def _spaces(n: int) -> OpportunityTest:
    return lambda item, when: capacity(item) == n


def _tax_mode(mode: str) -> OpportunityTest:
    return lambda item, when: organizer(item).get("taxMode") == OA + mode


def _attendance_mode(event: Item | str) -> str | None:
    mode = event.get("eventAttendanceMode") if isinstance(event, dict) else None
    return mode if isinstance(mode, str) and mode else None


def _attended_in_person(item: Item, when: When) -> bool:
    """A facility's slot always is; an event is unless it says otherwise, its own mode deciding, else its
    superEvent's; an item with neither a mode nor a superEvent is not counted as in person."""
    if item.get("facilityUse"):
        return True
    event = item if _attendance_mode(item) else item.get("superEvent")
    return bool(event) and _attendance_mode(event) in (None, SCHEMA + "OfflineEventAttendanceMode")


def _attendable_online(item: Item, when: When) -> bool:
    """Online or mixed: the item's own mode, else its superEvent's (a facility's slot never is)."""
    event = item if _attendance_mode(item) else item.get("superEvent")
    online = (SCHEMA + "OnlineEventAttendanceMode", SCHEMA + "MixedEventAttendanceMode")
    return bool(event) and _attendance_mode(event) in online


def _has_terms(item: Item, when: When) -> bool:
    terms = organizer(item).get("termsOfService")
    return isinstance(terms, list) and len(terms) >= 1


# Offer tests
def _not_paid_with_prepayment_unavailable(offer: Item, item: Item, when: When) -> bool:
    return not (_price(offer) > 0 and offer.get("openBookingPrepayment") == OA + "Unavailable")


def _no_attendee_details(offer: Item, item: Item, when: When) -> bool:
    return not _requires(offer, "OpenBookingAttendeeDetails")


def _no_intake_form(offer: Item, item: Item, when: When) -> bool:
    return not _requires(offer, "OpenBookingIntakeForm")


def _bookable_in_advance(offer: Item, item: Item, when: When) -> bool:
    return offer.get("openBookingInAdvance") != OA + "Unavailable"


def _inside_booking_window(offer: Item, item: Item, when: When) -> bool:
    opens = _before_start(item, offer, "validFromBeforeStartDate")
    closes = _before_start(item, offer, "validThroughBeforeStartDate")
    return (opens is None or when.harvest > opens) and (closes is None or when.two_hours_later < closes)


def _has_booking_window_and_inside(offer: Item, item: Item, when: When) -> bool:
    has_window = offer.get("validFromBeforeStartDate") or offer.get("validThroughBeforeStartDate")
    return bool(has_window) and _inside_booking_window(offer, item, when)


def _has_booking_window_and_outside(offer: Item, item: Item, when: When) -> bool:
    opens = _before_start(item, offer, "validFromBeforeStartDate")
    closes = _before_start(item, offer, "validThroughBeforeStartDate")
    return (opens is not None and when.two_hours_later < opens) or (closes is not None and when.harvest > closes)


def _cancellation_deadline(offer: Item, item: Item) -> datetime | None:
    return _before_start(item, offer, "latestCancellationBeforeStartDate")


def _inside_cancellation_window_or_none(offer: Item, item: Item, when: When) -> bool:
    deadline = _cancellation_deadline(offer, item)
    return deadline is None or when.two_hours_later < deadline


def _inside_cancellation_window(offer: Item, item: Item, when: When) -> bool:
    deadline = _cancellation_deadline(offer, item)
    return deadline is not None and when.two_hours_later < deadline


def _outside_cancellation_window(offer: Item, item: Item, when: When) -> bool:
    deadline = _cancellation_deadline(offer, item)
    return deadline is not None and when.harvest > deadline


def _no_cancellation_window(offer: Item, item: Item, when: When) -> bool:
    return not offer.get("latestCancellationBeforeStartDate")


def _full_refund(offer: Item, item: Item, when: When) -> bool:
    return offer.get("allowCustomerCancellationFullRefund") is True


def _no_full_refund(offer: Item, item: Item, when: When) -> bool:
    return offer.get("allowCustomerCancellationFullRefund") is False or _outside_cancellation_window(offer, item, when)


def _free_without_prepayment(offer: Item, item: Item, when: When) -> bool:
    return _price(offer) == 0 and offer.get("openBookingPrepayment") in (None, OA + "Unavailable")


def _non_free(offer: Item, item: Item, when: When) -> bool:
    return _price(offer) > 0


def _paid_with(prepayments: tuple[str | None, ...], free: bool = False) -> OfferTest:
    def test(offer: Item, item: Item, when: When) -> bool:
        prepayment = offer.get("openBookingPrepayment")
        return (_price(offer) == 0 if free else _price(offer) > 0) and prepayment in prepayments

    return test


def _using_payment(offer: Item, item: Item, when: When) -> bool:
    return _price(offer) > 0 and offer.get("openBookingPrepayment") != OA + "Unavailable"


def _requirement(name: str) -> OfferTest:
    return lambda offer, item, when: _requires(offer, name)


FUTURE = Criterion(
    (_starts_over_two_hours_ahead, _not_cancelled_or_postponed), (_not_paid_with_prepayment_unavailable,)
)
NO_DETAILS = FUTURE.extend(offer=(_no_attendee_details, _no_intake_form))
_OPEN = (_at_least_two_spaces, _open_booking_allowed)
_WINDOW = (_bookable_in_advance, _inside_booking_window)
BOOKABLE = NO_DETAILS.extend(_OPEN, _WINDOW)
NON_FREE = BOOKABLE.extend(offer=(_non_free,))

CRITERIA: dict[str, Criterion] = {
    "TestOpportunityBookable": BOOKABLE,
    "TestOpportunityBookableFree": BOOKABLE.extend(offer=(_free_without_prepayment,)),
    "TestOpportunityBookableNonFree": NON_FREE,
    "TestOpportunityBookableUsingPayment": BOOKABLE.extend(offer=(_using_payment,)),
    "TestOpportunityBookableNoSpaces": NO_DETAILS.extend((_spaces(0),), _WINDOW),
    "TestOpportunityBookableOneSpace": NO_DETAILS.extend((_spaces(1), _open_booking_allowed), _WINDOW),
    "TestOpportunityBookableFiveSpaces": BOOKABLE.extend((_spaces(5),)),
    "TestOpportunityBookableWithinValidFromBeforeStartDate": BOOKABLE.extend(offer=(_has_booking_window_and_inside,)),
    "TestOpportunityBookableOutsideValidFromBeforeStartDate": NO_DETAILS.extend(
        (_at_least_two_spaces,), (_bookable_in_advance, _has_booking_window_and_outside)
    ),
    "TestOpportunityBookableCancellable": BOOKABLE.extend(offer=(_inside_cancellation_window_or_none, _full_refund)),
    "TestOpportunityBookableNotCancellable": BOOKABLE.extend(offer=(_no_full_refund,)),
    "TestOpportunityBookableFreeCancellable": BOOKABLE.extend(
        offer=(_free_without_prepayment, _inside_cancellation_window_or_none, _full_refund)
    ),
    "TestOpportunityBookableNonFreeCancellable": BOOKABLE.extend(
        offer=(_non_free, _inside_cancellation_window_or_none, _full_refund)
    ),
    "TestOpportunityBookableCancellableNoWindow": BOOKABLE.extend(offer=(_no_cancellation_window, _full_refund)),
    "TestOpportunityBookableCancellableWithinWindow": BOOKABLE.extend(
        offer=(_inside_cancellation_window, _full_refund)
    ),
    "TestOpportunityBookableCancellableOutsideWindow": BOOKABLE.extend(offer=(_outside_cancellation_window,)),
    "TestOpportunityBookableNonFreeTaxNet": NON_FREE.extend((_tax_mode("TaxNet"),)),
    "TestOpportunityBookableNonFreeTaxGross": NON_FREE.extend((_tax_mode("TaxGross"),)),
    "TestOpportunityBookableNonFreePrepaymentOptional": BOOKABLE.extend(offer=(_paid_with((OA + "Optional",)),)),
    "TestOpportunityBookableNonFreePrepaymentRequired": BOOKABLE.extend(offer=(_paid_with((None, OA + "Required")),)),
    "TestOpportunityBookableNonFreePrepaymentUnavailable": Criterion(
        (*_OPEN, _starts_over_two_hours_ahead, _not_cancelled_or_postponed),
        (*_WINDOW, _paid_with((OA + "Unavailable",)), _no_attendee_details, _no_intake_form),
    ),
    "TestOpportunityBookableFreePrepaymentOptional": BOOKABLE.extend(
        offer=(_paid_with((OA + "Optional",), free=True),)
    ),
    "TestOpportunityBookableFreePrepaymentRequired": BOOKABLE.extend(
        offer=(_paid_with((OA + "Required",), free=True),)
    ),
    "TestOpportunityBookableAttendeeDetails": FUTURE.extend(
        _OPEN, (*_WINDOW, _requirement("OpenBookingAttendeeDetails"), _no_intake_form)
    ),
    "TestOpportunityBookableAdditionalDetails": FUTURE.extend(
        _OPEN, (*_WINDOW, _requirement("OpenBookingIntakeForm"), _no_attendee_details)
    ),
    "TestOpportunityBookableSellerTermsOfService": BOOKABLE.extend((_has_terms,)),
    "TestOpportunityOfflineBookable": BOOKABLE.extend((_attended_in_person,)),
    "TestOpportunityOnlineBookable": BOOKABLE.extend((_attendable_online,)),
    "TestOpportunityBookableWithNegotiation": BOOKABLE.extend(offer=(_requirement("OpenBookingNegotiation"),)),
}


def matches(criterion: str, item: Item, when: When) -> bool:
    """testMatch: every opportunity test holds, and some offer passes every offer test."""
    rule = CRITERIA[criterion]
    if not all(test(item, when) for test in rule.opportunity):
        return False
    return any(all(test(offer, item, when) for test in rule.offer) for offer in offers(item))


# The dataset's feeds the broker harvests, by `additionalType`: parents (kept by @id, to merge into the
# items that refer to them) and opportunities. It ignores any other feed (HeadlineEvent, CourseInstance).
PARENT_FEEDS = {OA + "SessionSeries", OA + "FacilityUse", OA + "IndividualFacilityUse"}
OPPORTUNITY_FEEDS = {OA + "ScheduledSession", OA + "Slot", SCHEMA + "Event", SCHEMA + "OnDemandEvent"}
PARENT_LINKS = ("superEvent", "facilityUse")  # the links by which a child names its parent


def merged(item: Item, parents: dict[str, Item]) -> Item:
    """An opportunity as the broker matches it: a parent referred to by @id (a string) replaced by that
    parent's data; an embedded one (an event's HeadlineEvent or CourseInstance) kept as it is."""
    return {
        key: parents.get(value, value) if key in PARENT_LINKS and isinstance(value, str) else value
        for key, value in item.items()
    }


def opportunity_type(item: Item) -> str:
    """The broker's opportunity type: a Slot by its facilityUse, an Event by its superEvent's @type."""
    kind: str = item["@type"]
    if kind == "Slot":
        return "IndividualFacilityUseSlot" if _single_use(item) else "FacilityUseSlot"
    if kind == "Event":
        whole = (item.get("superEvent") or {}).get("@type")
        if whole in (None, "EventSeries"):
            return "Event"
        assert whole in ("HeadlineEvent", "CourseInstance"), whole
        return f"{whole}SubEvent"
    return kind


def seller_id(item: Item) -> str:
    """The seller whose compartment the broker files an item under: its own organizer first, then its
    superEvent's, its superEvent's superEvent's, its facility's provider, its aggregate facility's."""
    parent = item.get("superEvent") or {}
    facility = item.get("facilityUse") or {}
    seller = (
        item.get("organizer")
        or parent.get("organizer")
        or (parent.get("superEvent") or {}).get("organizer")
        or facility.get("provider")
        or (facility.get("aggregateFacilityUse") or {}).get("provider")
    )
    if isinstance(seller, str):
        return seller
    assert isinstance(seller, dict), item.get("@id")
    found: str = seller.get("@id") or seller["id"]
    return found


def booking_flows(item: Item) -> set[str]:
    own = item.get("offers") or (item.get("superEvent") or item.get("facilityUse") or {}).get("offers") or []
    return {
        "OpenBookingApprovalFlow" if _requires(offer, "OpenBookingApproval") else "OpenBookingSimpleFlow"
        for offer in own
    }
