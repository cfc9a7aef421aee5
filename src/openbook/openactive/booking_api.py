"""The Open Booking API endpoints under {base}/api/openbooking. Each handler parses, calls one service, renders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

import msgspec
import structlog
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openbook.auth.callers import Caller
from openbook.auth.tokens import SCOPE_BOOKING, SCOPE_ORDERS_FEED
from openbook.domain import errors
from openbook.domain.clock import to_epoch_ms
from openbook.domain.errors import BookingError
from openbook.domain.inventory import OpportunityKind
from openbook.domain.orders import OrderItemStatus
from openbook.domain.proposals import Decision, ProposalRefused, ProposalStatus
from openbook.openactive import order_render, proposal_render
from openbook.openactive.feeds import FeedQueryError, parse_after
from openbook.openactive.ids import IdReader, canonical_uuid
from openbook.openactive.order_codec import decode_body, parse_order_request, reference, require_type
from openbook.openactive.order_render import error_body
from openbook.runtime import Runtime
from openbook.services.booking import BookingService, OrderRequest, QuoteOutcome, Stage, fingerprint
from openbook.services.logistics import LogisticsRefused
from openbook.services.proposals import ProposalBooking, Proposals
from openbook.services.seller_actions import (
    EntryMeans,
    notify_customer,
    record_attendance,
    renew_access,
    seller_cancels,
)
from openbook.services.test_interface import (
    SIMULATED_LOGISTICS,
    create_test_opportunity,
    first_booked_place,
    simulate_access_channel_update,
    simulate_change_of_logistics,
    simulate_replacement,
)
from openbook.store.port import InventoryView, StoredOrder

BOOKING_MEDIA_TYPE = "application/vnd.openactive.booking+json; version=1"
ACCEPTED_MEDIA_TYPES = ("application/vnd.openactive.booking+json", "application/json", "application/ld+json")
ORDERS_PAGE_SIZE = 500
_ENCODER = msgspec.json.Encoder(decimal_format="number")
log = structlog.get_logger(__name__)

Handler = Callable[[Request], Awaitable[Response]]


def booking_response(body: object, status: int, headers: dict[str, str] | None = None) -> Response:
    content = body if isinstance(body, bytes) else _ENCODER.encode(body)
    return Response(content, status_code=status, media_type=BOOKING_MEDIA_TYPE, headers=headers)


def error_response(error: BookingError) -> Response:
    return booking_response(error_body(error.kind, error.description, error.instance), error.kind.status)


def handles_errors(handler: Handler) -> Handler:
    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except BookingError as error:
            return error_response(error)
        except Exception:  # the API promises an OpenBookingError body even for our own bugs
            log.exception("booking_api_error", method=request.method, path=request.url.path)
            return error_response(BookingError(errors.INTERNAL_APPLICATION_ERROR, "an unexpected error was logged"))

    return wrapped


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _service(runtime: Runtime) -> BookingService:
    return BookingService(runtime.store, runtime.settings.lease_duration, intake_field_id=runtime.urls.intake_field)


def _proposals(runtime: Runtime) -> Proposals:
    return Proposals(runtime.store, runtime.settings.lease_duration)


def _uuid(request: Request) -> str:
    raw = request.path_params["uuid"]
    value = canonical_uuid(raw)
    if value is None:
        raise BookingError(errors.BAD_REQUEST, f"{raw!r} is not an RFC 4122 UUID")
    return value


async def _caller(request: Request, runtime: Runtime, scope: str = SCOPE_BOOKING) -> Caller:
    return await runtime.authenticator.identify(request.headers, runtime.clock.now(), scope)


async def _body(request: Request) -> dict[str, Any]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ACCEPTED_MEDIA_TYPES:
        raise BookingError(errors.UNSUPPORTED_MEDIA_TYPE, f"send {BOOKING_MEDIA_TYPE}, not {media_type or 'nothing'}")
    return decode_body(await request.body())


def _check_seller(caller: Caller, runtime: Runtime, seller_id: int | None) -> None:
    if seller_id is not None and not caller.may_act_for(runtime.urls.seller(seller_id), seller_id):
        raise BookingError(errors.INVALID_AUTHORIZATION_DETAILS, "these credentials may not book for this seller")


async def _order_request(request: Request, expected_type: str, stage: Stage) -> tuple[Runtime, Caller, OrderRequest]:
    """Authenticate, read and parse an OrderQuote or Order body, and check the seller may be booked."""
    runtime = _runtime(request)
    caller = await _caller(request, runtime)
    uuid = _uuid(request)
    document = await _body(request)
    require_type(document, expected_type)
    order_request = parse_order_request(document, stage, uuid, IdReader(runtime.urls))
    _check_seller(caller, runtime, order_request.seller_id)
    return runtime, caller, order_request


async def _quote(request: Request, stage: Stage) -> Response:
    runtime, caller, order_request = await _order_request(request, "OrderQuote", stage)
    outcome = await _service(runtime).quote(caller.partner, order_request, runtime.clock.now())
    body = order_render.order_document(
        runtime.urls, runtime.vocabulary, outcome, booked=False, service=runtime.booking_service
    )
    return booking_response(body, 409 if outcome.has_item_errors else 200)


@handles_errors
async def c1(request: Request) -> Response:
    return await _quote(request, Stage.C1)


@handles_errors
async def c2(request: Request) -> Response:
    return await _quote(request, Stage.C2)


@handles_errors
async def delete_quote(request: Request) -> Response:
    runtime = _runtime(request)
    caller = await _caller(request, runtime)
    await _service(runtime).release(caller.partner, _uuid(request))
    return Response(status_code=204)


@handles_errors
async def book(request: Request) -> Response:
    runtime = _runtime(request)
    caller = await _caller(request, runtime)
    uuid = _uuid(request)
    document = await _body(request)
    require_type(document, "Order")
    if "orderProposalVersion" in document:
        return await _book_proposal(runtime, caller, uuid, document)
    order_request = parse_order_request(document, Stage.B, uuid, IdReader(runtime.urls))
    _check_seller(caller, runtime, order_request.seller_id)
    return await _create(runtime, caller, order_request)


@handles_errors
async def propose(request: Request) -> Response:
    runtime, caller, order_request = await _order_request(request, "OrderProposal", Stage.P)
    return await _create(runtime, caller, order_request)


async def _create(runtime: Runtime, caller: Caller, order_request: OrderRequest) -> Response:
    """B (an Order) or P (an OrderProposal): 201 with the body, or 409 with the item errors."""
    uuid, proposing = order_request.uuid, order_request.stage is Stage.P
    path, type_ = ("order-proposals", "OrderProposal") if proposing else ("orders", "Order")

    def render(outcome: QuoteOutcome) -> str:
        service = runtime.booking_service
        body = (
            proposal_render.proposal_document(runtime.urls, runtime.vocabulary, outcome, service=service)
            if proposing
            else order_render.order_document(runtime.urls, runtime.vocabulary, outcome, booked=True, service=service)
        )
        return _ENCODER.encode(body).decode()

    _, body, rejected = await _service(runtime).book(caller.partner, order_request, runtime.clock.now(), render)
    if rejected is not None:
        errored = order_render.order_document(
            runtime.urls, runtime.vocabulary, rejected, booked=False, service=runtime.booking_service
        )
        errored.update({"@type": type_, "@id": f"{runtime.urls.booking_api}/{path}/{uuid}"})
        errored.pop("orderRequiresApproval", None)
        errored.pop("lease", None)
        return booking_response(errored, 409)
    return booking_response(body.encode(), 201, {"Location": f"{runtime.urls.booking_api}/{path}/{uuid}"})


async def _book_proposal(runtime: Runtime, caller: Caller, uuid: str, document: dict[str, Any]) -> Response:
    """B's second form, after the seller accepted: only the version (and a payment) is sent."""
    extra = _excessive(set(document), {"@context", "@type", "type", "orderProposalVersion", "payment"})
    if extra:
        raise BookingError(errors.BAD_REQUEST, f"B by orderProposalVersion takes no {', '.join(extra)}")
    version = str(document.get("orderProposalVersion") or "")
    prefix = f"{proposal_render.proposal_id(runtime.urls, uuid)}/versions/"
    version_uuid = canonical_uuid(version.removeprefix(prefix)) if version.startswith(prefix) else None
    if version_uuid is None:
        raise BookingError(errors.BAD_REQUEST, f"{version!r} is not a version of the OrderProposal {uuid}")
    payment = document.get("payment")
    if payment is not None and not isinstance(payment, dict):
        raise BookingError(errors.BAD_REQUEST, "payment must be an object")
    booking = ProposalBooking(uuid, version_uuid, payment, fingerprint(document))

    def render(proposal: StoredOrder, reflected: dict[str, Any] | None, inventory: InventoryView) -> str:
        document = proposal_render.order_from_proposal(runtime.urls, proposal, reflected, inventory)
        return _ENCODER.encode(document).decode()

    body = await _proposals(runtime).book(caller.partner, booking, runtime.clock.now(), render)
    return booking_response(body.encode(), 201, {"Location": f"{runtime.urls.booking_api}/orders/{uuid}"})


