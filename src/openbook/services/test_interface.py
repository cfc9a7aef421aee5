"""The OpenActive Test Interface: opportunities made to match a test criterion, and simulated seller actions.

Opportunities are created through the same import service as `openbook import`, tagged with the test
dataset so that deleting the dataset removes exactly them.
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from openbook.domain import errors
from openbook.domain.clock import from_epoch_ms
from openbook.domain.errors import BookingError
from openbook.domain.intake import FieldKind, IntakeField
from openbook.domain.inventory import (
    AttendanceMode,
    Availability,
    EventStatus,
    FlowRequirement,
    InventoryBundle,
    Offer,
    OpportunityDraft,
    OpportunityKind,
    ParentDraft,
    Place,
    PostalAddress,
    VirtualLocation,
)
from openbook.domain.money import Money
from openbook.domain.orders import OrderItemStatus
from openbook.domain.vocabulary import Vocabulary
from openbook.importing.problems import ImportRejected
from openbook.services.demo import SQUASH_COURT, YOGA
from openbook.services.inventory import import_inventory
from openbook.services.logistics import Logistics, change_logistics
from openbook.services.seller_actions import replace_item
from openbook.store.port import IdentifierConflict, OpportunityLogistics, Partner, Store, StoredItem, StoredOrder

CRITERIA_PREFIX = "https://openactive.io/test-interface#"
TEST_PLACE = "test-interface-place"
ON_DEMAND_AVAILABILITY = timedelta(days=365)
COURSE_SESSIONS = 4


@dataclass(frozen=True, slots=True)
class Recipe:
    """What an opportunity needs to look like to meet one criterion."""

    capacity: int = 10
    price: str = "10.00"
    prepayment: Availability | None = None
    starts_in: timedelta = timedelta(days=2)
    valid_from: timedelta | None = None
    valid_through: timedelta | None = None
    cancellation_window: timedelta | None = None
    full_refund: bool = True
    requirements: tuple[FlowRequirement, ...] = ()
    status: EventStatus = EventStatus.SCHEDULED
    intake_form: tuple[IntakeField, ...] = ()
    attendance: AttendanceMode = AttendanceMode.OFFLINE


# One field of each kind, so every kind of answer (and of wrong answer) is exercised.
TEST_INTAKE_FORM = (
    IntakeField("experience", FieldKind.SHORT_ANSWER, "Experience", "How long have you done this?", required=True),
    IntakeField("injuries", FieldKind.PARAGRAPH, "Injuries", "Anything the instructor should know about?"),
    IntakeField("level", FieldKind.DROPDOWN, "Level", required=True, options=("Beginner", "Intermediate", "Advanced")),
    IntakeField("photo-consent", FieldKind.BOOLEAN, "Photo consent", "May we take photos of the session?"),
    IntakeField("certificate", FieldKind.FILE_UPLOAD, "Certificate", "A link to your first-aid certificate"),
)


_RECIPES: dict[str, Recipe] = {
    "TestOpportunityBookable": Recipe(),
    "TestOpportunityOfflineBookable": Recipe(),  # attended in person: booked places get pin codes and barcodes
    "TestOpportunityOnlineBookable": Recipe(attendance=AttendanceMode.ONLINE),  # joined through a meeting link
    "TestOpportunityBookableFree": Recipe(price="0.00"),
    "TestOpportunityBookableNonFree": Recipe(),
    "TestOpportunityBookableUsingPayment": Recipe(prepayment=Availability.REQUIRED),
    "TestOpportunityBookableNoSpaces": Recipe(capacity=0),
    "TestOpportunityBookableOneSpace": Recipe(capacity=1),
    "TestOpportunityBookableFiveSpaces": Recipe(capacity=5),
    "TestOpportunityBookableCancellable": Recipe(),
    "TestOpportunityBookableFreeCancellable": Recipe(price="0.00"),
    "TestOpportunityBookableNonFreeCancellable": Recipe(),
    "TestOpportunityBookableNotCancellable": Recipe(full_refund=False),
    "TestOpportunityBookableCancellableNoWindow": Recipe(),
    "TestOpportunityBookableCancellableWithinWindow": Recipe(cancellation_window=timedelta(hours=1)),
    "TestOpportunityBookableCancellableOutsideWindow": Recipe(cancellation_window=timedelta(days=3)),
    "TestOpportunityBookableWithinValidFromBeforeStartDate": Recipe(valid_from=timedelta(days=10)),
    "TestOpportunityBookableOutsideValidFromBeforeStartDate": Recipe(
        starts_in=timedelta(days=12), valid_from=timedelta(days=10)
    ),
    "TestOpportunityBookableInPast": Recipe(starts_in=-timedelta(days=2)),
    "TestOpportunityBookableNonFreeTaxNet": Recipe(),
    "TestOpportunityBookableNonFreeTaxGross": Recipe(),
    "TestOpportunityBookableNonFreePrepaymentOptional": Recipe(prepayment=Availability.OPTIONAL),
    "TestOpportunityBookableNonFreePrepaymentRequired": Recipe(prepayment=Availability.REQUIRED),
    "TestOpportunityBookableNonFreePrepaymentUnavailable": Recipe(prepayment=Availability.UNAVAILABLE),
    "TestOpportunityBookableFreePrepaymentOptional": Recipe(price="0.00", prepayment=Availability.OPTIONAL),
    "TestOpportunityBookableFreePrepaymentRequired": Recipe(price="0.00", prepayment=Availability.REQUIRED),
    "TestOpportunityBookableAttendeeDetails": Recipe(requirements=(FlowRequirement.ATTENDEE_DETAILS,)),
    "TestOpportunityBookableAdditionalDetails": Recipe(
        requirements=(FlowRequirement.INTAKE_FORM,), intake_form=TEST_INTAKE_FORM
    ),
    "TestOpportunityBookableWithNegotiation": Recipe(requirements=(FlowRequirement.NEGOTIATION,)),
    "TestOpportunityBookableSellerTermsOfService": Recipe(),
    "TestOpportunityNotBookableViaAvailableChannel": Recipe(),
}


def test_criteria() -> tuple[str, ...]:
    """The criteria (short names) the test interface can create opportunities for."""
    return tuple(_RECIPES)


def recipe_for(criterion: str, approval: bool) -> Recipe:
    name = criterion.removeprefix(CRITERIA_PREFIX)
    recipe = _RECIPES.get(name)
    if recipe is None:
        raise BookingError(errors.BAD_REQUEST, f"this booking system cannot create opportunities for {criterion!r}")
    if approval:
        recipe = replace(recipe, requirements=(*recipe.requirements, FlowRequirement.APPROVAL))
    return recipe


def test_place() -> Place:
    """The place every generated opportunity is held at."""
    return Place(
        TEST_PLACE,
        "Test Interface Hall",
        PostalAddress("1 Test Street", "Testville", "Testshire", "TE1 1ST", "GB"),
        51.5,
        -0.1,
    )


def recipe_parent(
    *,
    identifier: str,
    kind: OpportunityKind,
    seller_identifier: str,
    criterion: str,
    approval: bool,
    starts: Sequence[tuple[str, datetime]],
    dataset: str | None,
) -> ParentDraft:
    """A parent whose offer and opportunities (one per (identifier, start), with the sessions of a course, or
    for sub-events one whole spanning them all, as the kind needs) meet ``criterion``."""
    recipe = recipe_for(criterion, approval)
    offer = Offer(
        identifier="test-offer",
        price=Money(Decimal(recipe.price), "GBP"),
        name="Test offer",
        prepayment=recipe.prepayment,
        valid_from_before_start=recipe.valid_from,
        valid_through_before_start=recipe.valid_through,
        latest_cancellation_before_start=recipe.cancellation_window,
        allow_customer_cancellation_full_refund=recipe.full_refund,
        requirements=recipe.requirements,
        intake_form=recipe.intake_form,
    )
    return ParentDraft(
        identifier=identifier,
        kind=kind.parent_kind,
        seller=seller_identifier,
        name=f"Test {kind.value} {criterion.removeprefix(CRITERIA_PREFIX)}",
        concepts=(SQUASH_COURT,) if kind.parent_kind.is_facility else (YOGA,),
        place=TEST_PLACE,
        offers=(offer,),
        opportunities=_one_whole(
            tuple(draft for name, start in starts for draft in _drafts(recipe, kind, name, start)),
            kind,
            f"{identifier}-whole",
        ),
        test_dataset=dataset,
    )


def _one_whole(
    drafts: tuple[OpportunityDraft, ...], kind: OpportunityKind, identifier: str
) -> tuple[OpportunityDraft, ...]:
    """The sub-events of ``drafts`` under one whole spanning them (each came with its own, but a description
    has one HeadlineEvent or CourseInstance: the one its events embed)."""
    whole_kind = kind.super_event_kind
    if whole_kind is None:
        return drafts
    wholes = [draft for draft in drafts if draft.kind is whole_kind]
    whole = replace(
        wholes[0], identifier=identifier, start=min(w.start for w in wholes), end=max(w.end for w in wholes)
    )
    return (*(draft for draft in drafts if draft.kind is kind), whole)


def _drafts(recipe: Recipe, kind: OpportunityKind, name: str, start: datetime) -> tuple[OpportunityDraft, ...]:
    """The opportunity ``name`` of ``kind`` starting at ``start``, first, with the rows it needs."""
    capacity = min(recipe.capacity, 1) if kind is OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT else recipe.capacity
    end, mode = start + timedelta(hours=1), recipe.attendance
    if not kind.is_dated:  # on demand: available from `start` for a year (or, in the past, no longer)
        end = start + (ON_DEMAND_AVAILABILITY if recipe.starts_in >= timedelta(0) else timedelta(days=1))
        mode = AttendanceMode.ONLINE
    if kind.parent_kind.is_facility:  # a facility is used in person (a FacilityUse has no attendance mode)
        mode = AttendanceMode.OFFLINE
    sessions: tuple[OpportunityDraft, ...] = ()
    if kind is OpportunityKind.COURSE_INSTANCE:  # four weekly sessions, booked as a whole
        sessions = tuple(
            OpportunityDraft(
                f"{name}-{n}",
                OpportunityKind.COURSE_INSTANCE_SUB_EVENT,
                start + timedelta(weeks=n),
                start + timedelta(weeks=n, hours=1),
                capacity,
                recipe.status,
                mode,
            )
            for n in range(COURSE_SESSIONS)
        )
        end = sessions[-1].end
    whole = kind.super_event_kind
    if whole is not None:  # an event of a HeadlineEvent: the HeadlineEvent spans the day around it
        day = (start - timedelta(hours=1), end + timedelta(hours=6))
        sessions = (OpportunityDraft(f"{name}-whole", whole, *day, capacity, recipe.status, mode),)
    channel = test_meeting(name) if mode.is_remote else None
    return (OpportunityDraft(name, kind, start, end, capacity, recipe.status, mode, channel), *sessions)


def test_meeting(name: str) -> VirtualLocation:
    """A meeting link as a seller would give one, distinct for every call (renewals must differ)."""
    meeting = f"{secrets.randbelow(10**10):010d}"
    return VirtualLocation(
        url=f"https://meet.example.com/j/{meeting}?pwd={secrets.token_hex(4)}",
        name="Example Meet",
        description=f"Join {name} from a browser or the Example Meet app a few minutes before the start.",
        access_id=f"{meeting[:3]} {meeting[3:6]} {meeting[6:]}",
        access_code=f"{secrets.randbelow(10**6):06d}",
    )


async def create_test_opportunity(
    store: Store,
    vocabulary: Vocabulary,
    *,
    dataset: str,
    kind: OpportunityKind,
    seller_identifier: str,
    criterion: str,
    approval: bool,
    now: datetime,
) -> int:
    """Create one opportunity (with its own parent) meeting ``criterion``; returns its id."""
    tag = uuid4_hex()
    start = (now + recipe_for(criterion, approval).starts_in).replace(microsecond=0)
    identifier = f"test-{tag}"
    parent = recipe_parent(
        identifier=f"test-parent-{tag}",
        kind=kind,
        seller_identifier=seller_identifier,
        criterion=criterion,
        approval=approval,
        starts=((identifier, start),),
        dataset=dataset,
    )
    places = () if await store.existing_identifiers("places", [TEST_PLACE]) else (test_place(),)
    await import_inventory(store, InventoryBundle(places=places, parents=(parent,)), vocabulary)
    found = await store.existing_identifiers("opportunities", [identifier])
    return found[identifier]


# ---- simulated changes of logistics ---------------------------------------------------------------------

TEST_ANNEX = "test-interface-annex"
RENAMED = " (renamed)"
_ANNEX = Place(
    TEST_ANNEX,
    "Test Interface Annex",
    PostalAddress("2 Test Street", "Testville", "Testshire", "TE1 2ND", "GB"),
    51.6,
    -0.2,
)


def _renamed(current: OpportunityLogistics) -> Logistics:
    name = current.name
    return Logistics(name=name.removesuffix(RENAMED) if name.endswith(RENAMED) else name + RENAMED)


def _an_hour_later(current: OpportunityLogistics) -> Logistics:
    later = timedelta(hours=1)
    return Logistics(start=from_epoch_ms(current.start_ms) + later, end=from_epoch_ms(current.end_ms) + later)


def _moved(current: OpportunityLogistics) -> Logistics:
    return Logistics(place=TEST_PLACE if current.place_identifier == TEST_ANNEX else TEST_ANNEX)


SIMULATED_LOGISTICS = {"Name": _renamed, "Time": _an_hour_later, "Location": _moved}


async def simulate_change_of_logistics(
    store: Store, vocabulary: Vocabulary, opportunity_id: int, what: str, now: datetime
) -> int:
    """Rename the opportunity, move it an hour later, or move it between the test hall and the test annex,
    as its seller would (services.logistics); returns how many Orders were re-emitted."""
    if what == "Location" and not await store.existing_identifiers("places", [TEST_ANNEX]):
        with contextlib.suppress(ImportRejected, IdentifierConflict):  # made meanwhile by a concurrent request
            await import_inventory(store, InventoryBundle(places=(_ANNEX,)), vocabulary)
    return await change_logistics(store, opportunity_id, SIMULATED_LOGISTICS[what], now)


# ---- simulated replacement ------------------------------------------------------------------------------

REPLACEMENT_LATER = timedelta(days=1)


async def simulate_replacement(store: Store, partner: Partner, uuid: str, now: datetime) -> StoredOrder:
    """The seller moves the order's first confirmed place to a new occurrence of the same parent a day later
    (test opportunities have their own parent, so the occurrence is made for it), as services.seller_actions
    does for the back office."""
    place = await first_booked_place(store, partner, uuid)
    later = int(REPLACEMENT_LATER.total_seconds() * 1000)
    occurrence = await store.add_occurrence(place.opportunity_id, f"test-replacement-{uuid4_hex()}", later)
    return await replace_item(store, partner, uuid, place.line, occurrence, now)


async def first_booked_place(store: Store, partner: Partner, uuid: str, *, online: bool = False) -> StoredItem:
    """The order's first confirmed place (attended online, if ``online``): what a simulated action aimed at a
    whole Order acts on."""
    order = await store.order(partner.id, uuid)
    if order is None or order.kind != "Order":
        raise BookingError(errors.UNKNOWN_ORDER, "no order has this @id")
    booked = [item for item in order.items if item.status == OrderItemStatus.CONFIRMED.value]
    if online:
        inventory = await store.inventory_for({item.opportunity_id for item in booked})
        remote = {o.id for o in inventory.opportunities.values() if o.attendance_mode.is_remote}
        booked = [item for item in booked if item.opportunity_id in remote]
    if not booked:
        still = "attended online " if online else ""
        raise BookingError(errors.UNABLE_TO_PROCESS_ORDER_ITEM, f"no place of this order {still}is still to be used")
    return booked[0]


async def simulate_access_channel_update(store: Store, partner: Partner, uuid: str, now: datetime) -> int:
    """The seller gives a new meeting link for the opportunity of the order's first place attended online, as
    a change of logistics (services.logistics); returns how many Orders were re-emitted."""
    place = await first_booked_place(store, partner, uuid, online=True)
    return await change_logistics(
        store, place.opportunity_id, lambda current: Logistics(access_channel=test_meeting(current.name)), now
    )


def uuid4_hex() -> str:
    return uuid.uuid4().hex[:12]
