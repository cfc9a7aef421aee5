"""A small Open Booking API client for tests: builds OrderQuote/Order bodies the way brokers send them."""

from __future__ import annotations

import time
import uuid as uuid_module
from dataclasses import dataclass, field
from typing import Any

import httpx

MEDIA_TYPE = "application/vnd.openactive.booking+json; version=1"
AGENT = "https://openactive.io/AgentBroker"
STANDALONE_TYPES = ("Event", "OnDemandEvent", "HeadlineEvent", "CourseInstance")
_SUB_EVENT_TYPES = {"HeadlineEventSubEvent": "Event", "CourseInstanceSubEvent": "Event"}


@dataclass
class Opportunity:
    id: str
    offer_id: str
    price: float
    type: str = "ScheduledSession"


@dataclass
class BookingClient:
    client: httpx.Client
    base_url: str
    client_id: str = "booking-partner-1"
    seller: int = 1
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"{self.base_url}/api/openbooking"

    @property
    def seller_id(self) -> str:
        return f"{self.base_url}/api/identifiers/sellers/{self.seller}"

    def auth(self, seller: int | None = None) -> dict[str, str]:
        return {
            "Content-Type": MEDIA_TYPE,
            "X-OpenActive-Test-Client-Id": self.client_id,
            "X-OpenActive-Test-Seller-Id": f"{self.base_url}/api/identifiers/sellers/{seller or self.seller}",
            **self.headers,
        }

    def create(
        self,
        criterion: str = "TestOpportunityBookable",
        kind: str = "ScheduledSession",
        dataset: str = "tests",
        flow: str = "OpenBookingSimpleFlow",
    ) -> Opportunity:
        parent: dict[str, Any]
        organizer = {"@type": "Organization", "@id": self.seller_id}
        if kind == "ScheduledSession":
            parent = {"superEvent": {"@type": "SessionSeries", "organizer": organizer}}
        elif kind in _SUB_EVENT_TYPES:
            parent = {"superEvent": {"@type": kind.removesuffix("SubEvent"), "organizer": organizer}}
        elif kind in STANDALONE_TYPES:
            parent = {"organizer": organizer}  # the suite's shape for standalone types
        else:
            parent = {"facilityUse": {"@type": kind, "provider": organizer}}
        body = {
            "@context": ["https://openactive.io/", "https://openactive.io/test-interface"],
            "@type": kind if kind in ("ScheduledSession", *STANDALONE_TYPES) else _SUB_EVENT_TYPES.get(kind, "Slot"),
            **parent,
            "test:testOpportunityCriteria": f"https://openactive.io/test-interface#{criterion}",
            "test:testOpenBookingFlow": f"https://openactive.io/test-interface#{flow}",
        }
        response = self.client.post(
            f"{self.api}/test-interface/datasets/{dataset}/opportunities", json=body, headers=self.auth()
        )
        assert response.status_code == 200, response.text
        opportunity_id = response.json()["@id"]
        return self.describe(opportunity_id, body["@type"])

    def describe(self, opportunity_id: str, type_: str) -> Opportunity:
        """Find the offer through a C1, as a broker that read the feeds would already know it."""
        kind = opportunity_id.rsplit("/", 2)[-2]
        item = self.feed_item(opportunity_id)
        # The offer lives on the parent for sessions and on the slot for facilities.
        if kind == "scheduled-sessions":
            series = self.feed_item(item["data"]["superEvent"])  # .../session-series/{id}, same shape as feeds
            offer = series["data"]["offers"][0]
        else:
            offer = item["data"]["offers"][0]
        return Opportunity(opportunity_id, offer["@id"], float(offer["price"]), type_)

    def quote_body(self, items: list[Opportunity], *, customer: bool = False, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "@context": "https://openactive.io/",
            "@type": "OrderQuote",
            "brokerRole": AGENT,
            "broker": {"@type": "Organization", "name": "MyFitnessApp", "url": "https://myfitnessapp.example.com"},
            "seller": {"@type": "Organization", "@id": self.seller_id},
            "orderedItem": [
                {
                    "@type": "OrderItem",
                    "position": position,
                    "acceptedOffer": {"@type": "Offer", "@id": item.offer_id},
                    "orderedItem": {"@type": item.type, "@id": item.id},
                }
                for position, item in enumerate(items)
            ],
        }
        if customer:
            body["customer"] = {
                "@type": "Person",
                "email": "geoff.capes@example.com",
                "givenName": "Geoff",
                "familyName": "Capes",
            }
        body.update(extra)
        return body

    def order_body(self, items: list[Opportunity], total: float | None = None, **extra: Any) -> dict[str, Any]:
        body = self.quote_body(items, customer=True)
        body["@type"] = "Order"
        due = sum(item.price for item in items) if total is None else total
        body["totalPaymentDue"] = {"@type": "PriceSpecification", "price": due, "priceCurrency": "GBP"}
        if due > 0:
            body["payment"] = {"@type": "Payment", "identifier": "payment-0001", "name": "AcmeBroker Points"}
        body.update(extra)
        return body

    def c1(self, uuid: str, body: dict[str, Any], **kw: Any) -> httpx.Response:
        return self.client.put(f"{self.api}/order-quote-templates/{uuid}", json=body, headers=self.auth(**kw))

    def c2(self, uuid: str, body: dict[str, Any], **kw: Any) -> httpx.Response:
        return self.client.put(f"{self.api}/order-quotes/{uuid}", json=body, headers=self.auth(**kw))

    def b(self, uuid: str, body: dict[str, Any], **kw: Any) -> httpx.Response:
        return self.client.put(f"{self.api}/orders/{uuid}", json=body, headers=self.auth(**kw))

    def p(self, uuid: str, body: dict[str, Any], **kw: Any) -> httpx.Response:
        proposal = {**body, "@type": "OrderProposal"}
        return self.client.put(f"{self.api}/order-proposals/{uuid}", json=proposal, headers=self.auth(**kw))

    def u(self, uuid: str, body: dict[str, Any]) -> httpx.Response:
        return self.client.patch(f"{self.api}/order-proposals/{uuid}", json=body, headers=self.auth())

    def act(self, action: str, object_id: str) -> httpx.Response:
        """A test-interface simulate action (e.g. ``SellerAcceptOrderProposalSimulateAction``) on an @id."""
        body = {
            "@context": ["https://openactive.io/", "https://openactive.io/test-interface"],
            "@type": f"test:{action}",
            "object": {"@id": object_id},
        }
        return self.client.post(f"{self.api}/test-interface/actions", json=body, headers=self.auth())

    def proposals_feed(self) -> list[dict[str, Any]]:
        return _all(self.client, f"{self.api}/order-proposals-rpde", headers=self.auth())

    def cancel(self, uuid: str, item_ids: list[str]) -> httpx.Response:
        body = {
            "@context": "https://openactive.io/",
            "@type": "Order",
            "orderedItem": [
                {"@type": "OrderItem", "@id": item_id, "orderItemStatus": "https://openactive.io/CustomerCancelled"}
                for item_id in item_ids
            ],
        }
        return self.client.patch(f"{self.api}/orders/{uuid}", json=body, headers=self.auth())

    def orders_feed(self) -> list[dict[str, Any]]:
        return _all(self.client, f"{self.api}/orders-rpde", headers=self.auth())

    def feed_items(self, kind: str) -> list[dict[str, Any]]:
        return _all(self.client, f"{self.base_url}/feeds/{kind}")

    def feed_item(self, opportunity_id: str) -> dict[str, Any]:
        """The opportunity's current feed item (waiting while a change is being numbered into the feed)."""
        kind, numeric = opportunity_id.rsplit("/", 2)[-2:]
        for _ in range(200):
            found = [i for i in self.feed_items(kind) if i["id"] == numeric]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"{opportunity_id} never appeared in its feed")

    def remaining(self, opportunity: Opportunity) -> int:
        data = self.feed_item(opportunity.id)["data"]
        return int(data.get("remainingAttendeeCapacity", data.get("remainingUses", -1)))


def new_uuid() -> str:
    return str(uuid_module.uuid4())


def _all(client: httpx.Client, url: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = client.get(url, headers=headers).json()
        items.extend(page["items"])
        if not page["items"]:
            return items
        url = page["next"]