_PROPOSAL_PATCH = {"@context", "@type", "type", "orderProposalStatus", "orderCustomerNote"}


@handles_errors
async def update_proposal(request: Request) -> Response:
    """U: the customer rejects the proposal and/or leaves the seller a note; nothing else may change."""
    runtime, caller, uuid, document = await _patch(request, "OrderProposal")
    _refuse_excessive(_excessive(set(document), _PROPOSAL_PATCH))
    status, note = document.get("orderProposalStatus"), document.get("orderCustomerNote")
    if status is None and note is None:
        raise BookingError(errors.BAD_REQUEST, "send orderProposalStatus, orderCustomerNote or both")
    if status is not None and status != ProposalStatus.CUSTOMER_REJECTED.value:
        raise BookingError(
            errors.PATCH_NOT_ALLOWED_ON_PROPERTY,
            f"orderProposalStatus may only be set to {ProposalStatus.CUSTOMER_REJECTED.value}",
        )
    if note is not None and not isinstance(note, str):
        raise BookingError(errors.BAD_REQUEST, "orderCustomerNote must be text")
    decision = Decision.CUSTOMER_REJECT if status is not None else Decision.CUSTOMER_NOTE
    try:
        await _proposals(runtime).decide(caller.partner, uuid, decision, runtime.clock.now(), note=note)
    except ProposalRefused as refused:
        raise BookingError(errors.BAD_REQUEST, refused.reason) from refused
    return Response(status_code=204)


