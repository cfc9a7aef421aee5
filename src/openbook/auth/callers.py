"""Identify the booking partner behind a request: a bearer token, or in test mode the test headers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from openbook.auth.tokens import InvalidToken, TokenService, allowed_scopes
from openbook.domain import errors
from openbook.domain.clock import to_epoch_ms
from openbook.domain.errors import BookingError
from openbook.store.port import Partner, Store

TEST_CLIENT_HEADER = "x-openactive-test-client-id"
TEST_SELLER_HEADER = "x-openactive-test-seller-id"


@dataclass(frozen=True, slots=True)
class Caller:
    partner: Partner
    seller_ref: str | None  # the seller @id the credentials are for, if they name one

    def may_act_for(self, seller_ref: str, seller_id: int) -> bool:
        if self.seller_ref is not None and self.seller_ref != seller_ref:
            return False
        return self.partner.may_book_for(seller_id)


@dataclass(frozen=True, slots=True)
class Authenticator:
    store: Store
    tokens: TokenService
    test_mode: bool

    async def identify(self, headers: Mapping[str, str], now: datetime, scope: str) -> Caller:
        """The caller, or BookingError: 403 when no credentials are given, 401 when they are not valid."""
        authorization = headers.get("authorization")
        if authorization is not None:
            return Caller(await self._bearer(authorization, now, scope), None)
        client_id = headers.get(TEST_CLIENT_HEADER)
        if self.test_mode and client_id:
            # Test mode trusts the headers, as the OpenActive Test Suite expects; never enabled by default.
            partner = await self.store.partner(client_id) or await self.store.ensure_partner(
                client_id, client_id, to_epoch_ms(now), all_sellers=True
            )
            return Caller(partner, headers.get(TEST_SELLER_HEADER))
        raise BookingError(errors.UNAUTHENTICATED, "every Open Booking API request needs an access token")

    async def _bearer(self, authorization: str, now: datetime, scope: str) -> Partner:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise BookingError(
                errors.INVALID_API_TOKEN, "send the access token in the Authorization header, after 'Bearer '"
            )
        try:
            claims = await self.tokens.verify(token.strip(), now)
        except InvalidToken as error:
            raise BookingError(errors.INVALID_API_TOKEN, str(error)) from error
        if scope not in claims.scopes:
            raise BookingError(errors.INVALID_API_TOKEN, f"the access token does not grant the {scope} scope")
        partner = await self.store.partner(claims.client_id)
        if partner is None or partner.secret_hash is None:
            raise BookingError(errors.INVALID_API_TOKEN, "these credentials no longer exist")
        if scope not in allowed_scopes(partner):
            raise BookingError(
                errors.INVALID_API_TOKEN, "these credentials are suspended; only the orders feed is open"
            )
        return partner
