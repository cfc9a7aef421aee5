"""Load the vocabularies the package ships (subsets of the OpenActive activity list and facility types)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import msgspec

from openbook.domain.vocabulary import Vocabulary

SHIPPED = ("data/activity-list.jsonld", "data/facility-types.jsonld")


@cache
def shipped_vocabulary() -> Vocabulary:
    concepts = []
    for name in SHIPPED:
        raw = resources.files("openbook").joinpath(name).read_bytes()
        concepts.extend(msgspec.json.decode(raw)["concept"])
    return Vocabulary.from_concepts(concepts)