_PATCH_TOP = {"@context", "@type", "type", "orderedItem"}
_PATCH_ITEM = {"@type", "type", "@id", "id", "orderItemStatus"}


def _excessive(keys: set[str], allowed: set[str]) -> list[str]:
    # Properties in a custom namespace (prefixed or full IRIs) are the caller's own business.
    return sorted(k for k in keys - allowed if ":" not in k)


async def _patch(request: Request, expected_type: str) -> tuple[Runtime, Caller, str, dict[str, Any]]:
    """Authenticate and read a PATCH body of ``expected_type``."""
    runtime = _runtime(request)
    caller = await _caller(request, runtime)
    uuid = _uuid(request)
    document = await _body(request)
    require_type(document, expected_type)
    return runtime, caller, uuid, document


def _refuse_excessive(extra: list[str]) -> None:
    if extra:
        raise BookingError(
            errors.PATCH_CONTAINS_EXCESSIVE_PROPERTIES, f"not allowed here: {', '.join(sorted(set(extra)))}"
        )


@handles_errors
async def cancel(request: Request) -> Response:
    runtime, caller, uuid, document = await _patch(request, "Order")
    extra = _excessive(set(document), _PATCH_TOP)
    items = document.get("orderedItem")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise BookingError(errors.BAD_REQUEST, "orderedItem must list the OrderItems to cancel")
    for item in items:
        extra += _excessive(set(item), _PATCH_ITEM)
    _refuse_excessive(extra)
    ids = IdReader(runtime.urls)
    lines = []
    for item in items:
        if item.get("orderItemStatus") != OrderItemStatus.CUSTOMER_CANCELLED.value:
            raise BookingError(
                errors.PATCH_NOT_ALLOWED_ON_PROPERTY,
                f"orderItemStatus may only be set to {OrderItemStatus.CUSTOMER_CANCELLED.value}",
            )
        reference = ids.order_item(str(item.get("@id", item.get("id", ""))))
        if reference is None:
            raise BookingError(errors.ORDER_ITEM_ID_INVALID, f"{item.get('@id')!r} is not an OrderItem @id")
        if canonical_uuid(reference[0]) != uuid:
            raise BookingError(errors.ORDER_ITEM_NOT_WITHIN_ORDER, f"{item.get('@id')!r} belongs to another Order")
        lines.append(reference[1])
    await _service(runtime).cancel_by_customer(caller.partner, uuid, lines, runtime.clock.now())
    return Response(status_code=204)


