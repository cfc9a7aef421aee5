"""Controlled vocabularies: the OpenActive activity list and facility types. Concept ids carry their scheme."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ACTIVITY_LIST = "https://openactive.io/activity-list"
FACILITY_TYPES = "https://openactive.io/facility-types"


def scheme_of(concept_id: str) -> str:
    return concept_id.split("#", 1)[0]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    labels: dict[str, str]  # concept id -> prefLabel, across every scheme loaded

    @classmethod
    def from_concepts(cls, concepts: Iterable[dict[str, str]]) -> Vocabulary:
        return cls({concept["id"]: concept["prefLabel"] for concept in concepts})

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self.labels

    def label(self, concept_id: str) -> str:
        return self.labels[concept_id]

    def in_scheme(self, concept_id: str, scheme: str) -> bool:
        return concept_id in self.labels and scheme_of(concept_id) == scheme

    def by_label(self, scheme: str) -> dict[str, str]:
        """prefLabel (case-folded) -> concept id, for one scheme."""
        return {label.casefold(): cid for cid, label in self.labels.items() if scheme_of(cid) == scheme}
