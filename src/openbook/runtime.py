"""What one server process holds while it runs: settings, the store, URL templates, reference data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from openbook.domain.activities import ActivityList
from openbook.domain.clock import Clock
from openbook.openactive.urls import Urls
from openbook.settings import Settings
from openbook.store.port import Store


@dataclass(slots=True)
class Runtime:
    settings: Settings
    store: Store
    clock: Clock
    urls: Urls
    activity_list: ActivityList
    started_at: datetime
