"""Identify the booking partner behind a request, and the seller it acts for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openbook.domain import errors
from openbook.domain.clock import Clock, to_epoch_ms
from openbook.domain.errors import BookingError
from openbook.store.port import Partner, Store

TEST_CLIENT_HEADER = "x-openactive-test-client-id"
TEST_SELLER_HEADER = "x-openactive-test-seller-id"


@dataclass(frozen=True, slots=True)
class Caller:
    partner: Partner
    seller_ref: str | None  # the seller @id the credentials are for, if they name one

    def may_act_for(self, seller_ref: str, seller_id: int) -> bool:
        if self.seller_ref is not None:
            return self.seller_ref == seller_ref
        return self.partner.may_book_for(seller_id)


async def identify(headers: Mapping[str, str], store: Store, clock: Clock, *, test_mode: bool) -> Caller:
    """The caller, or BookingError: 403 when no credentials are given, 401 when they are not valid."""
    client_id = headers.get(TEST_CLIENT_HEADER)
    if test_mode and client_id:
        # Test mode trusts the headers, as the OpenActive Test Suite expects; never enabled by default.
        partner = await store.partner(client_id) or await store.ensure_partner(
            client_id, client_id, to_epoch_ms(clock.now()), all_sellers=True
        )
        return Caller(partner, headers.get(TEST_SELLER_HEADER))
    if "authorization" not in headers:
        raise BookingError(errors.UNAUTHENTICATED, "every Open Booking API request needs credentials")
    raise BookingError(errors.INVALID_API_TOKEN, "the access token is not valid")
