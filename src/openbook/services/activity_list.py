"""Load the activity list the package ships (a subset of https://openactive.io/activity-list)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import msgspec

from openbook.domain.activities import ActivityList

ACTIVITY_LIST_URL = "https://openactive.io/activity-list"


@cache
def shipped_activity_list() -> ActivityList:
    raw = resources.files("openbook").joinpath("data/activity-list.jsonld").read_bytes()
    return ActivityList.from_concepts(msgspec.json.decode(raw)["concept"])
