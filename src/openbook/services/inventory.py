"""Importing inventory: check every cross-reference, then store all or nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from openbook.domain.inventory import InventoryBundle, ParentKind
from openbook.domain.vocabulary import ACTIVITY_LIST, FACILITY_TYPES, Vocabulary
from openbook.importing.problems import ImportProblem, ImportRejected
from openbook.store.port import IdentifierConflict, ImportSummary, Store


def _duplicates(identifiers: Iterable[str]) -> list[str]:
    return sorted(name for name, count in Counter(identifiers).items() if count > 1)


async def import_inventory(
    store: Store,
    bundle: InventoryBundle,
    vocabulary: Vocabulary,
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Raise ImportRejected (nothing stored) if any record is inconsistent with the file or the database."""
    problems: list[ImportProblem] = []
    sections = {
        "sellers": [s.identifier for s in bundle.sellers],
        "places": [p.identifier for p in bundle.places],
        "parents": [p.identifier for p in bundle.parents],
        "opportunities": [o.identifier for p in bundle.parents for o in p.opportunities],
    }
    for table, identifiers in sections.items():
        for identifier in _duplicates(identifiers):
            problems.append(
                ImportProblem(f"{table} {identifier!r}", "identifier", "is used more than once in this file")
            )
        taken = await store.existing_identifiers(table, identifiers)
        for identifier in sorted(taken):
            problems.append(ImportProblem(f"{table} {identifier!r}", "identifier", "already exists in the database"))

    sellers = set(sections["sellers"]) | set(
        await store.existing_identifiers("sellers", sorted({p.seller for p in bundle.parents}))
    )
    places = set(sections["places"]) | set(
        await store.existing_identifiers("places", sorted({p.place for p in bundle.parents if p.place}))
    )
    facility_uses = {p.identifier for p in bundle.parents if p.kind is ParentKind.FACILITY_USE}
    for parent in bundle.parents:
        record = f"{parent.kind.value} {parent.identifier!r}"
        if parent.seller not in sellers:
            problems.append(
                ImportProblem(record, "seller", f"no seller {parent.seller!r} in this file or the database")
            )
        if parent.place is not None and parent.place not in places:
            problems.append(ImportProblem(record, "place", f"no place {parent.place!r} in this file or the database"))
        if parent.aggregate is not None and parent.aggregate not in facility_uses:
            problems.append(ImportProblem(record, "aggregate", f"no facility use {parent.aggregate!r} in this file"))
        scheme, field, listing = (
            (ACTIVITY_LIST, "activity", "OpenActive activity list")
            if not parent.kind.is_facility
            else (FACILITY_TYPES, "facilityType", "OpenActive facility types")
        )
        for concept in parent.concepts:
            if not vocabulary.in_scheme(concept, scheme):
                problems.append(ImportProblem(record, field, f"{concept!r} is not in the {listing}"))
    if problems:
        raise ImportRejected(problems)
    try:
        return await store.import_inventory(bundle, on_progress)
    except IdentifierConflict as conflict:  # another import won a race for the same identifiers
        raise ImportRejected(
            [
                ImportProblem(f"{conflict.record_type} {i!r}", "identifier", "already exists")
                for i in conflict.identifiers
            ]
        ) from conflict
