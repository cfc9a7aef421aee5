"""Managing booking partners: their credentials, suspension, and the sellers each may book for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from openbook.auth.secrets import hash_secret, new_client_id, new_secret
from openbook.domain.clock import to_epoch_ms
from openbook.store.port import Partner, PartnerExists, Store


class PartnerAdminError(Exception):
    """The operator asked for something that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class PartnerSummary:
    client_id: str
    name: str
    suspended: bool
    has_secret: bool
    sellers: tuple[str, ...]  # seller identifiers, or ("*",) for a test-mode partner


@dataclass(frozen=True, slots=True)
class NewCredentials:
    client_id: str
    secret: str  # shown once; only its hash is stored


class PartnerAdmin:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(
        self, name: str, seller_identifiers: list[str], now: datetime, client_id: str | None
    ) -> NewCredentials:
        if not name.strip():
            raise PartnerAdminError("a booking partner needs a name")
        seller_ids = await self._seller_ids(seller_identifiers)
        secret = new_secret()
        try:
            partner = await self._store.create_partner(
                client_id or new_client_id(), name.strip(), hash_secret(secret), to_epoch_ms(now)
            )
        except PartnerExists as error:
            raise PartnerAdminError(str(error)) from None
        for seller_id in seller_ids:
            await self._store.authorise_seller(partner.id, seller_id)
        return NewCredentials(partner.client_id, secret)

    async def reset_secret(self, client_id: str) -> NewCredentials:
        partner = await self._partner(client_id)
        secret = new_secret()
        await self._store.set_partner_secret(partner.id, hash_secret(secret))
        return NewCredentials(partner.client_id, secret)

    async def set_suspended(self, client_id: str, suspended: bool) -> None:
        await self._store.set_partner_suspended((await self._partner(client_id)).id, suspended)

    async def authorise(self, client_id: str, seller_identifiers: list[str]) -> None:
        partner = await self._partner(client_id)
        for seller_id in await self._seller_ids(seller_identifiers):
            await self._store.authorise_seller(partner.id, seller_id)

    async def revoke(self, client_id: str, seller_identifiers: list[str]) -> None:
        partner = await self._partner(client_id)
        for seller_id in await self._seller_ids(seller_identifiers):
            await self._store.revoke_seller(partner.id, seller_id)

    async def summaries(self) -> list[PartnerSummary]:
        sellers = await self._store.sellers()
        ids = await self._store.existing_identifiers("sellers", [seller.identifier for seller in sellers])
        identifier_of = {seller_id: identifier for identifier, seller_id in ids.items()}
        return [
            PartnerSummary(
                partner.client_id,
                partner.name,
                partner.suspended,
                partner.secret_hash is not None,
                ("*",) if partner.all_sellers else tuple(sorted(identifier_of[i] for i in partner.seller_ids)),
            )
            for partner in await self._store.partners()
        ]

    async def _partner(self, client_id: str) -> Partner:
        partner = await self._store.partner(client_id)
        if partner is None:
            raise PartnerAdminError(f"no booking partner has the client id {client_id!r}")
        return partner

    async def _seller_ids(self, identifiers: list[str]) -> list[int]:
        found = await self._store.existing_identifiers("sellers", identifiers)
        missing = [identifier for identifier in identifiers if identifier not in found]
        if missing:
            raise PartnerAdminError(f"no seller has the identifier {', '.join(map(repr, missing))}")
        return [found[identifier] for identifier in identifiers]
