"""`/backoffice/api/…`: a seller's staff list their orders, cancel them, take the register, send notices,
renew the means of entry (access codes, access passes), and change an opportunity's logistics (name, place,
times, and the access channel of one attended online).

Errors are `{"error": {"code": "...", "message": "..."}}` with a stable snake_case code and the HTTP status.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from openbook.domain.errors import BookingError
from openbook.domain.inventory import VIRTUAL_LOCATION_PROPERTIES, VirtualLocation
from openbook.domain.money import from_minor
from openbook.domain.proposals import Decision
from openbook.runtime import Runtime
from openbook.services.backoffice import BackOffice, BackOfficeError
from openbook.services.booking import current_totals
from openbook.services.logistics import Logistics
from openbook.services.proposals import NOTE_LIMIT
from openbook.services.seller_actions import EntryMeans
from openbook.store.port import SellerOrder, Staff, StoredItem

PREFIX = "/backoffice/api"
_MAX_BODY = 16 * 1024
Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


def _error(code: str, status: int, message: str) -> Response:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _snake(error_type: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", error_type.removesuffix("Error")).lower()


def handles_errors(handler: Handler) -> Handler:
    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except BackOfficeError as error:
            return _error(error.code, error.status, error.message)
        except BookingError as error:  # a seller action refused by the booking rules
            return _error(_snake(error.kind.type), error.kind.status, error.description)

    return wrapped


async def _staff(request: Request) -> tuple[Runtime, BackOffice, Staff]:
    runtime: Runtime = request.app.state.runtime
    office = BackOffice(runtime.store, runtime.settings.lease_duration)
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    staff = await office.staff_for_key(key.strip() if scheme.lower() == "bearer" else None)
    return runtime, office, staff


def _order_id(request: Request) -> int:
    raw = request.path_params["order_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise BackOfficeError("order_not_found", 404, f"{raw!r} is not an order id")
    return int(raw)


async def _json(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise BackOfficeError("unsupported_media_type", 415, "send application/json")
    body = await request.body()
    if len(body) > _MAX_BODY:
        raise BackOfficeError("too_large", 413, f"the body is over {_MAX_BODY} bytes")
    try:
        document = msgspec.json.decode(body) if body else {}
    except msgspec.DecodeError as error:
        raise BackOfficeError("invalid_json", 400, f"the body is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise BackOfficeError("invalid_json", 400, "the body must be a JSON object")
    return document


def _item(runtime: Runtime, item: StoredItem, currency: str) -> dict[str, Any]:
    return {
        "line": item.line,
        "opportunity": runtime.urls.opportunity(item.opportunity_kind, item.opportunity_id),
        "status": item.status,
        "price": str(from_minor(item.price_minor, currency)),
        "attendee": item.attendee,
        "intakeFormResponse": item.intake,
        "cancellationMessage": item.cancellation_message,
        "customerNotice": item.customer_notice,
        "accessCodes": [code.description for code in item.access.codes],
        "accessPasses": [
            {"barcode": barcode.text, "suppliedByBroker": barcode.broker_supplied} for barcode in item.access.passes
        ],
    }


def _order(runtime: Runtime, seller_order: SellerOrder) -> dict[str, Any]:
    order = seller_order.order
    currency = order.currency or "GBP"
    due, tax = current_totals(order)
    return {
        "id": order.id,
        "uuid": order.uuid,
        "kind": order.kind,
        "bookingPartner": {"clientId": seller_order.partner.client_id, "name": seller_order.partner.name},
        "customer": order.details.get("customer"),
        "currency": currency,
        "totalDue": str(due),
        "totalTax": str(tax),
        "items": [_item(runtime, item, currency) for item in order.items],
        "proposal": None
        if order.proposal_status is None
        else {
            "status": order.proposal_status,
            "version": order.proposal_version,
            "sellerNote": order.seller_note,
            "customerNote": order.customer_note,
        },
    }


@handles_errors
async def list_orders(request: Request) -> Response:
    runtime, office, staff = await _staff(request)
    after, limit = request.query_params.get("after", "0"), request.query_params.get("limit", "50")
    if not after.isdigit() or not limit.isdigit():
        raise BackOfficeError("invalid_query", 400, "after and limit are whole numbers")
    orders = await office.orders(staff, int(after), int(limit))
    position = orders[-1].order.id if orders else int(after)
    return JSONResponse(
        {
            "orders": [_order(runtime, o) for o in orders],
            "next": f"{runtime.settings.base_url}{PREFIX}/orders?after={position}&limit={limit}",
        }
    )


@handles_errors
async def get_order(request: Request) -> Response:
    runtime, office, staff = await _staff(request)
    return JSONResponse(_order(runtime, await office.order(staff, _order_id(request))))


def _message(body: dict[str, Any]) -> str | None:
    message = body.get("message")
    if message is not None and (not isinstance(message, str) or len(message) > 1000):
        raise BackOfficeError("invalid_message", 400, "message is text of at most 1000 characters")
    return message


def _attended(body: dict[str, Any]) -> bool:
    attended = body.get("attended")
    if not isinstance(attended, bool):
        raise BackOfficeError("invalid_attendance", 400, "attended must be true or false")
    return attended


def _notice(body: dict[str, Any]) -> str:
    text = body.get("notice")
    if not isinstance(text, str) or not text.strip() or len(text) > 1000:
        raise BackOfficeError("invalid_notice", 400, "notice is text of 1 to 1000 characters")
    return text


_SELLER_DECISIONS = {"accept": Decision.ACCEPT, "reject": Decision.REJECT, "amend": Decision.AMEND}


def _decision(body: dict[str, Any]) -> tuple[Decision, str | None]:
    decision = _SELLER_DECISIONS.get(str(body.get("decision")))
    if decision is None:
        raise BackOfficeError("invalid_decision", 400, "decision is one of accept, reject, amend")
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or not note.strip() or len(note) > NOTE_LIMIT):
        raise BackOfficeError("invalid_note", 400, f"note is text of 1 to {NOTE_LIMIT} characters")
    return decision, note


_LOGISTICS_FIELDS = {"name", "place", "startDate", "endDate", "accessChannel"}


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and (not isinstance(value, str) or len(value) > 1000):
        raise BackOfficeError(f"invalid_{key}", 400, f"{key} is text of at most 1000 characters")
    return value


def _instant(body: dict[str, Any], key: str) -> datetime | None:
    value = body.get(key)
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise BackOfficeError("invalid_date", 400, f"{key} is an ISO 8601 date and time with an offset")
    return instant


def _logistics(body: dict[str, Any]) -> Logistics:
    unexpected = sorted(set(body) - _LOGISTICS_FIELDS)
    if unexpected:
        raise BackOfficeError("unexpected_fields", 400, f"not a logistics field: {', '.join(unexpected)}")
    return Logistics(
        _text(body, "name"),
        _text(body, "place"),
        _instant(body, "startDate"),
        _instant(body, "endDate"),
        _channel(body.get("accessChannel")),
    )


def _channel(value: object) -> VirtualLocation | None:
    """``accessChannel``: the meeting link (and its name, description, meeting id, passcode) for booked customers."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - set(VIRTUAL_LOCATION_PROPERTIES):
        known = ", ".join(VIRTUAL_LOCATION_PROPERTIES)
        raise BackOfficeError("invalid_channel", 400, f"accessChannel is an object with any of {known}")
    return VirtualLocation(**{VIRTUAL_LOCATION_PROPERTIES[key]: _text(value, key) for key in value})


