"""The OpenActive Test Interface: opportunities made to match a test criterion, and simulated seller actions.

Opportunities are created through the same import service as `openbook import`, tagged with the test
dataset so that deleting the dataset removes exactly them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from openbook.domain import errors
from openbook.domain.errors import BookingError
from openbook.domain.intake import FieldKind, IntakeField
from openbook.domain.inventory import (
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
)
from openbook.domain.money import Money
from openbook.domain.vocabulary import Vocabulary
from openbook.services.demo import SQUASH_COURT, YOGA
from openbook.services.inventory import import_inventory
from openbook.store.port import Store

CRITERIA_PREFIX = "https://openactive.io/test-interface#"
TEST_PLACE = "test-interface-place"


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
    """A parent whose offer and opportunities (one per (identifier, start)) meet ``criterion``."""
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
    capacity = min(recipe.capacity, 1) if kind is OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT else recipe.capacity
    return ParentDraft(
        identifier=identifier,
        kind=kind.parent_kind,
        seller=seller_identifier,
        name=f"Test {kind.value} {criterion.removeprefix(CRITERIA_PREFIX)}",
        concepts=(YOGA,) if kind is OpportunityKind.SCHEDULED_SESSION else (SQUASH_COURT,),
        place=TEST_PLACE,
        offers=(offer,),
        opportunities=tuple(
            OpportunityDraft(name, kind, start, start + timedelta(hours=1), capacity, recipe.status)
            for name, start in starts
        ),
        test_dataset=dataset,
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
    tag = uuid.uuid4().hex[:12]
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
