"""Payment reconciliation details: the seller's expected values, the import format, and the rule."""

from __future__ import annotations

from typing import Any

import pytest

from openbook.domain.booking_rules import reconciliation_error, reflected_payment
from openbook.domain.inventory import PaymentReconciliation
from openbook.importing.json_format import parse_inventory_document
from tests.unit.test_import_formats import mutate, problems_of

ACCOUNT = PaymentReconciliation("AcmeBroker Points", "SN1593", "STRIPE")
GOOD = {"@type": "Payment", "name": "AcmeBroker Points", "accountId": "SN1593", "paymentProviderId": "STRIPE"}


def test_matching_or_absent_payment_passes() -> None:
    assert reconciliation_error(ACCOUNT, GOOD) is None
    assert reconciliation_error(ACCOUNT, {**GOOD, "identifier": "pay-1"}) is None
    assert reconciliation_error(ACCOUNT, None) is None  # payment is optional at C1/C2; B checks its own rules
    assert reconciliation_error(None, {"@type": "Payment", "accountId": "anything"}) is None


@pytest.mark.parametrize(
    ("payment", "named"),
    [
        ({"@type": "Payment"}, "name, accountId, paymentProviderId"),
        ({**GOOD, "accountId": "invalid-1"}, "accountId"),
        ({**GOOD, "paymentProviderId": "PAYPAL", "name": "x"}, "name, paymentProviderId"),
        ({**GOOD, "accountId": 1593}, "accountId"),
    ],
)
def test_missing_or_wrong_details_are_invalid(payment: dict[str, Any], named: str) -> None:
    error = reconciliation_error(ACCOUNT, payment)
    assert error is not None
    assert (error.kind.type, error.kind.status) == ("InvalidPaymentDetailsError", 400)
    assert named in error.description


def test_only_configured_fields_are_checked() -> None:
    account_only = PaymentReconciliation(account_id="SN1593")
    assert reconciliation_error(account_only, {"accountId": "SN1593", "name": "Whatever"}) is None


def test_import_reads_reconciliation_and_refuses_an_empty_one() -> None:
    details = {"name": "AcmeBroker Points", "accountId": "SN1593", "paymentProviderId": "STRIPE"}
    bundle = parse_inventory_document(mutate(["sellers", 0, "paymentReconciliation"], details))
    assert bundle.sellers[0].payment_reconciliation == ACCOUNT
    found = problems_of(mutate(["sellers", 0, "paymentReconciliation"], {}))
    assert any(f == "accountId" and "at least one" in m for _, f, m in found), found


def test_reflected_payment_follows_the_stage_and_the_total() -> None:
    sent = {"@type": "Payment", "identifier": "p-1", "paymentMethod": "card", **GOOD}
    quoted = reflected_payment(sent, booked=False, free=False)
    assert quoted == GOOD  # no identifier before B; unknown properties are not echoed
    assert reflected_payment(sent, booked=True, free=False) == {**GOOD, "identifier": "p-1"}
    assert reflected_payment(sent, booked=True, free=True) is None
    assert reflected_payment(sent, booked=False, free=True) is None  # checked, but a free order takes no payment
    assert reflected_payment({"@type": "Payment", "identifier": "p-1"}, booked=False, free=False) is None
    assert reflected_payment(None, booked=True, free=False) is None
