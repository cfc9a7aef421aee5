"""Runtime settings, read from OPENBOOK_* environment variables (the CLI flags set the same variables)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from openbook.domain.durations import parse_duration
from openbook.openactive.dataset_site import DatasetSiteSettings
from openbook.store.urls import DatabaseUrl

DEFAULT_LEASE = "PT15M"
DEFAULT_TOKEN_LIFETIME = "PT15M"  # the spec's recommended access-token expiry


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: DatabaseUrl
    base_url: str
    lease_duration: timedelta = field(default_factory=lambda: parse_duration(DEFAULT_LEASE))
    test_mode: bool = False
    token_lifetime: timedelta = field(default_factory=lambda: parse_duration(DEFAULT_TOKEN_LIFETIME))
    booking_terms_url: str | None = None  # the operator's terms for bookings made through this system
    assets_url: str | None = None  # the public (https) origin of pass images, when not the base URL
    feed_sequencer_interval: float = 0.2
    lease_sweep_interval: float = 1.0
    dataset_site: DatasetSiteSettings = field(default_factory=DatasetSiteSettings)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("OPENBOOK_DATA_DIR", "openbook-data"))
        host = env.get("OPENBOOK_HOST", "127.0.0.1")
        port = env.get("OPENBOOK_PORT", "8000")
        public_host = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
        site = DatasetSiteSettings()
        return cls(
            database_url=DatabaseUrl.parse(env.get("OPENBOOK_DATABASE_URL", ""), data_dir),
            base_url=env.get("OPENBOOK_BASE_URL", f"http://{public_host}:{port}").rstrip("/"),
            lease_duration=parse_duration(env.get("OPENBOOK_LEASE_DURATION", DEFAULT_LEASE)),
            test_mode=env.get("OPENBOOK_TEST_MODE", "") in ("1", "true", "yes"),
            token_lifetime=parse_duration(env.get("OPENBOOK_TOKEN_LIFETIME", DEFAULT_TOKEN_LIFETIME)),
            booking_terms_url=env.get("OPENBOOK_BOOKING_TERMS_URL") or None,
            assets_url=env.get("OPENBOOK_ASSETS_URL") or None,
            dataset_site=DatasetSiteSettings(
                name=env.get("OPENBOOK_DATASET_NAME", site.name),
                publisher_name=env.get("OPENBOOK_PUBLISHER_NAME", site.publisher_name),
                publisher_legal_name=env.get("OPENBOOK_PUBLISHER_LEGAL_NAME", site.publisher_legal_name),
                publisher_url=env.get("OPENBOOK_PUBLISHER_URL", site.publisher_url),
                publisher_email=env.get("OPENBOOK_PUBLISHER_EMAIL") or None,
            ),
        )
