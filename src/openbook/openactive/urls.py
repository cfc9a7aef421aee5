"""Every public @id and URL, derived from the configured public base URL (never from the Host header)."""

from __future__ import annotations

from dataclasses import dataclass

from openbook.domain.inventory import OpportunityKind, ParentKind

PARENT_SEGMENTS = {
    ParentKind.SESSION_SERIES: "session-series",
    ParentKind.FACILITY_USE: "facility-uses",
    ParentKind.INDIVIDUAL_FACILITY_USE: "individual-facility-uses",
}
OPPORTUNITY_SEGMENTS = {
    OpportunityKind.SCHEDULED_SESSION: "scheduled-sessions",
    OpportunityKind.FACILITY_USE_SLOT: "facility-use-slots",
    OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT: "individual-facility-use-slots",
    OpportunityKind.EVENT: "events",
    OpportunityKind.ON_DEMAND_EVENT: "on-demand-events",
    OpportunityKind.HEADLINE_EVENT: "headline-events",
    OpportunityKind.COURSE_INSTANCE: "course-instances",
    OpportunityKind.HEADLINE_EVENT_SUB_EVENT: "headline-event-subevents",
    OpportunityKind.COURSE_INSTANCE_SUB_EVENT: "course-instance-subevents",
}


@dataclass(frozen=True, slots=True)
class Urls:
    base: str  # e.g. "http://localhost:8000", no trailing slash
    assets: str = ""  # where customers' apps fetch pass images, when not at ``base`` (e.g. an https origin)

    @classmethod
    def for_base(cls, base: str, assets: str | None = None) -> Urls:
        return cls(base.rstrip("/"), (assets or base).rstrip("/"))

    def pass_image(self, text: str) -> str:
        """The picture of a barcode, for a customer to show at the door (served by ``openactive.passes``)."""
        return f"{self.assets or self.base}/access-passes/{text}.svg"

    @property
    def identifiers(self) -> str:
        return f"{self.base}/api/identifiers"

    @property
    def booking_api(self) -> str:
        return f"{self.base}/api/openbooking"

    @property
    def dataset_site(self) -> str:
        return f"{self.base}/openactive"

    def seller(self, seller_id: int) -> str:
        return f"{self.identifiers}/sellers/{seller_id}"

    def intake_field(self, identifier: str) -> str:
        return f"{self.identifiers}/intake-form-fields/{identifier}"

    def place(self, place_id: int) -> str:
        return f"{self.identifiers}/places/{place_id}"

    def parent(self, kind: ParentKind, parent_id: int) -> str:
        return f"{self.identifiers}/{PARENT_SEGMENTS[kind]}/{parent_id}"

    def opportunity(self, kind: OpportunityKind, opportunity_id: int) -> str:
        return f"{self.identifiers}/{OPPORTUNITY_SEGMENTS[kind]}/{opportunity_id}"

    @staticmethod
    def offer(owner_id: str, offer_id: int) -> str:
        return f"{owner_id}#/offers/{offer_id}"

    def feed(self, path: str) -> str:
        return f"{self.base}/feeds/{path}"
