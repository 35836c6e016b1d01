"""A researcher's client of the hub and its member nodes (login, passports, DAC, queries).

Every call is plain HTTP with ``httpx``: the hub's ``/oidc/login`` and ``/oidc/token`` (RFC 8693
token exchange, audience = the member node), the node's ``/api/access/...`` DAC API with that
passport, and Beacon queries through the hub with the login's access token (the hub mints
member-scoped passports itself).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import httpx
import jwt

from onemg.client.credentials import CredentialFile, Passport, Session
from onemg.errors import (
    AccessDeniedError,
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    UpstreamError,
)

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
PASSPORT_TOKEN_TYPE = "urn:ga4gh:params:oauth:token-type:passport"
#: A stored passport is taken afresh when it has less than this many seconds left.
_MARGIN_S = 60


@dataclass(frozen=True)
class Member:
    """A member node as the hub lists it."""

    id: str
    country: str
    api_url: str
    #: The ``aud`` of a passport for this node, as the hub mints it.
    audience: str

    @property
    def base_url(self) -> str:
        """The node's origin + path without ``/api`` (its DAC API is under ``/api/access``)."""
        url = self.api_url.rstrip("/")
        return (url.removesuffix("/api") or url) + "/"


def _message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:300] or resp.reason_phrase
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):  # Beacon error envelope
            return str(err.get("errorMessage") or err)
        if isinstance(err, str):  # OAuth 2.0 error
            return str(body.get("error_description") or err)
        if "detail" in body:
            return str(body["detail"])
    return str(body)[:300]


def _check(resp: httpx.Response, what: str) -> Any:
    """The JSON body of a 2xx answer; otherwise the server's message as an onemg error."""
    if resp.is_success:
        return resp.json()
    msg = f"{what}: {_message(resp)} (HTTP {resp.status_code})"
    if resp.status_code == 401:
        raise AuthenticationError(msg + "; run `onemg login` again if your session expired")
    if resp.status_code == 403:
        raise AccessDeniedError(msg)
    if resp.status_code == 404:
        raise NotFoundError(msg)
    if 400 <= resp.status_code < 500:
        raise InvalidInputError(msg)
    raise UpstreamError(msg)


