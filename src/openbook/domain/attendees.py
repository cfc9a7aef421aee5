"""Attendee details: what an offer requiring them (OpenBookingAttendeeDetails) asks of each OrderItem."""

from __future__ import annotations

from typing import Any

from openbook.domain import errors
from openbook.domain.errors import ItemError
from openbook.domain.inventory import FlowRequirement, Offer

ATTENDEE_FIELDS = ("https://schema.org/givenName", "https://schema.org/familyName", "https://schema.org/email")


def attendee_errors(offer: Offer, attendee: dict[str, Any] | None) -> list[ItemError]:
    """One IncompleteAttendeeDetailsError per required field the attendee lacks (none if not required)."""
    if FlowRequirement.ATTENDEE_DETAILS not in offer.requirements:
        return []
    given = attendee or {}
    missing = [iri.rsplit("/", 1)[1] for iri in ATTENDEE_FIELDS if not given.get(iri.rsplit("/", 1)[1])]
    # No `instance`: it must be a URL of the request, and a property IRI is not one (validator).
    return [ItemError(errors.INCOMPLETE_ATTENDEE_DETAILS, f"attendee {name} is required") for name in missing]
