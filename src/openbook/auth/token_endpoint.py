"""`POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for booking partners."""

from __future__ import annotations

import asyncio
import base64
import binascii
from urllib.parse import parse_qs, unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from openbook.auth.secrets import secret_matches
from openbook.auth.tokens import ALL_SCOPES, allowed_scopes
from openbook.runtime import Runtime

TOKEN_PATH = "/oauth/token"
_MAX_BODY = 4096
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class TokenRequestError(Exception):
    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.status = status


def _oauth_error(error: TokenRequestError) -> Response:
    headers = dict(_NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="openbook"'
    return JSONResponse(
        {"error": error.code, "error_description": error.description}, status_code=error.status, headers=headers
    )


def _form(body: bytes) -> dict[str, str]:
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as error:
        raise TokenRequestError("invalid_request", "the body is not application/x-www-form-urlencoded") from error
    repeated = sorted(name for name, values in parsed.items() if len(values) > 1)
    if repeated:
        raise TokenRequestError("invalid_request", f"parameters given more than once: {', '.join(repeated)}")
    return {name: values[0] for name, values in parsed.items()}


def _client_credentials(authorization: str | None, form: dict[str, str]) -> tuple[str, str]:
    in_body = "client_id" in form or "client_secret" in form
    if authorization is None:
        if not form.get("client_id") or "client_secret" not in form:
            raise TokenRequestError("invalid_client", "authenticate with HTTP Basic or client_id/client_secret", 401)
        return form["client_id"], form["client_secret"]
    if in_body:
        raise TokenRequestError("invalid_request", "use one client authentication method, not two")
    scheme, _, encoded = authorization.partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise TokenRequestError("invalid_client", "the Basic credentials are not valid base64", 401) from error
    client_id, colon, secret = decoded.partition(":")
    if scheme.lower() != "basic" or not colon:
        raise TokenRequestError("invalid_client", "authenticate with HTTP Basic: client_id:client_secret", 401)
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote_plus(client_id), unquote_plus(secret)


def _granted_scopes(requested: str | None, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if requested is None:
        return allowed
    wanted = requested.split()
    unknown = [scope for scope in wanted if scope not in ALL_SCOPES]
    if not wanted or unknown:
        raise TokenRequestError("invalid_scope", f"scopes offered: {' '.join(ALL_SCOPES)}")
    if any(scope not in allowed for scope in wanted):
        raise TokenRequestError("invalid_scope", "these credentials are suspended: only the orders feed is open")
    return tuple(scope for scope in ALL_SCOPES if scope in wanted)


async def token(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/x-www-form-urlencoded":
            raise TokenRequestError("invalid_request", "send application/x-www-form-urlencoded")
        body = await request.body()
        if len(body) > _MAX_BODY:
            raise TokenRequestError("invalid_request", "the request body is too large")
        form = _form(body)
        client_id, secret = _client_credentials(request.headers.get("authorization"), form)
        if form.get("grant_type") != "client_credentials":
            code = "invalid_request" if "grant_type" not in form else "unsupported_grant_type"
            raise TokenRequestError(code, "grant_type must be client_credentials")
        partner = await runtime.store.partner(client_id)
        secret_hash = partner.secret_hash if partner is not None else None
        # Argon2 is deliberately slow; keep it off the event loop.
        if not await asyncio.to_thread(secret_matches, secret_hash, secret) or partner is None:
            raise TokenRequestError("invalid_client", "unknown client or wrong secret", 401)
        scopes = _granted_scopes(form.get("scope"), allowed_scopes(partner))
    except TokenRequestError as error:
        return _oauth_error(error)
    issued = await runtime.tokens.issue(partner.client_id, scopes, runtime.clock.now())
    return JSONResponse(
        {
            "access_token": issued.value,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "scope": " ".join(issued.scopes),
        },
        headers=_NO_STORE,
    )


routes = [Route(TOKEN_PATH, token, methods=["POST"])]
