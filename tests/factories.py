"""Small inventories built in code for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from openbook.domain.inventory import (
    Availability,
    InventoryBundle,
    Offer,
    OpportunityDraft,
    OpportunityKind,
    ParentDraft,
    ParentKind,
    Place,
    PostalAddress,
    Seller,
    SellerKind,
    TaxMode,
)
from openbook.domain.money import Money

YOGA = "https://openactive.io/activity-list#bf1a5e00-cdcf-465d-8c5a-6f57040b7f7e"
SQUASH = "https://openactive.io/facility-types#a1f82b7a-1258-4d9a-8dc5-bfc2ae961651"
START = datetime(2030, 6, 1, 9, tzinfo=UTC)


def bundle(prefix: str = "t", sessions: int = 5, slots: int = 3, capacity: int = 10) -> InventoryBundle:
    seller = Seller(
        f"{prefix}-seller",
        SellerKind.ORGANIZATION,
        f"{prefix} Leisure",
        TaxMode.GROSS,
        legal_name=f"{prefix} Leisure Ltd",
        address=PostalAddress("1 High St", "Town", "Shire", "AB1 2CD", "GB"),
    )
    place = Place(
        f"{prefix}-place", "Main Hall", PostalAddress("1 High St", "Town", "Shire", "AB1 2CD", "GB"), 51.5, -0.1
    )
    paid = Offer(
        "adult",
        Money(Decimal("5.00"), "GBP"),
        name="Adult",
        prepayment=Availability.REQUIRED,
        valid_from_before_start=timedelta(days=6),
    )

    def occurrences(name: str, kind: OpportunityKind, count: int, cap: int) -> tuple[OpportunityDraft, ...]:
        return tuple(
            OpportunityDraft(
                f"{prefix}-{name}-{n}", kind, START + timedelta(days=n), START + timedelta(days=n, hours=1), cap
            )
            for n in range(count)
        )

    return InventoryBundle(
        sellers=(seller,),
        places=(place,),
        parents=(
            ParentDraft(
                f"{prefix}-series",
                ParentKind.SESSION_SERIES,
                seller.identifier,
                "Yoga",
                (YOGA,),
                place=place.identifier,
                offers=(paid,),
                opportunities=occurrences("session", OpportunityKind.SCHEDULED_SESSION, sessions, capacity),
            ),
            ParentDraft(
                f"{prefix}-facility",
                ParentKind.FACILITY_USE,
                seller.identifier,
                "Studios",
                (SQUASH,),
                place=place.identifier,
                offers=(paid,),
                opportunities=occurrences("slot", OpportunityKind.FACILITY_USE_SLOT, slots, 4),
            ),
            ParentDraft(
                f"{prefix}-studio",
                ParentKind.INDIVIDUAL_FACILITY_USE,
                seller.identifier,
                "Studio 1",
                (SQUASH,),
                place=place.identifier,
                aggregate=f"{prefix}-facility",
                offers=(paid,),
                opportunities=occurrences("studio-slot", OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT, slots, 1),
            ),
        ),
    )