@handles_errors
async def delete_order(request: Request) -> Response:
    runtime = _runtime(request)
    caller = await _caller(request, runtime)
    await _service(runtime).delete(caller.partner, _uuid(request), runtime.clock.now())
    return Response(status_code=204)


@handles_errors
async def order_status(request: Request) -> Response:
    runtime = _runtime(request)
    caller = await _caller(request, runtime)
    order = await runtime.store.order(caller.partner.id, _uuid(request))
    if order is None or order.kind == "OrderQuote":
        raise BookingError(errors.UNKNOWN_ORDER, "no order has this UUID")
    if order.kind == "Deleted":
        raise BookingError(errors.GONE, "this order has been deleted")
    if order.kind == "OrderProposal":
        return booking_response(proposal_render.proposal_status(runtime.urls, order), 200)
    inventory = await runtime.store.inventory_for({i.opportunity_id for i in order.items}, include_deleted=True)
    return booking_response(order_render.order_status(order, runtime.urls, runtime.vocabulary, inventory), 200)


async def _order_feed(request: Request, *, proposals: bool) -> Response:
    """A page of the partner's orders feed or order-proposals feed (one feed per booking partner)."""
    runtime = _runtime(request)
    caller = await _caller(request, runtime, SCOPE_ORDERS_FEED)
    try:
        after = parse_after(dict(request.query_params))
    except FeedQueryError as error:
        raise BookingError(errors.BAD_REQUEST, str(error)) from error
    entries = await runtime.store.orders_feed(caller.partner.id, after, ORDERS_PAGE_SIZE, proposals=proposals)
    kind = "OrderProposal" if proposals else "Order"
    booked = set() if proposals else {i.opportunity_id for e in entries if e.order is not None for i in e.order.items}
    inventory = await runtime.store.inventory_for(booked, include_deleted=True)
    items = []
    for entry in entries:
        item: dict[str, Any] = {"state": "updated", "kind": kind, "id": entry.uuid, "modified": entry.change_number}
        if entry.order is None:
            item["state"] = "deleted"
        else:
            item["data"] = (
                proposal_render.feed_proposal(runtime.urls, entry.order)
                if proposals
                else order_render.feed_order(runtime.urls, entry.order, runtime.vocabulary, inventory)
            )
        items.append(item)
    feed_url = f"{runtime.urls.booking_api}/{'order-proposals' if proposals else 'orders'}-rpde"
    position = items[-1]["modified"] if items else after
    next_url = feed_url if position is None else f"{feed_url}?afterChangeNumber={position}"
    return booking_response({"next": next_url, "items": items}, 200, {"Cache-Control": "no-store"})


@handles_errors
async def orders_feed(request: Request) -> Response:
    return await _order_feed(request, proposals=False)


@handles_errors
async def order_proposals_feed(request: Request) -> Response:
    return await _order_feed(request, proposals=True)


# ---- test interface -------------------------------------------------------------------------------------

_TEST_TYPES = {
    ("ScheduledSession", "SessionSeries"): OpportunityKind.SCHEDULED_SESSION,
    ("Slot", "FacilityUse"): OpportunityKind.FACILITY_USE_SLOT,
    ("Slot", "IndividualFacilityUse"): OpportunityKind.INDIVIDUAL_FACILITY_USE_SLOT,
    ("Event", ""): OpportunityKind.EVENT,  # standalone: organizer on the Event itself
    ("OnDemandEvent", ""): OpportunityKind.ON_DEMAND_EVENT,
    ("HeadlineEvent", ""): OpportunityKind.HEADLINE_EVENT,
    ("CourseInstance", ""): OpportunityKind.COURSE_INSTANCE,
    ("Event", "HeadlineEvent"): OpportunityKind.HEADLINE_EVENT_SUB_EVENT,
    ("Event", "CourseInstance"): OpportunityKind.COURSE_INSTANCE_SUB_EVENT,
}


def _require_test_mode(runtime: Runtime) -> None:
    if not runtime.settings.test_mode:
        raise BookingError(errors.UNKNOWN_OR_INCORRECT_ENDPOINT, "the test interface is only served in test mode")


