"""Access tokens for booking partners: short-lived HS256 JWTs signed with keys kept in the database.

Keys live in the database so every server process, on every host, signs and verifies the same way. The
token says who the partner is and what it may reach; which sellers it may book for is read live at each
request, so revoking a seller or suspending a partner takes effect at once.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from openbook.domain.clock import to_epoch_ms
from openbook.store.port import Partner, SigningKey, Store

SCOPE_BOOKING = "openactive-openbooking"
SCOPE_ORDERS_FEED = "openactive-ordersfeed"
ALL_SCOPES = (SCOPE_BOOKING, SCOPE_ORDERS_FEED)
CLIENT_ID_CLAIM = "https://openactive.io/clientId"
AUDIENCE = "openbooking"
ALGORITHM = "HS256"
FIRST_KEY_ID = "1"
_KEY_RELOAD_SECONDS = 5.0  # an unknown kid reloads keys at most this often, so junk tokens cannot flood the store


def allowed_scopes(partner: Partner) -> tuple[str, ...]:
    """A suspended partner keeps its orders feed but may not book (spec: suspension revokes openbooking)."""
    return (SCOPE_ORDERS_FEED,) if partner.suspended else ALL_SCOPES


class InvalidToken(Exception):
    """The bearer token is malformed, forged, expired or not for this server."""


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str
    expires_in: int  # seconds
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TokenClaims:
    client_id: str
    scopes: frozenset[str]


class TokenService:
    def __init__(self, store: Store, issuer: str, lifetime: timedelta) -> None:
        self._store = store
        self._issuer = issuer
        self._lifetime = lifetime
        self._keys: dict[str, SigningKey] = {}
        self._newest: SigningKey | None = None
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def issue(self, client_id: str, scopes: tuple[str, ...], now: datetime) -> AccessToken:
        key = await self._signing_key(now)
        issued = int(now.timestamp())
        expires_in = int(self._lifetime.total_seconds())
        claims = {
            "iss": self._issuer,
            "aud": AUDIENCE,
            "sub": client_id,
            CLIENT_ID_CLAIM: client_id,
            "scope": " ".join(scopes),
            "iat": issued,
            "exp": issued + expires_in,
            "jti": secrets.token_hex(8),
        }
        value = jwt.encode(claims, key.secret, algorithm=ALGORITHM, headers={"kid": key.kid})
        return AccessToken(value, expires_in, scopes)

    async def verify(self, token: str, now: datetime) -> TokenClaims:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as error:
            raise InvalidToken("the access token is malformed") from error
        key = await self._key(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("the access token was not issued by this server")
        try:
            # Time claims are checked against the injectable clock below, not PyJWT's wall clock.
            claims = jwt.decode(
                token,
                key.secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=self._issuer,
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["exp", "sub", "scope"],
                },
            )
        except jwt.InvalidTokenError as error:
            raise InvalidToken(f"the access token is not valid: {error}") from error
        if not isinstance(claims["exp"], int) or claims["exp"] <= now.timestamp():
            raise InvalidToken("the access token has expired")
        return TokenClaims(str(claims["sub"]), frozenset(str(claims["scope"]).split()))

    async def _signing_key(self, now: datetime) -> SigningKey:
        if self._newest is None:
            async with self._lock:
                if self._newest is None:
                    await self._reload()
                if self._newest is None:
                    # First token ever: processes racing to make the key all insert kid "1"; one wins, all use it.
                    await self._store.add_signing_key(
                        SigningKey(FIRST_KEY_ID, secrets.token_urlsafe(48), to_epoch_ms(now))
                    )
                    await self._reload()
        assert self._newest is not None
        return self._newest

    async def _key(self, kid: str) -> SigningKey | None:
        if kid not in self._keys and time.monotonic() - self._loaded_at > _KEY_RELOAD_SECONDS:
            async with self._lock:
                await self._reload()
        return self._keys.get(kid)

    async def _reload(self) -> None:
        keys = await self._store.signing_keys()
        self._keys = {key.kid: key for key in keys}
        self._newest = keys[0] if keys else None
        self._loaded_at = time.monotonic()
