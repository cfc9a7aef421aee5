"""The seller back office: staff keys, and what a seller's staff may see and do with their own orders."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from openbook.domain.clock import to_epoch_ms
from openbook.domain.proposals import Decision, ProposalRefused
from openbook.services import seller_actions
from openbook.services.logistics import Logistics, LogisticsRefused, change_logistics
from openbook.services.proposals import Proposals
from openbook.services.seller_actions import EntryMeans
from openbook.store.port import SellerOrder, Staff, Store, StoredOrder

KEY_PREFIX = "sk_"
PAGE_LIMIT = 100


class BackOfficeError(Exception):
    """A refused back-office request: a stable machine-readable code, an HTTP status, a sentence."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message


def key_hash(key: str) -> str:
    # Keys are 256-bit random strings, so a plain digest is a safe, constant-cost lookup key.
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewStaffKey:
    staff: Staff
    key: str  # shown once


class StaffAdmin:
    """Operator commands (`openbook staff …`)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, seller_identifier: str, name: str, now: datetime) -> NewStaffKey:
        if not name.strip():
            raise BackOfficeError("name_required", 400, "a staff member needs a name")
        found = await self._store.existing_identifiers("sellers", [seller_identifier])
        if seller_identifier not in found:
            raise BackOfficeError("unknown_seller", 404, f"no seller has the identifier {seller_identifier!r}")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        staff = await self._store.add_staff(found[seller_identifier], name.strip(), key_hash(key), to_epoch_ms(now))
        return NewStaffKey(staff, key)

    async def all(self) -> list[Staff]:
        return await self._store.all_staff()

    async def revoke(self, staff_id: int) -> None:
        if not await self._store.revoke_staff(staff_id):
            raise BackOfficeError("unknown_staff", 404, f"no active staff member has the id {staff_id}")


class BackOffice:
    """What an authenticated staff member does; every call is limited to their own seller's orders."""

    def __init__(self, store: Store, lease_duration: timedelta) -> None:
        self._store = store
        self._proposals = Proposals(store, lease_duration)

    async def staff_for_key(self, key: str | None) -> Staff:
        if not key:
            raise BackOfficeError("missing_key", 401, "send your back-office key as 'Authorization: Bearer sk_…'")
        staff = await self._store.staff_by_key_hash(key_hash(key))
        if staff is None or staff.revoked:
            raise BackOfficeError("invalid_key", 401, "this back-office key is not valid")
        return staff

    async def orders(self, staff: Staff, after_id: int, limit: int) -> list[SellerOrder]:
        return await self._store.seller_orders(staff.seller_id, after_id, min(max(limit, 1), PAGE_LIMIT))

    async def order(self, staff: Staff, order_id: int) -> SellerOrder:
        found = await self._store.seller_order(staff.seller_id, order_id)
        if found is None:  # another seller's order is indistinguishable from none at all
            raise BackOfficeError("order_not_found", 404, f"your seller has no order {order_id}")
        return found

    async def cancel(self, staff: Staff, order_id: int, message: str | None, now: datetime) -> StoredOrder:
        target = await self._booked(staff, order_id)
        return await seller_actions.seller_cancels(self._store, target.partner, target.order.uuid, now, message)

    async def record_attendance(self, staff: Staff, order_id: int, attended: bool, now: datetime) -> StoredOrder:
        target = await self._booked(staff, order_id)
        return await seller_actions.record_attendance(
            self._store, target.partner, target.order.uuid, now, attended=attended
        )

    async def notify(self, staff: Staff, order_id: int, notice: str, now: datetime) -> StoredOrder:
        target = await self._booked(staff, order_id)
        return await seller_actions.notify_customer(self._store, target.partner, target.order.uuid, now, notice)

    async def renew_access(self, staff: Staff, order_id: int, means: EntryMeans, now: datetime) -> StoredOrder:
        """New pin codes or barcodes for the order's places still to be used."""
        target = await self._booked(staff, order_id)
        return await seller_actions.renew_access(self._store, target.partner, target.order.uuid, now, means)

    async def replace(self, staff: Staff, order_id: int, move: tuple[int, int], now: datetime) -> StoredOrder:
        """Move the place of item ``move[0]`` to opportunity ``move[1]`` (another occurrence of its parent)."""
        target = await self._booked(staff, order_id)
        line, opportunity_id = move
        return await seller_actions.replace_item(
            self._store, target.partner, target.order.uuid, line, opportunity_id, now
        )

    async def change_logistics(self, staff: Staff, opportunity_id: int, request: Logistics, now: datetime) -> int:
        """Rename, move or retime one of the seller's opportunities; returns how many Orders were re-emitted."""
        try:
            return await change_logistics(self._store, opportunity_id, request, now, seller_id=staff.seller_id)
        except LogisticsRefused as refused:  # another seller's opportunity is indistinguishable from none
            raise BackOfficeError(refused.code, refused.status, refused.message) from refused

    async def decide(
        self, staff: Staff, order_id: int, decision: tuple[Decision, str | None], now: datetime
    ) -> StoredOrder:
        """Accept, reject or amend (a new version, optionally with a note) an OrderProposal."""
        target = await self.order(staff, order_id)
        if target.order.kind != "OrderProposal":
            raise BackOfficeError("not_a_proposal", 409, "only order proposals await the seller's decision")
        choice, note = decision
        try:
            return await self._proposals.decide(target.partner, target.order.uuid, choice, now, note=note)
        except ProposalRefused as refused:
            raise BackOfficeError("decision_not_allowed", 409, refused.reason) from refused

    async def _booked(self, staff: Staff, order_id: int) -> SellerOrder:
        target = await self.order(staff, order_id)
        if target.order.kind != "Order":
            raise BackOfficeError("not_booked", 409, "only booked orders can be changed")
        return target