@handles_errors
async def test_create_opportunity(request: Request) -> Response:
    runtime = _runtime(request)
    _require_test_mode(runtime)
    await _caller(request, runtime)
    document = await _body(request)
    parent = document.get("superEvent") or document.get("facilityUse") or {}
    if not isinstance(parent, dict):
        raise BookingError(errors.BAD_REQUEST, "superEvent or facilityUse must be an object with @type")
    kind = _TEST_TYPES.get((document.get("@type", ""), parent.get("@type", "")))
    if kind is None:
        types = ", ".join(dict.fromkeys(t for t, _ in _TEST_TYPES))
        raise BookingError(errors.BAD_REQUEST, f"this booking system makes test opportunities of type {types}")
    organizer = parent.get("organizer") or parent.get("provider") or document.get("organizer")
    seller_ref = reference(organizer) or ""
    seller_id = IdReader(runtime.urls).seller(seller_ref)
    sellers = {s.id: s for s in await runtime.store.sellers()}
    if seller_id not in sellers:
        raise BookingError(errors.SELLER_NOT_FOUND, f"no seller has the @id {seller_ref!r}")
    # The test interface acts as the seller's own staff would: booking-partner seller limits do not apply.
    opportunity_id = await create_test_opportunity(
        runtime.store,
        runtime.vocabulary,
        dataset=request.path_params["dataset"],
        kind=kind,
        seller_identifier=sellers[seller_id].identifier,
        criterion=str(document.get("test:testOpportunityCriteria", "")),
        approval=str(document.get("test:testOpenBookingFlow", "")).endswith("OpenBookingApprovalFlow"),
        now=runtime.clock.now(),
    )
    await runtime.store.sequence_feed_changes()
    body = {
        "@context": ["https://openactive.io/", "https://openactive.io/test-interface"],
        "@type": document["@type"],
        "@id": runtime.urls.opportunity(kind, opportunity_id),
    }
    return booking_response(body, 200)


@handles_errors
async def test_delete_dataset(request: Request) -> Response:
    runtime = _runtime(request)
    _require_test_mode(runtime)
    await runtime.store.delete_test_dataset(request.path_params["dataset"], to_epoch_ms(runtime.clock.now()))
    return Response(status_code=204)


@handles_errors
async def test_action(request: Request) -> Response:
    runtime = _runtime(request)
    _require_test_mode(runtime)
    caller = await _caller(request, runtime)
    document = await _body(request)
    action = str(document.get("@type", ""))
    target = str((document.get("object") or {}).get("@id", ""))
    if action.startswith(_LOGISTICS):  # these act on an opportunity (or on an Order's first place)
        await _simulate_logistics(runtime, caller, action.removeprefix(_LOGISTICS), target)
        return Response(status_code=204)
    store, partner, now = runtime.store, caller.partner, runtime.clock.now()
    decision = _SELLER_DECISIONS.get(action)
    if decision is not None:
        try:
            await _proposals(runtime).decide(partner, _target_uuid(runtime, target, "order-proposals"), decision, now)
        except ProposalRefused as refused:
            raise BookingError(errors.UNABLE_TO_PROCESS_ORDER_ITEM, refused.reason) from refused
        return Response(status_code=204)
    uuid = _target_uuid(runtime, target, "orders")
    match action:
        case "test:SellerRequestedCancellationSimulateAction":
            await seller_cancels(store, partner, uuid, now, None)
        case "test:SellerRequestedCancellationWithMessageSimulateAction":
            await seller_cancels(store, partner, uuid, now, "Cancelled by the organiser: the instructor is unwell.")
        case "test:AttendeeAttendedSimulateAction" | "test:AttendeeAbsentSimulateAction":
            await record_attendance(store, partner, uuid, now, attended=action == "test:AttendeeAttendedSimulateAction")
        case "test:CustomerNoticeSimulateAction":
            await notify_customer(store, partner, uuid, now, "The changing rooms are closed today: arrive changed.")
        case "test:AccessCodeUpdateSimulateAction":
            await renew_access(store, partner, uuid, now, EntryMeans.CODES)
        case "test:AccessPassUpdateSimulateAction":
            await renew_access(store, partner, uuid, now, EntryMeans.PASSES)
        case "test:ReplacementSimulateAction":
            await simulate_replacement(store, partner, uuid, now)
        case "test:AccessChannelUpdateSimulateAction":
            try:
                await simulate_access_channel_update(store, partner, uuid, now)
            except LogisticsRefused as refused:
                raise _logistics_error(refused) from refused
        case _:
            raise BookingError(errors.BAD_REQUEST, f"this booking system does not simulate {action!r}")
    return Response(status_code=204)


