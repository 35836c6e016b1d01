"""Hub REST API: login, the passport broker (token exchange, userinfo), JWKS, OIDC discovery.

- ``POST /oidc/login`` ``{"username", "password"}`` (JSON or form-encoded) → a Passport-Scoped
  Access Token. Failed logins are rate limited per account and per client (429 with
  ``Retry-After``; see :mod:`onemg.access.throttle`).
- ``POST /oidc/token`` RFC 8693 token exchange (form): ``subject_token`` = that access token,
  ``requested_token_type=urn:ga4gh:params:oauth:token-type:passport``, ``audience`` = a member
  node's base URL (with or without ``/api`` and a trailing slash) → a passport scoped to that
  node. Any other audience is refused with ``invalid_target`` and the list of members.
- ``GET /oidc/userinfo`` → ``{"sub", "ga4gh_passport_v1": [visas]}`` (AAI 1.0 style).
- ``GET /oidc/jwks``, ``GET /.well-known/openid-configuration``.

Errors under ``/oidc/`` are OAuth 2.0 error objects (``onemg.web.errors``). Token responses
carry ``Cache-Control: no-store`` and ``Pragma: no-cache`` (AAI profile). The rules and the
audit live in :class:`~onemg.access.hub_service.HubService`; these routes parse, call it, answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from onemg.access.api import HubAccess
from onemg.access.hub_service import (
    ACCESS_TOKEN_TYPE,
    PASSPORT_TOKEN_TYPE,
    TOKEN_EXCHANGE,
    HubService,
)
from onemg.access.keys import jwks
from onemg.access.routes_node import bearer
from onemg.errors import AuthenticationError, InvalidInputError

_NO_STORE = {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class LoginBody(BaseModel):
    """Local-account credentials."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


async def _login_body(request: Request) -> LoginBody:
    """The credentials, from a JSON or a form-encoded body."""
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    try:
        if ctype in _FORM_TYPES:
            data: Any = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        else:
            data = await request.json()
        return LoginBody.model_validate(data)
    except (ValueError, ValidationError) as exc:
        raise InvalidInputError(
            'send username and password as JSON {"username": ..., "password": ...} '
            "or as a form (application/x-www-form-urlencoded)"
        ) from exc


def _token(request: Request) -> str | None:
    """The bearer token; a malformed header counts as none (refused and audited as such)."""
    try:
        return bearer(request)
    except AuthenticationError:
        return None


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def hub_router(access: HubAccess | Callable[[], HubAccess]) -> APIRouter:
    """The hub's login and broker routes (mount at the app root).

    ``access`` may be a provider called per request (so the database opens on first use).
    """
    router = APIRouter(tags=["login"])
    get: Callable[[], HubAccess] = access if callable(access) else (lambda: access)

    def service() -> HubService:
        return HubService(get())

    @router.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        """OpenID Connect discovery metadata of the broker."""
        iss = get().broker.issuer
        return {
            "issuer": iss,
            "jwks_uri": get().broker.jwks_url,
            "token_endpoint": f"{iss}oidc/token",
            "userinfo_endpoint": f"{iss}oidc/userinfo",
            "login_endpoint": f"{iss}oidc/login",
            "grant_types_supported": [TOKEN_EXCHANGE, "password"],
            "scopes_supported": ["openid", "ga4gh_passport_v1"],
            "response_types_supported": ["token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": [get().broker.key.alg],
            "token_endpoint_auth_methods_supported": ["none"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "ga4gh_passport_v1"],
        }

    @router.get("/oidc/jwks")
    async def hub_jwks() -> JSONResponse:
        """The broker's public keys (cacheable for five minutes)."""
        return JSONResponse(jwks(get().broker.key), headers={"Cache-Control": "max-age=300"})

    @router.post(
        "/oidc/login",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": LoginBody.model_json_schema()},
                    "application/x-www-form-urlencoded": {"schema": LoginBody.model_json_schema()},
                },
            }
        },
    )
    async def login(request: Request) -> JSONResponse:
        """Log in with a local account and receive a passport-scoped access token."""
        body = await _login_body(request)
        result = await service().login(body.username, body.password, client=_client(request))
        return JSONResponse(
            {
                "access_token": result.access_token,
                "token_type": "Bearer",
                "expires_in": result.expires_in,
                "scope": result.scope,
                "sub": result.sub,
            },
            headers=_NO_STORE,
        )

    @router.post("/oidc/token")
    async def token(
        grant_type: str = Form(...),
        subject_token: str = Form(...),
        subject_token_type: str = Form(ACCESS_TOKEN_TYPE),
        requested_token_type: str = Form(PASSPORT_TOKEN_TYPE),
        audience: str = Form(...),
    ) -> JSONResponse:
        """RFC 8693 token exchange: access token → passport for one member node."""
        result = await service().exchange(
            grant_type=grant_type,
            subject_token=subject_token,
            subject_token_type=subject_token_type,
            requested_token_type=requested_token_type,
            audience=audience,
        )
        return JSONResponse(
            {
                "access_token": result.passport,
                "issued_token_type": PASSPORT_TOKEN_TYPE,
                "token_type": "N_A",
                "expires_in": result.expires_in,
            },
            headers=_NO_STORE,
        )

    @router.get("/oidc/userinfo")
    async def userinfo(request: Request) -> JSONResponse:
        """The user's visas (AAI 1.0 UserInfo style)."""
        return JSONResponse(await service().userinfo(_token(request)), headers=_NO_STORE)

    @router.post("/oidc/accept-terms")
    async def accept_terms(request: Request) -> dict[str, Any]:
        """Accept the Registered Access terms (adds an AcceptedTermsAndPolicies visa)."""
        await service().accept_terms(_token(request))
        return {"accepted": True}

    @router.put("/oidc/admin/users/{username}/researcher-status")
    async def grant_status(username: str, request: Request) -> dict[str, Any]:
        """Administrator: vouch for a user's bona fide researcher status."""
        await service().set_researcher_status(_token(request), username, granted=True)
        return {"researcherStatus": True}

    @router.delete("/oidc/admin/users/{username}/researcher-status")
    async def revoke_status(username: str, request: Request) -> dict[str, Any]:
        """Administrator: withdraw a user's researcher status."""
        await service().set_researcher_status(_token(request), username, granted=False)
        return {"researcherStatus": False}

    return router
