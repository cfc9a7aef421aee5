"""The OpenBookingError catalogue: every error type the Open Booking API defines, with its HTTP status.

Services raise ``BookingError`` with one of these kinds; faces render it. Per-item problems are
``ItemError`` values attached to order lines and returned inside a 409 body.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErrorKind:
    type: str  # the JSON-LD @type, e.g. "OpportunityIsFullError"
    status: int
    name: str  # the fixed, human-readable name of the error type

    def __str__(self) -> str:
        return self.type


def _kind(type_: str, status: int, name: str) -> ErrorKind:
    return ErrorKind(type_, status, name)


# Whole-request errors of order creation
INCOMPLETE_CUSTOMER_DETAILS = _kind("IncompleteCustomerDetailsError", 400, "Customer details are incomplete")
INCOMPLETE_BROKER_DETAILS = _kind("IncompleteBrokerDetailsError", 400, "Broker details are incomplete")
UNNECESSARY_PAYMENT_DETAILS = _kind("UnnecessaryPaymentDetailsError", 400, "Payment details were not expected")
MISSING_PAYMENT_DETAILS = _kind("MissingPaymentDetailsError", 400, "Payment details are missing")
INCOMPLETE_PAYMENT_DETAILS = _kind("IncompletePaymentDetailsError", 400, "Payment details are incomplete")
INVALID_PAYMENT_DETAILS = _kind("InvalidPaymentDetailsError", 400, "Payment details are invalid")
TOTAL_PAYMENT_DUE_MISMATCH = _kind("TotalPaymentDueMismatchError", 400, "Total payment due does not match")
INSUFFICIENT_CAPACITY = _kind("OpportunityHasInsufficientCapacityError", 409, "Opportunity has insufficient capacity")
UNABLE_TO_PROCESS_ORDER_ITEM = _kind("UnableToProcessOrderItemError", 409, "Unable to process an OrderItem")
ORDER_ALREADY_EXISTS = _kind("OrderAlreadyExistsError", 500, "Order already exists")
ORDER_PROPOSAL_VERSION_OUTDATED = _kind("OrderProposalVersionOutdatedError", 500, "OrderProposal version is outdated")
ORDER_CREATION_FAILED = _kind("OrderCreationFailedError", 500, "Order creation failed")
UNEXPECTED_ORDER_TYPE = _kind("UnexpectedOrderTypeError", 500, "Unexpected order type")
SELLER_NOT_FOUND = _kind("SellerNotFoundError", 500, "Seller not found")
SELLER_MISMATCH = _kind("SellerMismatchError", 500, "Seller mismatch")

# Order cancellation
CANCELLATION_NOT_PERMITTED = _kind("CancellationNotPermittedError", 400, "Cancellation is not permitted")
ORDER_ITEM_NOT_WITHIN_ORDER = _kind("OrderItemNotWithinOrderError", 500, "OrderItem is not within the Order")
ORDER_ITEM_ID_INVALID = _kind("OrderItemIdInvalidError", 500, "OrderItem @id is invalid")

# Per-OrderItem errors (always inside a 409 body)
INCOMPLETE_ATTENDEE_DETAILS = _kind("IncompleteAttendeeDetailsError", 409, "Attendee details are incomplete")
INCOMPLETE_ORDER_ITEM = _kind("IncompleteOrderItemError", 409, "OrderItem is incomplete")
INCOMPLETE_INTAKE_FORM = _kind("IncompleteIntakeFormError", 409, "Intake form is incomplete")
INVALID_INTAKE_FORM = _kind("InvalidIntakeFormError", 409, "Intake form is invalid")
UNACCEPTABLE_OFFER = _kind("UnacceptableOfferError", 409, "Offer is not acceptable for this opportunity")
UNKNOWN_OFFER = _kind("UnknownOfferError", 409, "Offer is unknown")
UNKNOWN_OPPORTUNITY = _kind("UnknownOpportunityError", 409, "Opportunity is unknown")
INVALID_OPPORTUNITY_OR_OFFER_ID = _kind(
    "InvalidOpportunityOrOfferIdError", 409, "Opportunity or Offer @id is not recognised"
)
NOT_BOOKABLE = _kind("OpportunityOfferPairNotBookableError", 409, "Opportunity and Offer pair is not bookable")
INTRACTABLE = _kind("OpportunityIntractableError", 409, "Opportunity is intractable")
IN_CONFLICT = _kind("OpportunityIsInConflictError", 409, "Opportunity is in conflict with another OrderItem")
FULL = _kind("OpportunityIsFullError", 409, "Opportunity is full")
RESERVED_BY_LEASE = _kind(
    "OpportunityCapacityIsReservedByLeaseError", 409, "Opportunity capacity is reserved by a lease"
)

# Authentication
UNAUTHENTICATED = _kind("UnauthenticatedError", 403, "Unauthenticated")
NO_API_TOKEN = _kind("NoAPITokenError", 403, "No API token")
INVALID_API_TOKEN = _kind("InvalidAPITokenError", 401, "Invalid API token")
INVALID_AUTHORIZATION_DETAILS = _kind("InvalidAuthorizationDetailsError", 401, "Invalid authorization details")

# Technical (retryable with the same UUID)
TEMPORARILY_UNABLE_TO_PRODUCE_ORDER_QUOTE = _kind(
    "TemporarilyUnableToProduceOrderQuoteError", 503, "Temporarily unable to produce an OrderQuote"
)
TEMPORARILY_UNABLE_TO_CREATE_ORDER = _kind(
    "TemporarilyUnableToCreateOrderError", 503, "Temporarily unable to create the Order"
)
TEMPORARILY_UNABLE_TO_UPDATE_ORDER = _kind(
    "TemporarilyUnableToUpdateOrderError", 503, "Temporarily unable to update the Order"
)
TEMPORARILY_UNABLE_TO_DELETE_ORDER = _kind(
    "TemporarilyUnableToDeleteOrderError", 503, "Temporarily unable to delete the Order"
)

# Generic
UNKNOWN_ORDER = _kind("UnknownOrderError", 404, "Order is unknown")
UNKNOWN_OR_INCORRECT_ENDPOINT = _kind("UnknownOrIncorrectEndpointError", 404, "Unknown or incorrect endpoint")
NOT_FOUND = _kind("NotFoundError", 404, "Not found")
METHOD_NOT_ALLOWED = _kind("MethodNotAllowedError", 405, "Method not allowed")
PATCH_CONTAINS_EXCESSIVE_PROPERTIES = _kind(
    "PatchContainsExcessivePropertiesError", 400, "PATCH contains properties that are not allowed"
)
PATCH_NOT_ALLOWED_ON_PROPERTY = _kind("PatchNotAllowedOnPropertyError", 400, "PATCH sets a value that is not allowed")
GONE = _kind("GoneError", 410, "Order has been deleted")
TOO_MANY_REQUESTS = _kind("TooManyRequestsError", 429, "Too many requests")

# Internal
INTERNAL_APPLICATION_ERROR = _kind("InternalApplicationError", 500, "Internal application error")

# Not part of the spec's catalogue, but what a malformed request deserves: the base type with a 400.
BAD_REQUEST = _kind("OpenBookingError", 400, "Bad request")
UNSUPPORTED_MEDIA_TYPE = _kind("OpenBookingError", 415, "Unsupported media type")
PAYLOAD_TOO_LARGE = _kind("OpenBookingError", 413, "Request body too large")


class BookingError(Exception):
    """A whole-request error: the response is this error alone, with its status."""

    def __init__(self, kind: ErrorKind, description: str, instance: str | None = None) -> None:
        super().__init__(f"{kind.type}: {description}")
        self.kind = kind
        self.description = description
        self.instance = instance


@dataclass(frozen=True, slots=True)
class ItemError:
    """A problem with one OrderItem, reported against that item inside a 409 response."""

    kind: ErrorKind
    description: str
    instance: str | None = None

    @property
    def keeps_item_in_totals(self) -> bool:
        """Items whose only errors are missing attendee or intake details still count in the totals."""
        return self.kind in (INCOMPLETE_ATTENDEE_DETAILS, INCOMPLETE_INTAKE_FORM)
