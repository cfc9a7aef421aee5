"""The approval flow's rules: how an OrderProposal's status may change, and when it may become an Order.

An OrderProposal waits for the seller (AwaitingSellerConfirmation). The seller accepts it, rejects it, or
amends it (a new version, awaiting the seller's confirmation again); the customer may reject it at any time
before it is booked. Only an accepted proposal, named by its current version, can be booked.
"""

from __future__ import annotations

from enum import StrEnum

from openbook.domain import errors
from openbook.domain.errors import BookingError
from openbook.domain.inventory import OA


class ProposalStatus(StrEnum):
    AWAITING = OA + "AwaitingSellerConfirmation"
    SELLER_ACCEPTED = OA + "SellerAccepted"
    SELLER_REJECTED = OA + "SellerRejected"
    CUSTOMER_REJECTED = OA + "CustomerRejected"

    @property
    def is_rejected(self) -> bool:
        return self in (ProposalStatus.SELLER_REJECTED, ProposalStatus.CUSTOMER_REJECTED)


class Decision(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    AMEND = "amend"
    CUSTOMER_REJECT = "customer-reject"
    CUSTOMER_NOTE = "customer-note"  # a note for the seller, no change of status

    @property
    def by_customer(self) -> bool:
        return self in (Decision.CUSTOMER_REJECT, Decision.CUSTOMER_NOTE)


class ProposalRefused(Exception):
    """A decision the proposal's current status does not allow."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_OPEN = (ProposalStatus.AWAITING, ProposalStatus.SELLER_ACCEPTED)


def next_status(current: ProposalStatus, decision: Decision) -> ProposalStatus:
    """The status after ``decision``; raises ProposalRefused if the current status does not allow it.

    The customer's rejection of an already rejected proposal changes nothing and is not refused: whatever
    the order of events, the customer's wish (no booking) holds.
    """
    if decision is Decision.CUSTOMER_NOTE:
        return current
    if decision is Decision.CUSTOMER_REJECT:
        return current if current.is_rejected else ProposalStatus.CUSTOMER_REJECTED
    if current.is_rejected:
        raise ProposalRefused(f"the proposal has been rejected ({_name(current)}): it can no longer change")
    match decision:
        case Decision.ACCEPT:
            if current is ProposalStatus.SELLER_ACCEPTED:
                raise ProposalRefused("the seller has already accepted this version of the proposal")
            return ProposalStatus.SELLER_ACCEPTED
        case Decision.REJECT:
            return ProposalStatus.SELLER_REJECTED
        case Decision.AMEND:
            return ProposalStatus.AWAITING
    raise AssertionError(decision)


def booking_refusal(current: ProposalStatus, current_version: str, given_version: str) -> BookingError | None:
    """Why B with ``given_version`` cannot book this proposal now (None: it can)."""
    if given_version != current_version:
        return BookingError(
            errors.ORDER_PROPOSAL_VERSION_OUTDATED, "the seller has amended this proposal: book its latest version"
        )
    if current is not ProposalStatus.SELLER_ACCEPTED:
        reason = "the seller has not accepted it yet" if current in _OPEN else f"it was rejected ({_name(current)})"
        return BookingError(errors.ORDER_CREATION_FAILED, f"this proposal cannot be booked: {reason}")
    return None


def _name(status: ProposalStatus) -> str:
    return status.value.removeprefix(OA)
