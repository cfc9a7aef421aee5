"""Booking details kept with the inventory (intake forms, reconciliation accounts) survive both databases."""

from __future__ import annotations

from dataclasses import replace

import pytest

from openbook.domain.intake import FieldKind, IntakeField
from openbook.domain.inventory import PaymentReconciliation
from openbook.store.sql_store import SqlStore
from tests.factories import bundle

pytestmark = pytest.mark.anyio

FORM = (
    IntakeField("level", FieldKind.DROPDOWN, "Level", "Your level", required=True, options=("Beginner", "Advanced")),
    IntakeField("photos", FieldKind.BOOLEAN, "Photo consent"),
)
ACCOUNT = PaymentReconciliation("AcmeBroker Points", "SN1593", "STRIPE")


async def test_intake_forms_and_reconciliation_reach_booking(store: SqlStore) -> None:
    inventory = bundle(sessions=1, slots=0)
    parent = inventory.parents[0]
    offer = replace(parent.offers[0], intake_form=FORM)
    inventory = replace(
        inventory,
        sellers=(replace(inventory.sellers[0], payment_reconciliation=ACCOUNT),),
        parents=(replace(parent, offers=(offer,)), *inventory.parents[1:]),
    )
    await store.import_inventory(inventory)
    ids = await store.existing_identifiers("opportunities", [parent.opportunities[0].identifier])
    view = await store.inventory_for(set(ids.values()))
    (seller,) = view.sellers.values()
    assert seller.payment_reconciliation == ACCOUNT
    (stored_parent,) = view.parents.values()
    assert stored_parent.offers[0].intake_form == FORM
    assert (await store.sellers())[0].payment_reconciliation == ACCOUNT
