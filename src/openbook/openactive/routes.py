"""HTTP handlers of the open-data side: dataset site and RPDE feeds. Parse, call, render; no rules here."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from openbook.openactive import dataset_site
from openbook.openactive.feeds import FEEDS, RPDE_MEDIA_TYPE, FeedQueryError, parse_after, read_page
from openbook.openactive.passes import pass_image
from openbook.runtime import Runtime

_ENCODER = msgspec.json.Encoder(decimal_format="number")


def json_response(
    body: object,
    status: int = 200,
    media_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(_ENCODER.encode(body), status_code=status, media_type=media_type, headers=headers)


def _problem(status: int, message: str) -> Response:
    return json_response({"error": message}, status=status)


async def dataset_site_page(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    document = dataset_site.dataset(runtime.urls, runtime.settings.dataset_site, runtime.started_at)
    return HTMLResponse(dataset_site.page(document), headers={"Cache-Control": "public, max-age=300"})


async def feed_page(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    spec = FEEDS.get(request.path_params["feed"])
    if spec is None:
        return _problem(404, f"no feed named {request.path_params['feed']!r}; the dataset site lists them")
    try:
        after = parse_after(dict(request.query_params))
    except FeedQueryError as error:
        return _problem(400, str(error))
    page = await read_page(spec, runtime.store, runtime.urls, runtime.vocabulary, after)
    # A full page never changes again; the last page grows, so caches must come back soon.
    cache = "public, max-age=3600" if page.is_full else "public, max-age=8"
    return json_response(page.body(), media_type=RPDE_MEDIA_TYPE, headers={"Cache-Control": cache})


routes = [
    Route("/openactive", dataset_site_page, methods=["GET"]),
    Route("/openactive/", dataset_site_page, methods=["GET"]),
    Route("/feeds/{feed}", feed_page, methods=["GET"]),
    Route("/access-passes/{text}.svg", pass_image, methods=["GET"]),
]
