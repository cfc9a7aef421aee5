"""Pytest plugin: the session-wide ``oa_validator`` fixture (the official OpenActive validator, offline).

Register it with ``pytest_plugins = ["tests.support.validator_fixture"]`` in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.oa_validator import OpenActiveValidator


@pytest.fixture(scope="session")
def oa_validator() -> Iterator[OpenActiveValidator]:
    """One validator process for the whole test session (installed with npm ci on first use)."""
    validator = OpenActiveValidator()
    try:
        yield validator
    finally:
        validator.close()