def passport_visas(token: str) -> list[dict[str, Any]]:
    """The visa claims inside a passport, for display (signatures are the node's business)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    out = []
    for visa in claims.get("ga4gh_passport_v1") or []:
        payload = jwt.decode(visa, options={"verify_signature": False})
        out.append(payload.get("ga4gh_visa_v1") or {})
    return out


class ResearcherClient:
    """The researcher's view of the network, with credentials kept in a :class:`CredentialFile`."""

    def __init__(
        self, store: CredentialFile, *, http: httpx.Client | None = None, clock: Any = time.time
    ) -> None:
        self.store = store
        self.http = http or httpx.Client(timeout=30.0)
        self.clock = clock

    def _call(self, method: str, url: str, what: str, **kwargs: Any) -> Any:
        try:
            resp = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"{what}: cannot reach {url} ({type(exc).__name__}: {exc}); "
                "check the URL and that the service runs"
            ) from exc
        return _check(resp, what)

    # -- login -------------------------------------------------------------------------------

    def login(self, hub: str, username: str, password: str) -> Session:
        """Log in at ``hub`` and store the session (never the password)."""
        hub = hub.rstrip("/") + "/"
        body = self._call(
            "POST", f"{hub}oidc/login", "login", json={"username": username, "password": password}
        )
        session = Session(
            hub=hub,
            username=username,
            sub=body["sub"],
            access_token=body["access_token"],
            expires_at=self.clock() + float(body.get("expires_in", 3600)),
        )
        self.store.save(session)
        return session

    def session(self) -> Session:
        """The stored session; raises when there is none or it has expired."""
        session = self.store.load()
        if session.expires_at <= self.clock():
            raise AuthenticationError(
                f"your login at {session.hub} has expired; run "
                f"`onemg login --hub {session.hub} --username "
                f"{session.username}`"
            )
        return session

    def _bearer(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    # -- members and passports ---------------------------------------------------------------

    def members(self) -> list[Member]:
        """The hub's member nodes."""
        hub = self.store.load().hub
        info = self._call("GET", f"{hub}api/info", "hub /api/info")
        out = []
        for m in ((info.get("response") or {}).get("info") or {}).get("members", []):
            api = m["apiUrl"]
            audience = m.get("passportAudience") or (api.rstrip("/").removesuffix("/api") + "/")
            out.append(Member(m["id"], m.get("country", ""), api, audience))
        return out

    def member(self, node: str) -> Member:
        """A member by id or country code (case-insensitive)."""
        members = self.members()
        for m in members:
            if node.lower() in (m.id.lower(), m.country.lower()):
                return m
        known = ", ".join(f"{m.country} ({m.id})" for m in members) or "none"
        raise NotFoundError(f"no member node {node!r} at this hub; members: {known}")

    def passport(self, node: str, *, fresh: bool = True) -> tuple[Member, Passport]:
        """A passport for ``node`` with every visa the user holds now (stored for reuse).

        ``fresh=False`` reuses a stored passport that is still valid for a minute.
        """
        session = self.session()
        member = self.member(node)
        held = session.passports.get(member.id)
        if not fresh and held and held.expires_at - _MARGIN_S > self.clock():
            return member, held
        body = self._call(
            "POST",
            f"{session.hub}oidc/token",
            f"passport for {member.country}",
            data={
                "grant_type": TOKEN_EXCHANGE,
                "subject_token": session.access_token,
                "subject_token_type": ACCESS_TOKEN_TYPE,
                "requested_token_type": PASSPORT_TOKEN_TYPE,
                "audience": member.audience,
            },
        )
        passport = Passport(
            body["access_token"],
            member.audience,
            self.clock() + float(body.get("expires_in", 3600)),
        )
        self.store.save(replace(session, passports={**session.passports, member.id: passport}))
        return member, passport

    # -- applications ------------------------------------------------------------------------

    def _node(self, method: str, node: str, path: str, what: str, **kwargs: Any) -> Any:
        member, passport = self.passport(node, fresh=False)
        return self._call(
            method,
            f"{member.base_url}api/access/{path}",
            what,
            headers=self._bearer(passport.token),
            **kwargs,
        )

    def draft(
        self, node: str, datasets: Sequence[str], form: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Create a draft application; return it with the node's DUO advice per dataset."""
        app = self._node(
            "POST",
            node,
            "applications",
            "create application",
            json={"datasets": list(datasets), "form": dict(form)},
        )
        advice = self._node("GET", node, f"applications/{app['id']}/duo", "DUO advice")
        return app, advice

    def submit(self, node: str, app_id: str) -> dict[str, Any]:
        """Submit a draft to the node's committee."""
        return self._node("POST", node, f"applications/{app_id}/submit", "submit")

    def close(self, node: str, app_id: str) -> dict[str, Any]:
        """Withdraw a draft (or an application under review)."""
        return self._node("POST", node, f"applications/{app_id}/close", "close", json={})

    def applications(self, node: str | None = None) -> list[tuple[Member, dict[str, Any]]]:
        """The user's applications at one node, or at every member."""
        nodes = [self.member(node)] if node else self.members()
        out = []
        for m in nodes:
            body = self._node("GET", m.id, "applications", f"applications at {m.country}")
            out.extend((m, a) for a in body.get("applications", []))
        return out

    # -- queries -----------------------------------------------------------------------------

    def query(
        self, entry: str, body: Mapping[str, Any], *, node: str | None = None
    ) -> dict[str, Any]:
        """A Beacon POST query through the hub (or to one node with its passport)."""
        if node is None:
            session = self.session()
            return self._call(
                "POST",
                f"{session.hub}api/{entry}",
                f"query {entry}",
                json=dict(body),
                headers=self._bearer(session.access_token),
            )
        member, passport = self.passport(node, fresh=False)
        return self._call(
            "POST",
            f"{member.api_url.rstrip('/')}/{entry}",
            f"query {entry}",
            json=dict(body),
            headers=self._bearer(passport.token),
        )
