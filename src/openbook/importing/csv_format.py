"""Simple timetables as CSV: one row per session, rows grouped into series by the `series` column.

Sellers and places are referred to by identifier and must already exist (import them as JSON first).
"""

from __future__ import annotations

import csv
import io

from openbook.domain.inventory import InventoryBundle
from openbook.domain.vocabulary import ACTIVITY_LIST, Vocabulary
from openbook.importing.json_format import parse_inventory_document
from openbook.importing.problems import ImportProblem, ImportRejected

REQUIRED = (
    "series",
    "name",
    "seller",
    "activity",
    "startDate",
    "endDate",
    "capacity",
    "price",
    "priceCurrency",
)
OPTIONAL = ("identifier", "place", "description", "prepayment")
SERIES_COLUMNS = (
    "name",
    "seller",
    "activity",
    "place",
    "description",
    "price",
    "priceCurrency",
    "prepayment",
)


def parse_timetable_csv(text: str, vocabulary: Vocabulary) -> InventoryBundle:
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    problems = [ImportProblem("header", c, "required column is missing") for c in missing]
    problems += [
        ImportProblem("header", c, f"unknown column; allowed: {', '.join(REQUIRED + OPTIONAL)}") for c in unknown
    ]
    if problems:
        raise ImportRejected(problems)
    by_label = vocabulary.by_label(ACTIVITY_LIST)
    series: dict[str, dict[str, object]] = {}
    first_row: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        key = (row.get("series") or "").strip()
        if not key:
            problems.append(ImportProblem(f"line {line}", "series", "is required"))
            continue
        values = {c: (row.get(c) or "").strip() for c in REQUIRED + OPTIONAL}
        if key not in series:
            first_row[key] = line
            activity = values["activity"]
            series[key] = {
                "identifier": key,
                "name": values["name"],
                "seller": values["seller"],
                "activity": [by_label.get(activity.casefold(), activity)],
                "place": values["place"] or None,
                "description": values["description"] or None,
                "offers": [_offer(key, values)],
                "sessions": [],
                "_row": values,
            }
        else:
            defining = series[key]["_row"]
            assert isinstance(defining, dict)
            for column in SERIES_COLUMNS:
                if values[column] and values[column] != defining[column]:
                    problems.append(
                        ImportProblem(
                            f"line {line} (series {key!r})",
                            column,
                            f"{values[column]!r} differs from {defining[column]!r} on line {first_row[key]}; "
                            "a series has one value (use the JSON format for several offers)",
                        )
                    )
        sessions = series[key]["sessions"]
        assert isinstance(sessions, list)
        sessions.append(
            {
                "identifier": values["identifier"] or f"{key}-{values['startDate']}",
                "startDate": values["startDate"],
                "endDate": values["endDate"],
                "maximumAttendeeCapacity": _integer(values["capacity"]),
            }
        )
    for entry in series.values():
        entry.pop("_row")
    document = {"sessionSeries": list(series.values())}
    try:
        bundle = parse_inventory_document(document)
    except ImportRejected as rejected:
        problems += rejected.problems
        bundle = InventoryBundle()
    if problems:
        raise ImportRejected(problems)
    return bundle


def _offer(series: str, values: dict[str, str]) -> dict[str, object]:
    offer: dict[str, object] = {
        "identifier": f"{series}-standard",
        "price": values["price"],
        "priceCurrency": values["priceCurrency"],
    }
    if values["prepayment"]:
        offer["openBookingPrepayment"] = values["prepayment"]
    return offer


def _integer(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        return text  # left for the record reader to report with its field name
