"""Details captured while booking, over real HTTP on both databases with the official validator:
attendee details, intake forms (additional details) and payment reconciliation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from openbook.domain.inventory import PaymentReconciliation, SellerKind, TaxMode
from openbook.store.urls import DatabaseUrl
from tests.factories import bundle
from tests.http.test_booking import error_of, item_errors
from tests.http.test_open_data import load
from tests.support.booking import BookingClient, new_uuid
from tests.support.server_fixture import start_server

ACCOUNT = {"name": "AcmeBroker Points", "accountId": "SN1593", "paymentProviderId": "STRIPE"}


@pytest.fixture
def booking(database_url: DatabaseUrl) -> Iterator[BookingClient]:
    """A seller that reconciles payments against its Stripe account."""
    inventory = bundle(sessions=0, slots=0)
    seller = replace(inventory.sellers[0], payment_reconciliation=PaymentReconciliation(**_snake(ACCOUNT)))
    load(database_url, replace(inventory, sellers=(seller,)))
    for server in start_server(database_url, test_mode=True):
        yield BookingClient(server.client, server.base_url)


def _snake(account: dict[str, str]) -> dict[str, str]:
    return {"name": account["name"], "account_id": account["accountId"], "provider_id": account["paymentProviderId"]}


def answers(form: list[dict[str, Any]], **overrides: Any) -> list[dict[str, Any]]:
    valid = {"experience": "Two years", "level": "Beginner", "photo-consent": True}
    chosen = {**valid, **overrides}
    return [
        {"@type": "PropertyValue", "propertyID": field["@id"], "value": chosen[field["@id"].rsplit("/", 1)[-1]]}
        for field in form
        if field["@id"].rsplit("/", 1)[-1] in chosen
    ]


def with_answers(body: dict[str, Any], responses: list[dict[str, Any]]) -> dict[str, Any]:
    body["orderedItem"][0]["orderItemIntakeFormResponse"] = responses
    return body


def test_intake_form_is_asked_at_c1_and_checked_at_c2_and_b(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create("TestOpportunityBookableAdditionalDetails")
    uuid = new_uuid()
    c1 = booking.c1(uuid, booking.quote_body([opportunity]))
    assert c1.status_code == 200, c1.text  # answers are not due at C1
    oa_validator.assert_valid(c1.json(), "C1Response")
    form = c1.json()["orderedItem"][0]["orderItemIntakeForm"]
    assert [f["@type"] for f in form] == [
        "ShortAnswerFormFieldSpecification",
        "ParagraphFormFieldSpecification",
        "DropdownFormFieldSpecification",
        "BooleanFormFieldSpecification",
        "FileUploadFormFieldSpecification",
    ]
    assert "valueRequired" not in form[3]  # never on a yes/no question

    missing = booking.c2(uuid, booking.quote_body([opportunity], customer=True))
    assert missing.status_code == 409
    oa_validator.assert_valid(missing.json(), "C2ResponseOrderItemError")
    errors = missing.json()["orderedItem"][0]["error"]
    assert [(e["@type"], e["instance"].rsplit("/", 1)[-1]) for e in errors] == [
        ("IncompleteIntakeFormError", "experience"),
        ("IncompleteIntakeFormError", "level"),
    ]
    # Items only missing details still count in the totals and stay leased.
    assert missing.json()["totalPaymentDue"]["price"] == opportunity.price

    wrong = booking.c2(
        uuid, with_answers(booking.quote_body([opportunity], customer=True), answers(form, level="Expert"))
    )
    assert item_errors(wrong.json()) == [["InvalidIntakeFormError"]]
    oa_validator.assert_valid(wrong.json(), "C2ResponseOrderItemError")
    assert "Beginner" in wrong.json()["orderedItem"][0]["error"][0]["description"]

    good = answers(form, certificate="https://files.example.com/first-aid.pdf")
    c2 = booking.c2(uuid, with_answers(booking.quote_body([opportunity], customer=True), good))
    assert c2.status_code == 200, c2.text
    oa_validator.assert_valid(c2.json(), "C2Response")
    assert c2.json()["orderedItem"][0]["orderItemIntakeFormResponse"] == good

    unanswered = booking.b(
        uuid, booking.order_body([opportunity], payment={"@type": "Payment", "identifier": "p-1", **ACCOUNT})
    )
    assert item_errors(unanswered.json()) == [["IncompleteIntakeFormError", "IncompleteIntakeFormError"]]
    oa_validator.assert_valid(unanswered.json(), "BResponseOrderItemError")
    order = with_answers(
        booking.order_body([opportunity], payment={"@type": "Payment", "identifier": "p-1", **ACCOUNT}), good
    )
    b = booking.b(uuid, order)
    assert b.status_code == 201, b.text
    oa_validator.assert_valid(b.json(), "BResponse")
    assert b.json()["orderedItem"][0]["orderItemIntakeFormResponse"] == good


def test_attendee_details_are_required_after_c1(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create("TestOpportunityBookableAttendeeDetails")
    uuid = new_uuid()
    c1 = booking.c1(uuid, booking.quote_body([opportunity]))
    assert c1.status_code == 200, c1.text
    assert c1.json()["orderedItem"][0]["attendeeDetailsRequired"] == [
        "https://schema.org/givenName",
        "https://schema.org/familyName",
        "https://schema.org/email",
    ]
    c2 = booking.c2(uuid, booking.quote_body([opportunity], customer=True))
    assert item_errors(c2.json()) == [["IncompleteAttendeeDetailsError"] * 3]
    oa_validator.assert_valid(c2.json(), "C2ResponseOrderItemError")
    body = booking.quote_body([opportunity], customer=True)
    body["orderedItem"][0]["attendee"] = {"@type": "Person", "givenName": "Ada", "familyName": "L", "email": "a@x.org"}
    c2 = booking.c2(uuid, body)
    assert c2.status_code == 200, c2.text
    assert c2.json()["orderedItem"][0]["attendee"]["givenName"] == "Ada"


@pytest.mark.parametrize(
    "payment",
    [
        {"@type": "Payment"},
        {"@type": "Payment", **ACCOUNT, "accountId": "invalid-1"},
        {"@type": "Payment", **ACCOUNT, "paymentProviderId": "PAYPAL"},
    ],
)
def test_unreconcilable_payment_is_refused_at_every_stage(
    booking: BookingClient, oa_validator: Any, payment: dict[str, Any]
) -> None:
    paid, free = booking.create("TestOpportunityBookable"), booking.create("TestOpportunityBookableFree")
    for opportunity in (paid, free):  # validated even when nothing is due (spec)
        uuid = new_uuid()
        error_of(
            booking.c1(uuid, booking.quote_body([opportunity], payment=payment)),
            400,
            "InvalidPaymentDetailsError",
            oa_validator,
        )
        body = booking.quote_body([opportunity], customer=True, payment=payment)
        error_of(booking.c2(uuid, body), 400, "InvalidPaymentDetailsError", oa_validator)
    order = booking.order_body([paid], payment={**payment, "identifier": "p-2"})
    error_of(booking.b(new_uuid(), order), 400, "InvalidPaymentDetailsError", oa_validator)
    assert booking.remaining(paid) == 10  # nothing leased, nothing booked


def test_reconcilable_payment_is_accepted_and_reflected(booking: BookingClient, oa_validator: Any) -> None:
    paid = booking.create("TestOpportunityBookable")
    uuid = new_uuid()
    c1 = booking.c1(uuid, booking.quote_body([paid], payment={"@type": "Payment", **ACCOUNT}))
    assert c1.status_code == 200, c1.text
    assert c1.json()["payment"] == {"@type": "Payment", **ACCOUNT}
    b = booking.b(uuid, booking.order_body([paid], payment={"@type": "Payment", "identifier": "p-3", **ACCOUNT}))
    assert b.status_code == 201, b.text
    oa_validator.assert_valid(b.json(), "BResponse")
    assert b.json()["payment"] == {"@type": "Payment", "identifier": "p-3", **ACCOUNT}


def test_booking_terms_and_person_sellers_in_responses(database_url: DatabaseUrl, oa_validator: Any) -> None:
    inventory = bundle(sessions=0, slots=0)
    person = replace(inventory.sellers[0], kind=SellerKind.PERSON, legal_name=None, tax_mode=TaxMode.NET)
    load(database_url, replace(inventory, sellers=(person,)))
    terms = "https://operator.example.com/booking-terms"
    for server in start_server(database_url, test_mode=True, booking_terms_url=terms):
        booking = BookingClient(server.client, server.base_url)
        opportunity = booking.create("TestOpportunityBookableFree")
        payment = {"@type": "Payment", **ACCOUNT}
        c1 = booking.c1(new_uuid(), booking.quote_body([opportunity], payment=payment))
        assert c1.status_code == 200, c1.text
        oa_validator.assert_valid(c1.json(), "C1Response")
        body = c1.json()
        assert body["bookingService"]["termsOfService"][0]["url"] == terms
        assert body["seller"]["legalName"] == person.name  # a person's legal name is their name
        assert "payment" not in body  # a free order takes no payment, so none is reflected
