"""The OpenActive activity list: which activity ids an opportunity may carry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ActivityList:
    labels: dict[str, str]  # concept id -> prefLabel

    @classmethod
    def from_concepts(cls, concepts: Iterable[dict[str, str]]) -> ActivityList:
        return cls({concept["id"]: concept["prefLabel"] for concept in concepts})

    def __contains__(self, activity_id: object) -> bool:
        return activity_id in self.labels

    def label(self, activity_id: str) -> str:
        return self.labels[activity_id]
