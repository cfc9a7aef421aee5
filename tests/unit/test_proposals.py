"""The approval flow's transition rules, every status against every decision."""

from __future__ import annotations

import pytest

from openbook.domain.proposals import Decision, ProposalRefused, ProposalStatus, booking_refusal, next_status

AWAITING, ACCEPTED = ProposalStatus.AWAITING, ProposalStatus.SELLER_ACCEPTED
SELLER_REJECTED, CUSTOMER_REJECTED = ProposalStatus.SELLER_REJECTED, ProposalStatus.CUSTOMER_REJECTED
REFUSED = None

EXPECTED = {
    (AWAITING, Decision.ACCEPT): ACCEPTED,
    (AWAITING, Decision.REJECT): SELLER_REJECTED,
    (AWAITING, Decision.AMEND): AWAITING,
    (AWAITING, Decision.CUSTOMER_REJECT): CUSTOMER_REJECTED,
    (AWAITING, Decision.CUSTOMER_NOTE): AWAITING,
    (ACCEPTED, Decision.ACCEPT): REFUSED,
    (ACCEPTED, Decision.REJECT): SELLER_REJECTED,
    (ACCEPTED, Decision.AMEND): AWAITING,
    (ACCEPTED, Decision.CUSTOMER_REJECT): CUSTOMER_REJECTED,
    (ACCEPTED, Decision.CUSTOMER_NOTE): ACCEPTED,
    **{(status, d): REFUSED for status in (SELLER_REJECTED, CUSTOMER_REJECTED) for d in Decision if not d.by_customer},
    **{(status, d): status for status in (SELLER_REJECTED, CUSTOMER_REJECTED) for d in Decision if d.by_customer},
}


@pytest.mark.parametrize(("status", "decision"), list(EXPECTED))
def test_every_transition(status: ProposalStatus, decision: Decision) -> None:
    expected = EXPECTED[(status, decision)]
    if expected is REFUSED:
        with pytest.raises(ProposalRefused):
            next_status(status, decision)
    else:
        assert next_status(status, decision) is expected


def test_the_table_covers_every_pair() -> None:
    assert len(EXPECTED) == len(ProposalStatus) * len(Decision)


@pytest.mark.parametrize("status", list(ProposalStatus))
def test_only_the_accepted_current_version_can_be_booked(status: ProposalStatus) -> None:
    outdated = booking_refusal(status, "v2", "v1")
    assert outdated is not None and outdated.kind.type == "OrderProposalVersionOutdatedError"
    current = booking_refusal(status, "v2", "v2")
    if status is ACCEPTED:
        assert current is None
    else:
        assert current is not None and current.kind.type == "OrderCreationFailedError"
