"""Realistic demo inventory: three sellers, a fortnight of sessions, slots and events, a class on demand."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from openbook.domain.inventory import (
    AttendanceMode,
    Availability,
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
)
from openbook.domain.money import Money

YOGA = "https://openactive.io/activity-list#bf1a5e00-cdcf-465d-8c5a-6f57040b7f7e"
ZUMBA = "https://openactive.io/activity-list#78503fa2-ed24-4a80-a224-e2e94581d8a8"
WALKING = "https://openactive.io/activity-list#95092977-5a20-4d6e-b312-8fddabe71544"
RUNNING = "https://openactive.io/activity-list#72ddb2dc-7d75-424e-880a-d90eabe91381"
CYCLING = "https://openactive.io/activity-list#4a19873e-118e-43f4-b86e-05acba8fb1de"
SQUASH_COURT = "https://openactive.io/facility-types#a1f82b7a-1258-4d9a-8dc5-bfc2ae961651"

DAYS = 14


def _gbp(amount: str) -> Money:
    return Money(Decimal(amount), "GBP")


def _sellers() -> tuple[Seller, ...]:
    return (
        Seller(
            identifier="riverside-leisure",
            kind=SellerKind.ORGANIZATION,
            name="Riverside Leisure",
            legal_name="Riverside Leisure Trust Ltd",
            tax_mode=TaxMode.GROSS,
            description="A charitable trust running two leisure centres by the river.",
            url="https://riverside-leisure.example.com",
            email="bookings@riverside-leisure.example.com",
            telephone="020 7946 0001",
            vat_id="GB123456789",
            address=PostalAddress("1 Mill Lane", "Kingston", "Surrey", "KT1 1AA", "GB"),
            terms_of_service=(Terms("Terms and conditions", "https://riverside-leisure.example.com/terms"),),
            # The spec's example account: brokers paying this seller must name it in `payment`.
            payment_reconciliation=PaymentReconciliation("AcmeBroker Points", "SN1593", "STRIPE"),
        ),
        Seller(
            identifier="sam-taylor-coaching",
            kind=SellerKind.PERSON,
            name="Sam Taylor Coaching",
            tax_mode=TaxMode.NET,
            description="Running and cycling groups for every pace.",
            url="https://samtaylor.example.com",
            email="sam@samtaylor.example.com",
            telephone="07700 900123",
            address=PostalAddress("22 Park Road", "Richmond", "Surrey", "TW9 2AB", "GB"),
        ),
        # A VAT-registered club quoting net prices: facilities need an Organization provider.
        Seller(
            identifier="northside-sports-club",
            kind=SellerKind.ORGANIZATION,
            name="Northside Sports Club",
            legal_name="Northside Sports Club CIC",
            tax_mode=TaxMode.NET,
            description="A members' club with squash and badminton courts, open to all for bookings.",
            url="https://northside-sports.example.com",
            email="desk@northside-sports.example.com",
            telephone="020 7946 0002",
            vat_id="GB987654321",
            address=PostalAddress("5 Station Road", "Teddington", "Middlesex", "TW11 8AA", "GB"),
        ),
    )


def _places() -> tuple[Place, ...]:
    return (
        Place(
            "riverside-centre",
            "Riverside Leisure Centre",
            PostalAddress("1 Mill Lane", "Kingston", "Surrey", "KT1 1AA", "GB"),
            51.4103,
            -0.3063,
        ),
        Place(
            "richmond-park-gate",
            "Richmond Park, Roehampton Gate",
            PostalAddress("Priory Lane", "London", "London", "SW15 5JR", "GB"),
            51.4542,
            -0.2466,
        ),
    )


def _sessions(
    prefix: str, days: list[datetime], start: time, minutes: int, capacity: int
) -> tuple[OpportunityDraft, ...]:
    return tuple(
        OpportunityDraft(
            identifier=f"{prefix}-{day:%Y%m%d}",
            kind=OpportunityKind.SCHEDULED_SESSION,
            start=datetime.combine(day.date(), start, UTC),
            end=datetime.combine(day.date(), start, UTC) + timedelta(minutes=minutes),
            maximum_capacity=capacity,
        )
        for day in days
    )


def _slots(
    prefix: str, kind: OpportunityKind, days: list[datetime], hours: range, uses: int
) -> tuple[OpportunityDraft, ...]:
    return tuple(
        OpportunityDraft(
            identifier=f"{prefix}-{day:%Y%m%d}-{hour:02d}",
            kind=kind,
            start=datetime.combine(day.date(), time(hour), UTC),
            end=datetime.combine(day.date(), time(hour), UTC) + timedelta(hours=1),
            maximum_capacity=uses,
        )
        for day in days
        for hour in hours
    )


def demo_inventory(today: datetime) -> InventoryBundle:
    """A fortnight from ``today``: what a small operator would publish on their first day."""
    days = [today + timedelta(days=n) for n in range(1, DAYS + 1)]
    weekdays = [d for d in days if d.weekday() < 5]
    weekends = [d for d in days if d.weekday() >= 5]
    paid = Offer(
        "adult-drop-in",
        _gbp("7.50"),
        name="Adult drop-in",
        prepayment=Availability.REQUIRED,
        valid_from_before_start=timedelta(days=7),
        latest_cancellation_before_start=timedelta(hours=12),
        allow_customer_cancellation_full_refund=True,
        min_age=16,
    )
    concession = Offer(
        "concession",
        _gbp("4.50"),
        name="Concession",
        prepayment=Availability.OPTIONAL,
        valid_from_before_start=timedelta(days=7),
        allow_customer_cancellation_full_refund=True,
        min_age=60,
    )
    free = Offer("free", _gbp("0.00"), name="Free", allow_customer_cancellation_full_refund=True)
    court = Offer(
        "court-hire",
        _gbp("12.00"),
        name="Court hire (1 hour)",
        prepayment=Availability.REQUIRED,
        latest_cancellation_before_start=timedelta(hours=24),
        allow_customer_cancellation_full_refund=True,
    )
    group_run = Offer("group-run", _gbp("5.00"), name="Group run", prepayment=Availability.REQUIRED)
    parents = (
        ParentDraft(
            "morning-yoga",
            ParentKind.SESSION_SERIES,
            "riverside-leisure",
            "Morning Yoga",
            (YOGA,),
            place="riverside-centre",
            description="Gentle vinyasa flow to start the day. Mats provided.",
            offers=(paid, concession),
            opportunities=_sessions("morning-yoga", weekdays, time(7), 60, 20),
        ),
        ParentDraft(
            "zumba-fitness",
            ParentKind.SESSION_SERIES,
            "riverside-leisure",
            "Zumba Fitness",
            (ZUMBA,),
            place="riverside-centre",
            description="High-energy dance workout.",
            offers=(paid,),
            opportunities=_sessions("zumba-fitness", days, time(18, 30), 45, 30),
        ),
        ParentDraft(
            "health-walk",
            ParentKind.SESSION_SERIES,
            "riverside-leisure",
            "Riverside Health Walk",
            (WALKING,),
            place="riverside-centre",
            description="A free, sociable walk along the towpath.",
            offers=(free,),
            opportunities=_sessions("health-walk", weekdays, time(10), 90, 25),
        ),
        ParentDraft(
            "park-run-club",
            ParentKind.SESSION_SERIES,
            "sam-taylor-coaching",
            "Park Run Club",
            (RUNNING,),
            place="richmond-park-gate",
            description="Coached 5-10 km runs, all paces welcome.",
            offers=(group_run,),
            opportunities=_sessions("park-run-club", days, time(8), 60, 15),
        ),
        ParentDraft(
            "weekend-ride",
            ParentKind.SESSION_SERIES,
            "sam-taylor-coaching",
            "Weekend Social Ride",
            (CYCLING,),
            place="richmond-park-gate",
            description="A 40 km social ride with a coffee stop.",
            offers=(group_run,),
            opportunities=_sessions("weekend-ride", weekends, time(9), 180, 12),
        ),
        ParentDraft(
            "squash-courts",
            ParentKind.FACILITY_USE,
            "riverside-leisure",
            "Squash Courts",
            (SQUASH_COURT,),
            place="riverside-centre",
            description="Four glass-backed squash courts.",
            offers=(court,),
            opportunities=_slots("squash-courts", OpportunityKind.FACILITY_USE_SLOT, days, range(9, 21), 4),
        ),
        *(
            ParentDraft(
                f"court-{n}",
                ParentKind.INDIVIDUAL_FACILITY_USE,
                "riverside-leisure",
                f"Court {n}",
                (SQUASH_COURT,),
                place="riverside-centre",
                aggregate="squash-courts",
                offers=(court,),
                opportunities=_slots(f"court-{n}", OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT, days, range(9, 21), 1),
            )
            for n in (1, 2)
        ),
    )
    on_demand = ParentDraft(
        "yoga-at-home",
        ParentKind.ON_DEMAND_EVENT,
        "riverside-leisure",
        "Yoga at Home: 30-minute Flow",
        (YOGA,),
        description="A recorded class from the Morning Yoga team, to follow at home whenever suits you.",
        offers=(Offer("stream", _gbp("3.00"), name="Stream for a month", prepayment=Availability.REQUIRED),),
        opportunities=(
            OpportunityDraft(
                "yoga-at-home",
                OpportunityKind.ON_DEMAND_EVENT,
                today,
                today + timedelta(days=365),
                1_000_000_000,
                attendance_mode=AttendanceMode.ONLINE,
                access_channel=VirtualLocation(
                    url="https://video.example.com/riverside/yoga-at-home",
                    name="Riverside On Demand",
                    description="Sign in with the email address you booked with; the class stays open for a month.",
                ),
            ),
        ),
    )
    festival_day = datetime.combine(days[-1].date(), time(10), UTC)
    festival = ParentDraft(
        "riverside-festival",
        ParentKind.HEADLINE_EVENT,
        "riverside-leisure",
        "Riverside Festival of Sport",
        (WALKING,),
        place="riverside-centre",
        description="A day of taster sessions, races and demonstrations along the river.",
        offers=(Offer("day-pass", _gbp("10.00"), name="Day pass", prepayment=Availability.REQUIRED),),
        opportunities=(
            OpportunityDraft(
                f"riverside-festival-{festival_day:%Y}",
                OpportunityKind.HEADLINE_EVENT,
                festival_day,
                festival_day + timedelta(hours=8),
                500,
            ),
            *(
                OpportunityDraft(
                    f"riverside-festival-{festival_day:%Y}-{name}",
                    OpportunityKind.HEADLINE_EVENT_SUB_EVENT,
                    festival_day + timedelta(hours=hour),
                    festival_day + timedelta(hours=hour + 1),
                    places,
                )
                for name, hour, places in (("river-5k", 1, 150), ("family-mile", 4, 80))
            ),
        ),
    )
    first_monday = next(d for d in days if d.weekday() == 0)
    classes = tuple(
        OpportunityDraft(
            f"beginners-yoga-course-{n + 1}",
            OpportunityKind.COURSE_INSTANCE_SUB_EVENT,
            datetime.combine(first_monday.date(), time(19), UTC) + timedelta(weeks=n),
            datetime.combine(first_monday.date(), time(20), UTC) + timedelta(weeks=n),
            3,  # drop-in places, besides the course's 12
        )
        for n in range(6)
    )
    course = ParentDraft(
        "beginners-yoga-course",
        ParentKind.COURSE_INSTANCE,
        "riverside-leisure",
        "Yoga for Beginners: Six-week Course",
        (YOGA,),
        place="riverside-centre",
        description="Six Monday evenings that take you from your first downward dog to a full flow.",
        offers=(Offer("course", _gbp("48.00"), name="Whole course", prepayment=Availability.REQUIRED),),
        opportunities=(
            OpportunityDraft(
                "beginners-yoga-course",
                OpportunityKind.COURSE_INSTANCE,
                classes[0].start,
                classes[-1].end,
                12,
            ),
            *classes,
        ),
    )
    parents = (*parents, *_events(days, free), festival, course, on_demand)
    return InventoryBundle(sellers=_sellers(), places=_places(), parents=parents)


def _events(days: list[datetime], free: Offer) -> tuple[ParentDraft, ...]:
    """One-off events: a race on the second Saturday, a yoga workshop on the first Sunday."""
    saturday = [d for d in days if d.weekday() == 5][-1]
    sunday = next(d for d in days if d.weekday() == 6)
    race = datetime.combine(saturday.date(), time(9), UTC)
    workshop = datetime.combine(sunday.date(), time(13), UTC)
    entry = Offer(
        "race-entry",
        _gbp("15.00"),
        name="Race entry",
        prepayment=Availability.REQUIRED,
        latest_cancellation_before_start=timedelta(days=2),
        allow_customer_cancellation_full_refund=True,
        min_age=15,
    )
    workshop_place = Offer("workshop", _gbp("25.00"), name="Workshop place", prepayment=Availability.REQUIRED)
    return (
        ParentDraft(
            "richmond-park-10k",
            ParentKind.EVENT,
            "sam-taylor-coaching",
            "Richmond Park 10k",
            (RUNNING,),
            place="richmond-park-gate",
            description="A chip-timed 10 km race round the park, with a free 2 km family fun run.",
            offers=(entry, free),
            opportunities=(
                OpportunityDraft(
                    f"richmond-park-10k-{race:%Y%m%d}", OpportunityKind.EVENT, race, race + timedelta(hours=2), 300
                ),
            ),
        ),
        ParentDraft(
            "yoga-workshop",
            ParentKind.EVENT,
            "riverside-leisure",
            "Yoga Workshop: Inversions",
            (YOGA,),
            place="riverside-centre",
            description="An afternoon workshop on headstands and handstands, for confident practitioners.",
            offers=(workshop_place,),
            opportunities=(
                OpportunityDraft(
                    f"yoga-workshop-{workshop:%Y%m%d}",
                    OpportunityKind.EVENT,
                    workshop,
                    workshop + timedelta(hours=3),
                    16,
                ),
            ),
        ),
    )
