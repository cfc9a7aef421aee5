"""The partner half of the Store contract, on a real SQLite file and a real PostgreSQL schema."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import jwt
import pytest

from openbook.auth.tokens import InvalidToken, TokenService
from openbook.domain.clock import to_epoch_ms
from openbook.store.factory import build_store
from openbook.store.port import PartnerExists, SigningKey
from openbook.store.sql_store import SqlStore
from openbook.store.urls import DatabaseUrl
from tests.factories import START, bundle

pytestmark = pytest.mark.anyio
NOW = to_epoch_ms(START)


async def test_partners_are_created_once_and_keep_their_sellers(store: SqlStore) -> None:
    await store.import_inventory(bundle("a"))
    await store.import_inventory(bundle("b"))
    ids = await store.existing_identifiers("sellers", ["a-seller", "b-seller"])
    partner = await store.create_partner("app", "App", "$argon2id$hash", NOW)
    assert (partner.client_id, partner.seller_ids, partner.all_sellers) == ("app", frozenset(), False)
    with pytest.raises(PartnerExists):
        await store.create_partner("app", "Other", "$argon2id$other", NOW)

    await store.authorise_seller(partner.id, ids["a-seller"])
    await store.authorise_seller(partner.id, ids["a-seller"])  # idempotent
    reread = await store.partner("app")
    assert reread is not None and reread.seller_ids == {ids["a-seller"]}
    assert reread.may_book_for(ids["a-seller"]) and not reread.may_book_for(ids["b-seller"])
    assert await store.revoke_seller(partner.id, ids["a-seller"]) is True
    assert await store.revoke_seller(partner.id, ids["a-seller"]) is False

    await store.set_partner_suspended(partner.id, True)
    await store.set_partner_secret(partner.id, "$argon2id$new")
    reread = await store.partner("app")
    assert reread is not None and reread.suspended and reread.secret_hash == "$argon2id$new"
    assert [p.client_id for p in await store.partners()] == ["app"]
    assert await store.partner("nobody") is None


async def test_test_mode_partners_may_book_for_any_seller(store: SqlStore) -> None:
    first = await store.ensure_partner("suite", "suite", NOW, all_sellers=True)
    again = await store.ensure_partner("suite", "renamed", NOW, all_sellers=True)
    assert first == again and first.all_sellers and first.secret_hash is None
    assert first.may_book_for(12345)


async def test_signing_keys_newest_first(store: SqlStore) -> None:
    assert await store.signing_keys() == []
    await store.add_signing_key(SigningKey("old", "s1", NOW))
    await store.add_signing_key(SigningKey("new", "s2", NOW + 1))
    await store.add_signing_key(SigningKey("new", "ignored", NOW + 2))
    assert [(k.kid, k.secret) for k in await store.signing_keys()] == [("new", "s2"), ("old", "s1")]


async def test_tokens_from_one_process_verify_in_another(database_url: DatabaseUrl) -> None:
    """Two stores (as two server processes) racing to make the first key still accept each other's tokens."""
    stores = [build_store(database_url) for _ in range(2)]
    for each in stores:
        await each.start()
    try:
        services = [TokenService(each, "https://book.example", timedelta(minutes=15)) for each in stores]
        tokens = await asyncio.gather(*(s.issue("app", ("openactive-openbooking",), START) for s in services))
        for service in services:
            for token in tokens:
                claims = await service.verify(token.value, START)
                assert claims.client_id == "app" and claims.scopes == {"openactive-openbooking"}
    finally:
        for each in stores:
            await each.close()


async def test_tokens_are_refused_for_another_issuer_after_expiry_and_when_tampered(store: SqlStore) -> None:
    ours = TokenService(store, "https://book.example", timedelta(minutes=15))
    theirs = TokenService(store, "https://other.example", timedelta(minutes=15))
    token = (await ours.issue("app", ("openactive-ordersfeed",), START)).value
    assert (await ours.verify(token, START + timedelta(minutes=14, seconds=59))).client_id == "app"
    with pytest.raises(InvalidToken, match="expired"):
        await ours.verify(token, START + timedelta(minutes=15))
    with pytest.raises(InvalidToken, match="not valid"):
        await theirs.verify(token, START)
    header, payload, signature = token.split(".")
    with pytest.raises(InvalidToken):
        await ours.verify(f"{header}.{payload}x.{signature}", START)
    with pytest.raises(InvalidToken, match="malformed"):
        await ours.verify(f"{header[:-2]}xx.{payload}.{signature}", START)
    unknown_key = jwt.encode({"sub": "app"}, "k" * 64, algorithm="HS256", headers={"kid": "someone-else"})
    with pytest.raises(InvalidToken, match="not issued by this server"):
        await ours.verify(unknown_key, START)
