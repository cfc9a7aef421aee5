"""The approval flow over real HTTP on both databases: P, the seller's decisions (test interface), the
customer's rejection (U), the order-proposals feed, and B by orderProposalVersion, with every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from openbook.domain.clock import FixedClock
from openbook.store.urls import DatabaseUrl
from tests.factories import bundle
from tests.http.test_booking import error_of, eventually, item_errors
from tests.http.test_open_data import load
from tests.support.booking import BookingClient, Opportunity, new_uuid
from tests.support.server_fixture import start_server

OA = "https://openactive.io/"
APPROVAL = "OpenBookingApprovalFlow"


def proposed(booking: BookingClient, oa_validator: Any, opportunity: Opportunity | None = None) -> dict[str, Any]:
    """C1, C2 and P for one approval-flow opportunity; returns the P response."""
    opportunity = opportunity or booking.create(flow=APPROVAL)
    uuid = new_uuid()
    c1 = booking.c1(uuid, booking.quote_body([opportunity]))
    assert c1.status_code == 200 and c1.json()["orderRequiresApproval"] is True, c1.text
    assert booking.c2(uuid, booking.quote_body([opportunity], customer=True)).status_code == 200
    response = booking.p(uuid, booking.order_body([opportunity]))
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{booking.api}/order-proposals/{uuid}"
    proposal: dict[str, Any] = response.json()
    oa_validator.assert_valid(proposal, "PResponse")
    return proposal


def uuid_of(proposal: dict[str, Any]) -> str:
    return str(proposal["@id"]).rsplit("/", 1)[1]


def book(booking: BookingClient, proposal: dict[str, Any], version: str | None = None) -> Any:
    body: dict[str, Any] = {
        "@context": OA,
        "@type": "Order",
        "orderProposalVersion": version or proposal["orderProposalVersion"],
    }
    if "payment" in proposal:
        body["payment"] = {"@type": "Payment", "identifier": "payment-0002", "name": "AcmeBroker Points"}
    return booking.b(uuid_of(proposal), body)


def proposal_entry(booking: BookingClient, uuid: str, **expected: str) -> dict[str, Any]:
    """The proposal's latest feed item, once it shows ``expected`` (e.g. the status)."""

    def latest() -> dict[str, Any] | None:
        entries = [e for e in booking.proposals_feed() if e["id"] == uuid]
        if entries and all(entries[-1].get("data", {}).get(k) == v for k, v in expected.items()):
            return entries[-1]
        return None

    found = eventually(latest)
    assert found is not None, f"no proposals-feed item for {uuid} with {expected}"
    return found