@handles_errors
async def change_logistics(request: Request) -> Response:
    runtime, office, staff = await _staff(request)
    raw = request.path_params["opportunity_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise BackOfficeError("opportunity_not_found", 404, f"{raw!r} is not an opportunity id")
    changes = _logistics(await _json(request))
    notified = await office.change_logistics(staff, int(raw), changes, runtime.clock.now())
    return JSONResponse({"opportunityId": int(raw), "ordersNotified": notified})


def _positive(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BackOfficeError("invalid_replacement", 400, "line and opportunityId are positive whole numbers")
    return value


def _move(body: dict[str, Any]) -> tuple[int, int]:
    return _positive(body, "line"), _positive(body, "opportunityId")


def _nothing(body: dict[str, Any]) -> None:
    """Actions without options take an empty JSON object."""
    if body:
        raise BackOfficeError("unexpected_fields", 400, f"this action takes no fields: {', '.join(sorted(body))}")


def _only(value: EntryMeans) -> Callable[[dict[str, Any]], EntryMeans]:
    """An action without options whose path names its one argument (which means of entry to renew)."""

    def read(body: dict[str, Any]) -> EntryMeans:
        _nothing(body)
        return value

    return read


def _order_action(
    read: Callable[[dict[str, Any]], T], act: Callable[[BackOffice, Staff, int, T, datetime], Awaitable[object]]
) -> Handler:
    """A POST that reads its input from the body, applies one seller action, and answers the order as it is now."""

    @handles_errors
    async def handler(request: Request) -> Response:
        runtime, office, staff = await _staff(request)
        value = read(await _json(request))
        order_id = _order_id(request)
        await act(office, staff, order_id, value, runtime.clock.now())
        return JSONResponse(_order(runtime, await office.order(staff, order_id)))

    return handler


routes = [
    Route(f"{PREFIX}/orders", list_orders, methods=["GET"]),
    Route(f"{PREFIX}/orders/{{order_id}}", get_order, methods=["GET"]),
    Route(f"{PREFIX}/orders/{{order_id}}/cancellation", _order_action(_message, BackOffice.cancel), methods=["POST"]),
    Route(
        f"{PREFIX}/orders/{{order_id}}/attendance",
        _order_action(_attended, BackOffice.record_attendance),
        methods=["POST"],
    ),
    Route(f"{PREFIX}/orders/{{order_id}}/notices", _order_action(_notice, BackOffice.notify), methods=["POST"]),
    Route(f"{PREFIX}/orders/{{order_id}}/decision", _order_action(_decision, BackOffice.decide), methods=["POST"]),
    *(
        Route(
            f"{PREFIX}/orders/{{order_id}}/access-{means}",
            _order_action(_only(means), BackOffice.renew_access),
            methods=["POST"],
        )
        for means in EntryMeans
    ),
    Route(f"{PREFIX}/orders/{{order_id}}/replacement", _order_action(_move, BackOffice.replace), methods=["POST"]),
    Route(f"{PREFIX}/opportunities/{{opportunity_id}}/logistics", change_logistics, methods=["POST"]),
]
