"""Hub REST API: login, the passport broker (token exchange, userinfo), JWKS, OIDC discovery.

- ``POST /oidc/login`` ``{"username", "password"}`` → a Passport-Scoped Access Token.
- ``POST /oidc/token`` RFC 8693 token exchange (form): ``subject_token`` = that access token,
  ``requested_token_type=urn:ga4gh:params:oauth:token-type:passport``, ``audience`` = a member
  node's base URL → a passport scoped to that node.
- ``GET /oidc/userinfo`` → ``{"sub", "ga4gh_passport_v1": [visas]}`` (AAI 1.0 style).
- ``GET /oidc/jwks``, ``GET /.well-known/openid-configuration``.

Token responses carry ``Cache-Control: no-store`` and ``Pragma: no-cache`` (AAI profile).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from onemg.access.accounts import Identity
from onemg.access.api import HubAccess
from onemg.access.keys import jwks
from onemg.access.routes_node import bearer
from onemg.errors import AccessDeniedError, AuthenticationError, InvalidInputError

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
PASSPORT_TOKEN_TYPE = "urn:ga4gh:params:oauth:token-type:passport"
_NO_STORE = {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}


class LoginBody(BaseModel):
    """Local-account credentials."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


def hub_router(access: HubAccess | Callable[[], HubAccess]) -> APIRouter:
    """The hub's login and broker routes (mount at the app root).

    ``access`` may be a provider called per request (so the database opens on first use).
    """
    router = APIRouter(tags=["login"])
    get: Callable[[], HubAccess] = access if callable(access) else (lambda: access)

    def identity_of(token: str | None) -> Identity:
        if not token:
            raise AuthenticationError("send Authorization: Bearer <access token from login>")
        return get().accounts.identity(get().broker.subject_of(token))

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

    @router.post("/oidc/login")
    async def login(body: LoginBody) -> JSONResponse:
        """Log in with a local account and receive a passport-scoped access token."""
        try:
            identity = get().accounts.authenticate(body.username, body.password)
        except AuthenticationError:
            get().audit.record(
                user=None,
                action="auth.login",
                resource="hub",
                result="denied",
                reason="wrong username or password",
                origin="hub-api",
            )
            raise
        get().audit.record(
            user=identity.sub,
            action="auth.login",
            resource="hub",
            result="granted",
            origin="hub-api",
        )
        return JSONResponse(
            {
                "access_token": get().broker.access_token(identity),
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": "openid ga4gh_passport_v1",
                "sub": identity.sub,
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
        if grant_type != TOKEN_EXCHANGE or requested_token_type != PASSPORT_TOKEN_TYPE:
            raise InvalidInputError(f"only {TOKEN_EXCHANGE} to {PASSPORT_TOKEN_TYPE} is supported")
        if subject_token_type != ACCESS_TOKEN_TYPE:
            raise InvalidInputError(f"subject_token_type must be {ACCESS_TOKEN_TYPE}")
        identity = identity_of(subject_token)
        passport = await get().broker.member_passport(
            identity, audience, node_urls=get().node_urls(), http=get().http
        )
        get().audit.record(
            user=identity.sub,
            action="broker.passport",
            resource=audience,
            result="granted",
            origin="hub-api",
        )
        return JSONResponse(
            {
                "access_token": passport,
                "issued_token_type": PASSPORT_TOKEN_TYPE,
                "token_type": "N_A",
                "expires_in": 3600,
            },
            headers=_NO_STORE,
        )

    @router.get("/oidc/userinfo")
    async def userinfo(request: Request) -> JSONResponse:
        """The user's visas (AAI 1.0 UserInfo style)."""
        identity = identity_of(bearer(request))
        visas = await get().broker.collect_visas(identity, get().node_urls(), get().http)
        return JSONResponse({"sub": identity.sub, "ga4gh_passport_v1": visas}, headers=_NO_STORE)

    @router.post("/oidc/accept-terms")
    async def accept_terms(request: Request) -> dict[str, Any]:
        """Accept the Registered Access terms (adds an AcceptedTermsAndPolicies visa)."""
        identity = identity_of(bearer(request))
        get().accounts.accept_terms(identity.sub)
        get().audit.record(user=identity.sub, action="auth.accept-terms", resource="hub",
                           result="ok", origin="hub-api")
        return {"accepted": True}

    def admin_of(request: Request) -> Identity:
        admin = identity_of(bearer(request))
        if not admin.is_admin:
            get().audit.record(user=admin.sub, action="admin.researcher-status", resource="hub",
                               result="denied", reason="not an administrator", origin="hub-api")
            raise AccessDeniedError("only hub administrators can change researcher status")
        return admin

    @router.put("/oidc/admin/users/{username}/researcher-status")
    async def grant_status(username: str, request: Request) -> dict[str, Any]:
        """Administrator: vouch for a user's bona fide researcher status."""
        admin = admin_of(request)
        get().accounts.grant_researcher_status(username, by="so")
        get().audit.record(user=admin.sub, action="admin.researcher-status",
                           resource=f"user:{get().accounts.sub_of(username)}", result="granted",
                           origin="hub-api")
        return {"researcherStatus": True}

    @router.delete("/oidc/admin/users/{username}/researcher-status")
    async def revoke_status(username: str, request: Request) -> dict[str, Any]:
        """Administrator: withdraw a user's researcher status."""
        admin = admin_of(request)
        get().accounts.revoke_researcher_status(username)
        get().audit.record(user=admin.sub, action="admin.researcher-status",
                           resource=f"user:{get().accounts.sub_of(username)}", result="revoked",
                           origin="hub-api")
        return {"researcherStatus": False}

    return router
