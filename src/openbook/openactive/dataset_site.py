"""The dataset site: an HTML page with the JSON-LD Dataset from which brokers discover feeds and the API."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from openbook import __version__
from openbook.domain.clock import format_instant
from openbook.openactive.feeds import FEEDS, LICENSE, RPDE_MEDIA_TYPE
from openbook.openactive.urls import Urls


@dataclass(frozen=True, slots=True)
class DatasetSiteSettings:
    name: str = "openbook opportunities"
    description: str = "Near real-time availability and rich descriptions of the sessions and facilities bookable here."
    publisher_name: str = "openbook"
    publisher_legal_name: str = "openbook operator"
    publisher_url: str = "https://github.com/openbook-booking/openbook"
    publisher_email: str | None = None
    discussion_url: str = "https://github.com/openbook-booking/openbook/issues"
    documentation_url: str = "https://permalink.openactive.io/dataset-site/open-data-documentation"
    api_documentation_url: str = "https://permalink.openactive.io/dataset-site/open-booking-api-documentation"
    terms_of_service_url: str | None = None
    landing_page_url: str | None = None
    language: str = "en-GB"


def dataset(urls: Urls, settings: DatasetSiteSettings, published: datetime) -> dict[str, Any]:
    stamp = format_instant(published)
    logo = {"@type": "ImageObject", "url": f"{urls.base}/static/logo.png"}
    publisher: dict[str, Any] = {
        "@type": "Organization",
        "name": settings.publisher_name,
        "legalName": settings.publisher_legal_name,
        "url": settings.publisher_url,
        "logo": logo,
    }
    if settings.publisher_email:
        publisher["email"] = settings.publisher_email
    access_service: dict[str, Any] = {
        "@type": "WebAPI",
        "name": "Open Booking API",
        "description": f"Book the opportunities of {settings.name} through the OpenActive Open Booking API.",
        "documentation": settings.api_documentation_url,
        "endpointUrl": urls.booking_api,
        "conformsTo": ["https://openactive.io/open-booking-api/EditorsDraft/"],
        "endpointDescription": "https://www.openactive.io/open-booking-api/EditorsDraft/swagger.json",
        "landingPage": settings.landing_page_url or f"{urls.dataset_site}#booking-partners",
    }
    if settings.terms_of_service_url:
        access_service["termsOfService"] = settings.terms_of_service_url
    return {
        "@context": ["https://schema.org/", "https://openactive.io/"],
        "@type": "Dataset",
        "@id": urls.dataset_site,
        "url": urls.dataset_site,
        "name": settings.name,
        "description": settings.description,
        "keywords": ["Sessions", "Facilities", "Activities", "Sports", "Physical Activity", "OpenActive"],
        "license": LICENSE,
        "discussionUrl": settings.discussion_url,
        "documentation": settings.documentation_url,
        "inLanguage": [settings.language],
        "schemaVersion": "https://openactive.io/modelling-opportunity-data/2.0/",
        "datePublished": stamp,
        "dateModified": stamp,
        "publisher": publisher,
        "backgroundImage": {"@type": "ImageObject", "url": f"{urls.base}/static/background.jpg"},
        "bookingService": {
            "@type": "BookingService",
            "name": "openbook",
            "url": "https://github.com/openbook-booking/openbook",
            "softwareVersion": __version__,
        },
        "distribution": [
            {
                "@type": "DataDownload",
                "identifier": spec.name,
                "name": spec.name,
                "additionalType": spec.additional_type,
                "encodingFormat": RPDE_MEDIA_TYPE,
                "contentUrl": urls.feed(spec.path),
            }
            for spec in FEEDS.values()
        ],
        "accessService": access_service,
    }


def page(document: dict[str, Any]) -> str:
    """Human-readable HTML with the Dataset embedded as the page's only JSON-LD block."""
    # "<" escaped so that no string in the data can close the script element.
    embedded = msgspec.json.encode(document).decode().replace("<", "\\u003c")
    feeds = "\n".join(
        f'<li><a href="{html.escape(d["contentUrl"])}">{html.escape(d["name"])}</a></li>'
        for d in document["distribution"]
    )
    title = html.escape(document["name"])
    return f"""<!DOCTYPE html>
<html lang="{html.escape(document["inLanguage"][0])}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<script type="application/ld+json">{embedded}</script>
</head>
<body>
<h1>{title}</h1>
<p>{html.escape(document["description"])}</p>
<h2>Open data feeds</h2>
<ul>
{feeds}
</ul>
<h2 id="booking-partners">Open Booking API</h2>
<p>Endpoint: <code>{html.escape(document["accessService"]["endpointUrl"])}</code>.
Booking partners receive credentials from the operator of this site.</p>
<p>Data licence: <a href="{html.escape(document["license"])}">CC BY 4.0</a>.</p>
</body>
</html>
"""
