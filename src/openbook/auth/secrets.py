"""Client secrets: generated with enough entropy, stored only as Argon2id hashes."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Secrets are 256-bit random strings, never chosen by people, so no work factor can make guessing them
# harder; light parameters keep the token endpoint cheap and unattractive as a way to burn CPU.
_hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
# Verified against when the client id is unknown, so a wrong id costs as long as a wrong secret.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(32))


def new_client_id() -> str:
    return f"bp_{secrets.token_hex(8)}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def secret_matches(secret_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash or _DUMMY_HASH, secret) and secret_hash is not None
    except (VerificationError, InvalidHashError):
        return False
