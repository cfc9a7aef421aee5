"""What one server process holds while it runs: settings, the store, URL templates, reference data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openbook.auth.callers import Authenticator
from openbook.auth.tokens import TokenService
from openbook.domain.clock import Clock
from openbook.domain.vocabulary import Vocabulary
from openbook.openactive.urls import Urls
from openbook.settings import Settings
from openbook.store.port import Store


@dataclass(slots=True)
class Runtime:
    settings: Settings
    store: Store
    clock: Clock
    urls: Urls
    vocabulary: Vocabulary
    started_at: datetime
    tokens: TokenService
    booking_service: dict[str, Any]  # the BookingService JSON-LD of order responses
    authenticator: Authenticator