_SELLER_DECISIONS = {
    "test:SellerAcceptOrderProposalSimulateAction": Decision.ACCEPT,
    "test:SellerRejectOrderProposalSimulateAction": Decision.REJECT,
    "test:SellerAmendOrderProposalSimulateAction": Decision.AMEND,
}


def _target_uuid(runtime: Runtime, target: str, collection: str) -> str:
    prefix = f"{runtime.urls.booking_api}/{collection}/"
    uuid = canonical_uuid(target.removeprefix(prefix)) if target.startswith(prefix) else None
    if uuid is None:
        raise BookingError(errors.UNKNOWN_ORDER, f"{target!r} is not an @id in {prefix}")
    return uuid


_LOGISTICS = "test:ChangeOfLogistics"


async def _simulate_logistics(runtime: Runtime, caller: Caller, action: str, target: str) -> None:
    """test:ChangeOfLogistics{Name,Location,Time}SimulateAction on an opportunity @id (what the test suite
    sends) or on an Order @id (then the opportunity of its first place still to take place)."""
    what = action.removesuffix("SimulateAction")
    if what not in SIMULATED_LOGISTICS:
        raise BookingError(errors.BAD_REQUEST, f"this booking system does not simulate {_LOGISTICS + action!r}")
    opportunity = IdReader(runtime.urls).opportunity(target)
    if opportunity is not None:
        opportunity_id = opportunity[1]
    else:
        uuid = _target_uuid(runtime, target, "orders")
        opportunity_id = (await first_booked_place(runtime.store, caller.partner, uuid)).opportunity_id
    try:
        await simulate_change_of_logistics(runtime.store, runtime.vocabulary, opportunity_id, what, runtime.clock.now())
    except LogisticsRefused as refused:
        raise _logistics_error(refused) from refused


def _logistics_error(refused: LogisticsRefused) -> BookingError:
    kind = {404: errors.NOT_FOUND, 409: errors.UNABLE_TO_PROCESS_ORDER_ITEM}.get(refused.status, errors.BAD_REQUEST)
    return BookingError(kind, refused.message)


@handles_errors
async def echo(request: Request) -> Response:
    """Parse an Order exactly as B does, then echo it: the benchmark's baseline for B (test mode only)."""
    runtime = _runtime(request)
    _require_test_mode(runtime)
    await _caller(request, runtime)
    document = await _body(request)
    require_type(document, "Order")
    parse_order_request(document, Stage.B, _uuid(request), IdReader(runtime.urls))
    return booking_response(document, 200)


@handles_errors
async def unknown_endpoint(request: Request) -> Response:
    raise BookingError(errors.UNKNOWN_OR_INCORRECT_ENDPOINT, f"{request.method} {request.url.path} is not an endpoint")


_ROUTES: list[tuple[str, dict[str, Handler]]] = [
    ("/order-quote-templates/{uuid}", {"PUT": c1}),
    ("/order-quotes/{uuid}", {"PUT": c2, "DELETE": delete_quote}),
    ("/order-proposals/{uuid}", {"PUT": propose, "PATCH": update_proposal}),
    ("/orders/{uuid}", {"PUT": book, "PATCH": cancel, "DELETE": delete_order, "GET": order_status}),
    ("/orders-rpde", {"GET": orders_feed}),
    ("/order-proposals-rpde", {"GET": order_proposals_feed}),
    ("/test-interface/datasets/{dataset}/opportunities", {"POST": test_create_opportunity}),
    ("/test-interface/datasets/{dataset}", {"DELETE": test_delete_dataset}),
    ("/test-interface/actions", {"POST": test_action}),
    ("/test-interface/echo/{uuid}", {"PUT": echo}),
]


def _dispatch(methods: dict[str, Handler]) -> Handler:
    @handles_errors
    async def dispatch(request: Request) -> Response:
        handler = methods.get(request.method)
        if handler is None:
            allowed = ", ".join(sorted(methods))
            raise BookingError(errors.METHOD_NOT_ALLOWED, f"{request.method} is not allowed here; use {allowed}")
        return await handler(request)

    return dispatch


ALL_METHODS = ["GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS"]
routes = [Route(f"/api/openbooking{path}", _dispatch(methods), methods=ALL_METHODS) for path, methods in _ROUTES] + [
    Route("/api/openbooking/{rest:path}", unknown_endpoint, methods=ALL_METHODS),
    Route("/api/openbooking", unknown_endpoint, methods=ALL_METHODS),
]
