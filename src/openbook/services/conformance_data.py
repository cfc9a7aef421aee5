"""Data for the OpenActive Test Suite's random mode (`useRandomOpportunities: true`).

In random mode the suite creates nothing through the test interface: for each test it picks, from the
harvested feeds, an opportunity not yet used in the run that matches the test's criterion (by the
`@openactive/test-interface-criteria` logic), booking flow, opportunity type and seller. This module plans
and builds enough such opportunities, with the test interface's own recipes (`recipe_parent`), for every
criterion it can create, both booking flows, every opportunity kind the suite's broker can find and every
demo seller.

Each (criterion, flow, kind, seller) "bucket" is one parent whose opportunities start a minute apart. The
broker finds each kind in its own feed: sessions merged with the SessionSeries they refer to, slots with
their FacilityUse or IndividualFacilityUse, a standalone Event as it is (its organizer and offers on the
item), and an event of a HeadlineEvent or a session of a course with that whole embedded as its
`superEvent` (the whole's organizer, the event's own offers, dates and capacity). A bucket of such
sub-events is one whole (one HeadlineEvent, one CourseInstance) with all of them as its parts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from openbook.domain.inventory import (
    InventoryBundle,
    OpportunityKind,
    ParentDraft,
    ParentKind,
    Seller,
    SellerKind,
    TaxMode,
)
from openbook.services.test_interface import CRITERIA_PREFIX, recipe_for, recipe_parent, test_criteria, test_place

# How many opportunities each criterion is asked for per (booking flow, opportunity type) across all the
# suite's features, for the primary and the secondary seller: `criteriaRequirements` in the suite's
# packages/openactive-integration-tests/test/features/feature-requirements.json (suite commit 995cb492,
# summed over features). Criteria missing here are unknown to the suite's random mode.
SUITE_USES: dict[str, tuple[int, int]] = {
    "TestOpportunityBookable": (217, 5),
    "TestOpportunityBookableAdditionalDetails": (9, 0),
    "TestOpportunityBookableAttendeeDetails": (6, 0),
    "TestOpportunityBookableCancellable": (19, 0),
    "TestOpportunityBookableCancellableNoWindow": (0, 0),
    "TestOpportunityBookableCancellableOutsideWindow": (3, 0),
    "TestOpportunityBookableCancellableWithinWindow": (3, 0),
    "TestOpportunityBookableFiveSpaces": (4, 0),
    "TestOpportunityBookableFree": (30, 0),
    "TestOpportunityBookableFreeCancellable": (0, 0),
    "TestOpportunityBookableFreePrepaymentOptional": (0, 0),
    "TestOpportunityBookableFreePrepaymentRequired": (0, 0),
    "TestOpportunityBookableInPast": (3, 0),
    "TestOpportunityBookableNoSpaces": (3, 0),
    "TestOpportunityBookableNonFree": (9, 0),
    "TestOpportunityBookableNonFreeCancellable": (0, 0),
    "TestOpportunityBookableNonFreePrepaymentOptional": (8, 0),
    "TestOpportunityBookableNonFreePrepaymentRequired": (9, 0),
    "TestOpportunityBookableNonFreePrepaymentUnavailable": (13, 0),
    "TestOpportunityBookableNonFreeTaxGross": (12, 0),
    "TestOpportunityBookableNonFreeTaxNet": (8, 0),
    "TestOpportunityBookableNotCancellable": (1, 0),
    "TestOpportunityBookableOneSpace": (4, 0),
    "TestOpportunityBookableOutsideValidFromBeforeStartDate": (3, 0),
    "TestOpportunityBookableSellerTermsOfService": (4, 0),
    "TestOpportunityBookableUsingPayment": (15, 0),
    "TestOpportunityBookableWithNegotiation": (3, 0),
    "TestOpportunityBookableWithinValidFromBeforeStartDate": (3, 0),
    "TestOpportunityOfflineBookable": (15, 0),
    "TestOpportunityOnlineBookable": (6, 0),
}

MARGIN = 2
SPACING = timedelta(minutes=1)
# Random mode only picks opportunities starting more than two hours after the harvest began.
RANDOM_MODE_HORIZON = timedelta(hours=2)

# Criteria that hold only for some sellers (the criterion reads the organizer/provider).
_SELLER_CONDITIONS: dict[str, tuple[Callable[[Seller], bool], str]] = {
    "TestOpportunityBookableNonFreeTaxNet": (lambda s: s.tax_mode is TaxMode.NET, "the seller is not TaxNet"),
    "TestOpportunityBookableNonFreeTaxGross": (lambda s: s.tax_mode is TaxMode.GROSS, "the seller is not TaxGross"),
    "TestOpportunityBookableSellerTermsOfService": (
        lambda s: bool(s.terms_of_service),
        "the seller publishes no terms of service",
    ),
}

# Criteria whose opportunities the suite asserts are absent from the feeds of a system that implements a
# feature openbook implements (`describeUnmatchedCriteriaFeature` in the suite's feature helper).
_ASSERTED_ABSENT = {
    "TestOpportunityBookableFreePrepaymentOptional": "free-opportunities",
    "TestOpportunityBookableFreePrepaymentRequired": "free-opportunities",
}

# Parents whose seller the data model requires to be an Organization (`provider`, not `organizer`).
_ORGANIZATION_ONLY = {ParentKind.FACILITY_USE, ParentKind.INDIVIDUAL_FACILITY_USE}
# The kinds the suite's random mode can pick (its broker harvests their feeds, and the criteria can match
# them), and why the others are left out (decision 0015).
RANDOM_MODE_KINDS = (
    OpportunityKind.SCHEDULED_SESSION,
    OpportunityKind.FACILITY_USE_SLOT,
    OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT,
    OpportunityKind.EVENT,
    OpportunityKind.HEADLINE_EVENT_SUB_EVENT,
    OpportunityKind.COURSE_INSTANCE_SUB_EVENT,
)
_NOT_PICKABLE = {
    OpportunityKind.ON_DEMAND_EVENT: (
        "every criterion needs a startDate over two hours ahead and a remaining capacity, "
        "which an OnDemandEvent does not publish"
    ),
    OpportunityKind.HEADLINE_EVENT: "the suite's broker does not harvest HeadlineEvent feeds (only their events')",
    OpportunityKind.COURSE_INSTANCE: "the suite's broker does not harvest CourseInstance feeds (only their sessions')",
}
# Criteria that read eventAttendanceMode, which a Slot does not have (the criteria count a facility's slot
# as attended in person).
_EVENTS_ONLY = {"TestOpportunityOnlineBookable"}

# Criteria that ask for an exact number of remaining spaces (the others need "at least two, or one").
_EXACT_SPACES = {
    "TestOpportunityBookableNoSpaces",
    "TestOpportunityBookableOneSpace",
    "TestOpportunityBookableFiveSpaces",
}


@dataclass(frozen=True, slots=True)
class Bucket:
    """So many opportunities meeting ``criterion`` in one booking flow, of one kind, from one seller."""

    criterion: str
    approval: bool
    kind: OpportunityKind
    seller: Seller
    count: int

    @property
    def flow(self) -> str:
        return "OpenBookingApprovalFlow" if self.approval else "OpenBookingSimpleFlow"


@dataclass(frozen=True, slots=True)
class LeftOut:
    """What was not generated (``None``: for every criterion, kind or seller) and why."""

    criterion: str | None
    reason: str
    kind: OpportunityKind | None = None
    seller: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    buckets: tuple[Bucket, ...]
    left_out: tuple[LeftOut, ...]

    @property
    def opportunity_count(self) -> int:
        return sum(bucket.count for bucket in self.buckets)


def _probe(criterion: str, kind: OpportunityKind, seller: Seller) -> ParentDraft:
    return recipe_parent(
        identifier="probe",
        kind=kind,
        seller_identifier=seller.identifier,
        criterion=criterion,
        approval=False,
        starts=(("probe", datetime(2000, 1, 1)),),
        dataset=None,
    )


def _why_not_criterion(criterion: str) -> str | None:
    """Why no opportunity made for ``criterion`` can be picked in random mode, if so."""
    if criterion not in SUITE_USES:
        return "not a criterion of the suite's random mode"
    if criterion in _ASSERTED_ABSENT:
        return f"the suite asserts there is none in the feeds when {_ASSERTED_ABSENT[criterion]} is implemented"
    starts_in = recipe_for(criterion, approval=False).starts_in
    if starts_in < timedelta(0):
        return (
            "it wants opportunities that have ended, which a run declaring past-opportunities not implemented "
            "asserts are absent (declare it null in random mode)"
        )
    if starts_in <= RANDOM_MODE_HORIZON:
        return "its opportunities start within 2 hours (random mode picks only later ones)"
    return None


def _why_not_kind(kind: OpportunityKind, seller: Seller) -> str | None:
    """Why no opportunity of this kind can be published for this seller, if so."""
    if kind not in RANDOM_MODE_KINDS:
        return _NOT_PICKABLE.get(kind, f"the suite's random mode cannot pick a {kind.value}")
    if kind.parent_kind in _ORGANIZATION_ONLY and seller.kind is not SellerKind.ORGANIZATION:
        return f"the provider of a {kind.parent_kind.value} must be an Organization, not a {seller.kind.value}"
    return None


def _why_not(criterion: str, kind: OpportunityKind, seller: Seller) -> str | None:
    """Why the recipe for ``criterion`` gives no match for this kind and seller, if so."""
    condition = _SELLER_CONDITIONS.get(criterion)
    if condition is not None and not condition[0](seller):
        return condition[1]
    if criterion in _EVENTS_ONLY and kind.parent_kind.is_facility:
        return f"a {kind.value} has no eventAttendanceMode (the criteria count it as attended in person)"
    capacity = _probe(criterion, kind, seller).opportunities[0].maximum_capacity
    expected = recipe_for(criterion, approval=False).capacity
    if criterion in _EXACT_SPACES and capacity != expected:
        return f"{kind.value} capacity is at most {capacity}; the criterion needs {expected}"
    return None


def conformance_plan(sellers: Sequence[Seller], *, margin: int = MARGIN, per_bucket: int | None = None) -> Plan:
    """Buckets for every test-interface criterion, both flows, every kind and each of ``sellers`` (primary first).

    Each bucket holds ``margin`` times the suite's uses of the criterion by that seller (at least
    ``margin``), or exactly ``per_bucket`` opportunities when given.
    """
    buckets: list[Bucket] = []
    left_out: list[LeftOut] = []
    criteria = []
    for criterion in test_criteria():
        why_not = _why_not_criterion(criterion)
        if why_not is None:
            criteria.append(criterion)
        else:
            left_out.append(LeftOut(criterion, why_not))
    for criterion in SUITE_USES:
        if criterion not in criteria and criterion not in test_criteria():
            left_out.append(LeftOut(criterion, "the test interface has no recipe for it"))
    for kind in OpportunityKind:
        for role, seller in enumerate(sellers):
            why_not = _why_not_kind(kind, seller)
            if why_not is not None:
                left_out.append(LeftOut(None, why_not, kind, seller.identifier))
                continue
            for criterion in criteria:
                reason = _why_not(criterion, kind, seller)
                if reason is not None:
                    left_out.append(LeftOut(criterion, reason, kind, seller.identifier))
                    continue
                # The suite sends a seller-dependent criterion to whichever seller meets it (e.g. the tax
                # tests book from the seller with that tax mode), so that seller gets all its uses.
                by_role = SUITE_USES[criterion]
                uses = sum(by_role) if criterion in _SELLER_CONDITIONS else by_role[min(role, 1)]
                count = per_bucket if per_bucket is not None else margin * max(uses, 1)
                for approval in (False, True):
                    buckets.append(Bucket(criterion, approval, kind, seller, count))
    return Plan(tuple(buckets), tuple(left_out))


def bucket_identifier(bucket: Bucket) -> str:
    """The identifier of the bucket's parent (its opportunities' identifiers add -0000, -0001, …)."""
    flow = "approval" if bucket.approval else "simple"
    name = bucket.criterion.removeprefix(CRITERIA_PREFIX).removeprefix("TestOpportunity")
    return f"conformance-{bucket.seller.identifier}-{bucket.kind.value}-{flow}-{name}"


def _parent(bucket: Bucket, now: datetime) -> ParentDraft:
    start = (now + recipe_for(bucket.criterion, bucket.approval).starts_in).replace(second=0, microsecond=0)
    identifier = bucket_identifier(bucket)
    return recipe_parent(
        identifier=identifier,
        kind=bucket.kind,
        seller_identifier=bucket.seller.identifier,
        criterion=bucket.criterion,
        approval=bucket.approval,
        starts=tuple((f"{identifier}-{n:04d}", start + n * SPACING) for n in range(bucket.count)),
        dataset=None,  # not a test dataset: the suite's dataset deletion must leave these alone
    )


def with_conformance_data(bundle: InventoryBundle, plan: Plan, now: datetime) -> InventoryBundle:
    """``bundle`` plus the planned opportunities (and the test interface's place), to import in one go."""
    return InventoryBundle(
        sellers=bundle.sellers,
        places=(*bundle.places, test_place()),
        parents=(*bundle.parents, *(_parent(bucket, now) for bucket in plan.buckets)),
    )


def conformance_bundle(
    bundle: InventoryBundle, now: datetime, per_bucket: int | None, say: Callable[[str], None]
) -> InventoryBundle:
    """``bundle`` (the demo inventory) with the conformance data planned for its sellers; ``say`` reports the plan."""
    plan = conformance_plan(bundle.sellers, per_bucket=per_bucket)
    say(f"conformance data: {plan.opportunity_count} opportunities in {len(plan.buckets)} buckets")
    for left in plan.left_out:
        where = f" for {left.kind.value} from {left.seller}" if left.kind is not None else ""
        say(f"  left out {left.criterion or 'every criterion'}{where}: {left.reason}")
    return with_conformance_data(bundle, plan, now)