def test_approval_flow_end_to_end(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create(flow=APPROVAL)
    proposal = proposed(booking, oa_validator, opportunity)
    uuid = uuid_of(proposal)
    assert proposal["orderProposalStatus"] == OA + "AwaitingSellerConfirmation"
    assert proposal["orderProposalVersion"].startswith(f"{booking.api}/order-proposals/{uuid}/versions/")
    assert eventually(lambda: booking.remaining(opportunity) == 9)  # the proposal holds the place
    assert booking.proposals_feed() == []  # a proposal joins its feed only once it changes
    status = booking.client.get(f"{booking.api}/orders/{uuid}", headers=booking.auth())
    assert status.json()["orderProposalStatus"] == OA + "AwaitingSellerConfirmation"

    accepted = booking.act("SellerAcceptOrderProposalSimulateAction", proposal["@id"])
    assert accepted.status_code == 204, accepted.text
    entry = proposal_entry(booking, uuid, orderProposalStatus=OA + "SellerAccepted")
    assert entry["kind"] == "OrderProposal"
    oa_validator.assert_valid(entry["data"], "OrderProposalsFeed")
    assert entry["data"]["orderProposalVersion"] == proposal["orderProposalVersion"]

    order = book(booking, proposal)
    assert order.status_code == 201, order.text
    assert order.headers["location"] == f"{booking.api}/orders/{uuid}"
    body = order.json()
    oa_validator.assert_valid(body, "BResponse")
    assert "orderProposalVersion" not in body and body["payment"]["identifier"] == "payment-0002"
    assert body["orderedItem"][0]["orderItemStatus"] == OA + "OrderItemConfirmed"
    # Each OrderItem keeps the @id it had in the proposal (brokers match P's and B's items by @id).
    assert [i["@id"] for i in body["orderedItem"]] == [i["@id"] for i in proposal["orderedItem"]]
    assert body["orderedItem"][0]["@id"] == f"{booking.api}/orders/{uuid}#/orderedItem/1"
    again = book(booking, proposal)
    assert again.status_code == 201 and again.content == order.content  # an identical repeat is replayed
    tombstone = eventually(lambda: [e for e in booking.proposals_feed() if e["state"] == "deleted"])
    assert tombstone[0]["id"] == uuid and "data" not in tombstone[0]
    assert booking.orders_feed() == []  # the Order joins the orders feed at its first change
    assert booking.remaining(opportunity) == 9  # booking used the place the proposal held

    assert booking.cancel(uuid, [body["orderedItem"][0]["@id"]]).status_code == 204
    (cancelled,) = eventually(booking.orders_feed)
    oa_validator.assert_valid(cancelled["data"], "OrdersFeed")
    assert eventually(lambda: booking.remaining(opportunity) == 10)


def test_b_cannot_bypass_approval(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create(flow=APPROVAL)
    response = booking.b(new_uuid(), booking.order_body([opportunity]))
    assert response.status_code == 409, response.text
    oa_validator.assert_valid(response.json(), "BResponseOrderItemError")
    assert item_errors(response.json()) == [["OpportunityOfferPairNotBookableError"]]
    assert booking.remaining(opportunity) == 10


def test_b_before_acceptance_and_after_rejection_fails(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create(flow=APPROVAL)
    proposal = proposed(booking, oa_validator, opportunity)
    error_of(book(booking, proposal), 500, "OrderCreationFailedError", oa_validator)

    rejected = booking.act("SellerRejectOrderProposalSimulateAction", proposal["@id"])
    assert rejected.status_code == 204, rejected.text
    entry = proposal_entry(booking, uuid_of(proposal), orderProposalStatus=OA + "SellerRejected")
    oa_validator.assert_valid(entry["data"], "OrderProposalsFeed")
    error_of(book(booking, proposal), 500, "OrderCreationFailedError", oa_validator)
    for action in ("SellerAcceptOrderProposalSimulateAction", "SellerRejectOrderProposalSimulateAction"):
        error_of(booking.act(action, proposal["@id"]), 409, "UnableToProcessOrderItemError", oa_validator)
    # The customer's rejection of a rejected proposal changes nothing, and is not an error.
    assert booking.u(uuid_of(proposal), _rejection()).status_code == 204
    after = [e for e in booking.proposals_feed() if e["id"] == uuid_of(proposal)]
    assert after[-1]["data"]["orderProposalStatus"] == OA + "SellerRejected"


def test_accepting_twice_is_refused(booking: BookingClient, oa_validator: Any) -> None:
    proposal = proposed(booking, oa_validator)
    assert booking.act("SellerAcceptOrderProposalSimulateAction", proposal["@id"]).status_code == 204
    twice = booking.act("SellerAcceptOrderProposalSimulateAction", proposal["@id"])
    error_of(twice, 409, "UnableToProcessOrderItemError", oa_validator)
    unknown = booking.act("SellerAcceptOrderProposalSimulateAction", f"{booking.api}/order-proposals/{new_uuid()}")
    error_of(unknown, 404, "UnknownOrderError", oa_validator)


def _rejection(**extra: Any) -> dict[str, Any]:
    return {"@context": OA, "@type": "OrderProposal", "orderProposalStatus": OA + "CustomerRejected", **extra}


def test_customer_rejection(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create(flow=APPROVAL)
    proposal = proposed(booking, oa_validator, opportunity)
    uuid = uuid_of(proposal)
    oa_validator.assert_valid(_rejection(orderCustomerNote="Sorry, other plans"), "OrderProposalPatch")

    not_allowed = booking.u(uuid, _rejection(orderProposalStatus=OA + "SellerAccepted"))
    error_of(not_allowed, 400, "PatchNotAllowedOnPropertyError", oa_validator)
    excessive = booking.u(uuid, _rejection(**{"@id": "excessiveField"}))
    error_of(excessive, 400, "PatchContainsExcessivePropertiesError", oa_validator)
    error_of(booking.u(new_uuid(), _rejection()), 404, "UnknownOrderError", oa_validator)
    assert booking.proposals_feed() == []  # refused updates changed nothing

    assert booking.u(uuid, _rejection(orderCustomerNote="Sorry, other plans")).status_code == 204
    entry = proposal_entry(booking, uuid, orderProposalStatus=OA + "CustomerRejected")
    oa_validator.assert_valid(entry["data"], "OrderProposalsFeed")
    assert "orderCustomerNote" not in entry["data"]  # never published
    assert booking.u(uuid, _rejection()).status_code == 204  # repeating it is harmless
    error_of(book(booking, proposal), 500, "OrderCreationFailedError", oa_validator)
    seller = booking.act("SellerAcceptOrderProposalSimulateAction", proposal["@id"])
    error_of(seller, 409, "UnableToProcessOrderItemError", oa_validator)
    # The place stays held until a lease taken at the rejection would have expired.
    assert booking.remaining(opportunity) == 9


def test_amendment_makes_a_new_version(booking: BookingClient, oa_validator: Any) -> None:
    negotiable = booking.create("TestOpportunityBookableWithNegotiation", flow=APPROVAL)
    proposal = proposed(booking, oa_validator, negotiable)
    uuid = uuid_of(proposal)
    assert booking.act("SellerAmendOrderProposalSimulateAction", proposal["@id"]).status_code == 204
    amended = proposal_entry(booking, uuid, orderProposalStatus=OA + "AwaitingSellerConfirmation")
    oa_validator.assert_valid(amended["data"], "OrderProposalsFeed")
    new_version = amended["data"]["orderProposalVersion"]
    assert new_version != proposal["orderProposalVersion"]
    assert booking.act("SellerAcceptOrderProposalSimulateAction", proposal["@id"]).status_code == 204
    proposal_entry(booking, uuid, orderProposalStatus=OA + "SellerAccepted")

    error_of(book(booking, proposal), 500, "OrderProposalVersionOutdatedError", oa_validator)
    foreign = f"{booking.api}/order-proposals/{new_uuid()}/versions/{new_uuid()}"
    error_of(book(booking, proposal, foreign), 400, "OpenBookingError", oa_validator)
    order = book(booking, proposal, new_version)
    assert order.status_code == 201, order.text
    oa_validator.assert_valid(order.json(), "BResponse")


def test_amendment_needs_a_negotiable_offer(booking: BookingClient, oa_validator: Any) -> None:
    proposal = proposed(booking, oa_validator)
    refused = booking.act("SellerAmendOrderProposalSimulateAction", proposal["@id"])
    error_of(refused, 409, "UnableToProcessOrderItemError", oa_validator)
    assert booking.proposals_feed() == []


def test_p_checks_what_b_checks_and_uuids_stay_single_use(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create(flow=APPROVAL)
    uuid = new_uuid()
    wrong_total = booking.p(uuid, booking.order_body([opportunity], total=1.0))
    error_of(wrong_total, 400, "TotalPaymentDueMismatchError", oa_validator)
    no_customer = booking.order_body([opportunity])
    del no_customer["customer"]
    error_of(booking.p(uuid, no_customer), 400, "IncompleteCustomerDetailsError", oa_validator)
    full = booking.create("TestOpportunityBookableNoSpaces", flow=APPROVAL)
    error_of(booking.p(uuid, booking.order_body([full])), 409, "OpportunityHasInsufficientCapacityError", oa_validator)
    past = booking.create("TestOpportunityBookableInPast", flow=APPROVAL)
    not_bookable = booking.p(uuid, booking.order_body([past]))
    assert not_bookable.status_code == 409, not_bookable.text
    oa_validator.assert_valid(not_bookable.json(), "PResponseOrderItemError")
    assert not_bookable.json()["@type"] == "OrderProposal"
    assert item_errors(not_bookable.json()) == [["OpportunityOfferPairNotBookableError"]]

    body = booking.order_body([opportunity])
    first = booking.p(uuid, body)
    assert first.status_code == 201, first.text
    again = booking.p(uuid, body)
    assert again.status_code == 201 and again.content == first.content
    error_of(booking.b(uuid, booking.order_body([opportunity])), 500, "OrderAlreadyExistsError", oa_validator)
    error_of(
        booking.c2(uuid, booking.quote_body([opportunity], customer=True)), 500, "OrderAlreadyExistsError", oa_validator
    )
    version_of_nothing = {"@type": "Order", "orderProposalVersion": f"{booking.api}/order-proposals/{uuid}/versions/x"}
    error_of(booking.b(new_uuid(), version_of_nothing), 400, "OpenBookingError", oa_validator)
    other = new_uuid()
    unknown = {"@type": "Order", "orderProposalVersion": f"{booking.api}/order-proposals/{other}/versions/{new_uuid()}"}
    error_of(booking.b(other, unknown), 404, "UnknownOrderError", oa_validator)
    extra = {**unknown, "orderedItem": []}
    error_of(booking.b(other, extra), 400, "OpenBookingError", oa_validator)


def test_deleting_a_proposal_frees_its_place(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create(flow=APPROVAL)
    proposal = proposed(booking, oa_validator, opportunity)
    uuid = uuid_of(proposal)
    assert booking.act("SellerAcceptOrderProposalSimulateAction", proposal["@id"]).status_code == 204
    proposal_entry(booking, uuid, orderProposalStatus=OA + "SellerAccepted")
    assert booking.client.delete(f"{booking.api}/orders/{uuid}", headers=booking.auth()).status_code == 204
    eventually(lambda: [e for e in booking.proposals_feed() if e["state"] == "deleted"])
    assert eventually(lambda: booking.remaining(opportunity) == 10)
    error_of(book(booking, proposal), 500, "OrderAlreadyExistsError", oa_validator)


def test_a_rejected_proposals_hold_lapses(database_url: DatabaseUrl, oa_validator: Any) -> None:
    load(database_url, bundle(sessions=0, slots=0))
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    for server in start_server(database_url, clock=clock, test_mode=True, lease_duration=timedelta(minutes=15)):
        _hold_lapses(BookingClient(server.client, server.base_url), clock, oa_validator)


def _hold_lapses(booking: BookingClient, clock: FixedClock, oa_validator: Any) -> None:
    opportunity = booking.create(flow=APPROVAL)
    proposal = proposed(booking, oa_validator, opportunity)
    clock.advance(timedelta(hours=1))  # an open proposal holds its place for as long as it takes
    assert booking.c1(new_uuid(), booking.quote_body([opportunity])).status_code == 200
    assert eventually(lambda: booking.remaining(opportunity) == 8)
    assert booking.u(uuid_of(proposal), _rejection()).status_code == 204
    clock.advance(timedelta(minutes=16))  # both the lease above and the rejected proposal's hold expire
    assert booking.c1(new_uuid(), booking.quote_body([opportunity])).status_code == 200
    assert eventually(lambda: booking.remaining(opportunity) == 9)
    status = booking.client.get(f"{booking.api}/orders/{uuid_of(proposal)}", headers=booking.auth())
    assert status.json()["orderProposalStatus"] == OA + "CustomerRejected"


@pytest.mark.parametrize("flow", ["OpenBookingSimpleFlow", APPROVAL])
def test_c1_says_whether_approval_is_needed(booking: BookingClient, flow: str) -> None:
    opportunity = booking.create(flow=flow)
    c1 = booking.c1(new_uuid(), booking.quote_body([opportunity]))
    assert c1.json()["orderRequiresApproval"] is (flow == APPROVAL)
