"""The Passport Clearinghouse: verifies GA4GH Passports and their Visas into a Principal.

Procedure (GA4GH AAI 1.2, reference/access.md 1.7), for every request:

1. No token: :data:`~onemg.security.ANONYMOUS`. Oversized or malformed: 401.
2. Passport header: ``alg`` must be RS256/ES256, ``typ`` the passport type, ``kid`` present.
3. The passport ``iss`` (and ``jku`` if the header names one) must be allow-listed **before** any
   key is fetched; the key is chosen by ``kid`` from that allow-listed JWKS only.
4. Signature, ``exp``/``iat``/``nbf`` (with ``leeway_s``, on the injected clock), ``aud`` (must
   contain ``settings.access.audience`` when set).
5. Each visa (at most ``max_visas``, each at most ``max_visa_bytes``):

   - a visa from an issuer the node does not trust is *ignored* (a hub passport carries visas
     from every node's DAC; each node trusts only some of them);
   - a visa from a trusted issuer that fails verification (foreign ``jku``, unknown ``kid``,
     bad signature or algorithm, expired, not yet valid) or whose ``sub`` differs from the
     passport's makes the whole passport invalid (401): it was tampered with;
   - unknown visa types and visas with non-empty ``conditions`` are ignored;
   - each trusted issuer may assert only the visa types its entry lists (``visa_types``,
     default ResearcherStatus, AcceptedTermsAndPolicies, AffiliationAndRole: what a hub
     asserts); other types from it are ignored;
   - ControlledAccessGrants are accepted **only from this node's own committee issuer** (a hub
     or any other trusted issuer cannot grant this node's datasets, and national revocation
     reaches every grant); they need non-empty ``by``/``value``/``source`` (≤255 chars) and
     ``asserted`` not in the future; the ``value`` must be exactly one of the accepted forms of
     a dataset this node holds (:func:`accepted_values`), never a suffix match;
   - every grant is re-checked against the entitlement table, so a revoked or expired
     entitlement is denied on the next request even while the visa JWT is unexpired.

6. The effective expiry is the minimum ``exp`` over the passport and the accepted visas.

Invalid credentials raise :class:`~onemg.errors.AuthenticationError` (401) and are recorded in
the audit log when one is given; "valid but not enough" is the caller's 403.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.exceptions import InvalidTokenError

from onemg.access.keys import ALLOWED_ALGS
from onemg.access.tokens import (
    CONTROLLED_ACCESS_GRANTS,
    DATASET_URN_PREFIX,
    PASSPORT_TYP,
    RESEARCHER_STATUS,
    dataset_urn,
)
from onemg.access.trust import JwksCache, TrustList, shown
from onemg.errors import AuthenticationError
from onemg.security import ANONYMOUS, AuditSink, Principal, caller_audits_refusal
from onemg.settings import AccessSettings

#: ``(subject, dataset_id, now) -> bool``: is this node's own entitlement still active?
EntitlementCheck = Callable[[str, str, int], bool]


@dataclass(frozen=True)
class VerifierLimits:
    """Resource limits per request (SDA defaults)."""

    max_token_bytes: int = 1_048_576
    max_visas: int = 200
    max_visa_bytes: int = 16_384
    max_jwks_per_request: int = 10
    max_claim_chars: int = 255


@dataclass(frozen=True)
class VisaOutcome:
    """What happened to one visa: accepted, or ignored with a reason (for logs and tests)."""

    visa_type: str
    accepted: bool
    reason: str = ""
    dataset_id: str | None = None


def accepted_values(dataset_id: str, issuer: str) -> tuple[str, ...]:
    """The ControlledAccessGrants ``value`` forms that grant ``dataset_id`` on this node.

    ``urn:onemg:dataset:<id>`` (what onemg committees issue) and the dataset's URL on the
    node, ``<issuer>api/datasets/<id>``. Nothing else: ``https://evil/x:<id>`` grants nothing.
    """
    base = issuer if issuer.endswith("/") else issuer + "/"
    return (dataset_urn(dataset_id), f"{base}api/datasets/{dataset_id}")


def dataset_id_of_value(value: str, known: Iterable[str], issuer: str) -> str | None:
    """The dataset of this node that ``value`` names exactly, or ``None``."""
    for dataset_id in known:
        if value in accepted_values(dataset_id, issuer):
            return dataset_id
    return None


class _Request:
    """Per-request state: how many JWKS were consulted."""

    def __init__(self) -> None:
        self.jkus: set[str] = set()


class PassportVerifier:
    """Implements :class:`onemg.security.CredentialVerifier` for GA4GH Passports.

    Args:
        access: the node's access settings (trusted issuers, audience, leeway).
        jwks: the JWKS cache (holds the injected ``httpx.AsyncClient``).
        clock: epoch seconds; injected so tests can move time.
        known_datasets: returns the dataset ids this node holds; grants for others are ignored.
        own_issuer: this node's committee (visa issuer) URL: the only issuer whose
            ControlledAccessGrants are accepted; each is re-checked with ``entitlements``.
        entitlements: the entitlement check for those grants.
        audit: where 401 decisions are recorded (never the token itself).
    """

    def __init__(
        self,
        access: AccessSettings,
        *,
        jwks: JwksCache,
        clock: Callable[[], float] = time.time,
        known_datasets: Callable[[], Iterable[str]] | None = None,
        own_issuer: str | None = None,
        own_jku: str | None = None,
        entitlements: EntitlementCheck | None = None,
        audit: AuditSink | None = None,
        limits: VerifierLimits = VerifierLimits(),
    ) -> None:
        pairs = set(TrustList.of(access.trusted_issuers).pairs)
        # Which visa types each issuer may assert; the node's own committee asserts grants.
        types: dict[str, set[str]] = {}
        for issuer in access.trusted_issuers:
            types.setdefault(issuer.iss, set()).update(issuer.visa_types)
        if own_issuer and own_jku:
            pairs.add((own_issuer, own_jku))
            types.setdefault(own_issuer, set()).add(CONTROLLED_ACCESS_GRANTS)
        self._trust = TrustList(frozenset(pairs))
        self._visa_types = {iss: frozenset(t) for iss, t in types.items()}
        self._access = access
        self._jwks = jwks
        self._clock = clock
        self._known = known_datasets
        self._own_issuer = own_issuer
        self._entitlements = entitlements
        self._audit = audit
        self._limits = limits

    async def verify(self, token: str | None, *, origin: str | None = None) -> Principal:
        """Return the principal behind ``token`` (ANONYMOUS when absent).

        Raises:
            AuthenticationError: the token is malformed, untrusted, forged or expired.
        """
        principal, _ = await self.verify_detailed(token, origin=origin)
        return principal

    async def verify_detailed(
        self, token: str | None, *, origin: str | None = None
    ) -> tuple[Principal, list[VisaOutcome]]:
        """Like :meth:`verify`, also returning what happened to each visa."""
        if not token:
            return ANONYMOUS, []
        try:
            return await self._verify(token)
        except AuthenticationError as exc:
            if self._audit is not None and not caller_audits_refusal.get():
                self._audit.record(user=None, action="auth.verify", resource="passport",
                                   result="denied", reason=str(exc), origin=origin)
            raise

    async def _verify(self, token: str) -> tuple[Principal, list[VisaOutcome]]:
        if len(token) > self._limits.max_token_bytes:
            raise AuthenticationError("passport too large; the broker should send fewer visas")
        req = _Request()
        claims = await self._verified_claims(token, req, kind="passport", typ=PASSPORT_TYP)
        self._check_audience(claims)
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise AuthenticationError("passport has no sub claim")
        visas = claims.get("ga4gh_passport_v1", [])
        if not isinstance(visas, list) or not all(isinstance(v, str) for v in visas):
            raise AuthenticationError("passport claim ga4gh_passport_v1 must be a list of JWS")
        if len(visas) > self._limits.max_visas:
            raise AuthenticationError(
                f"passport holds {len(visas)} visas; at most {self._limits.max_visas} accepted"
            )
        expires = int(claims["exp"])
        registered = False
        datasets: set[str] = set()
        outcomes: list[VisaOutcome] = []
        known = set(self._known()) if self._known is not None else None
        for visa_jws in visas:
            outcome, visa_exp = await self._visa(visa_jws, subject, req, known)
            outcomes.append(outcome)
            if not outcome.accepted:
                continue
            expires = min(expires, visa_exp)
            if outcome.visa_type == RESEARCHER_STATUS:
                registered = True
            elif outcome.dataset_id is not None:
                datasets.add(outcome.dataset_id)
        principal = Principal(subject=subject, registered=registered,
                              datasets=frozenset(datasets), expires_at=expires)
        return principal, outcomes

    def _check_audience(self, claims: dict[str, Any]) -> None:
        audience = self._access.audience
        if not audience:
            return
        aud = claims.get("aud")
        auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if audience not in auds and audience.rstrip("/") not in [str(a).rstrip("/") for a in auds]:
            raise AuthenticationError(
                f"passport audience {shown(auds)} does not include this node ({audience}); ask the "
                "broker for a passport scoped to this node"
            )

    async def _verified_claims(
        self, token: str, req: _Request, *, kind: str, typ: str | None
    ) -> dict[str, Any]:
        """Header checks, allow-list, key by kid, signature and time claims."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except InvalidTokenError as exc:
            raise AuthenticationError(f"{kind} is not a well-formed JWS: {exc}") from exc
        alg = header.get("alg")
        if alg not in ALLOWED_ALGS:
            raise AuthenticationError(
                f"{kind} signed with alg {shown(alg)}; only {', '.join(ALLOWED_ALGS)} are accepted"
            )
        if typ is not None and header.get("typ") != typ:
            raise AuthenticationError(f"{kind} header typ must be {typ!r}")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationError(f"{kind} header has no kid")
        iss = unverified.get("iss")
        if not isinstance(iss, str):
            raise AuthenticationError(f"{kind} has no iss claim")
        jku = header.get("jku")
        if jku is not None and not isinstance(jku, str):
            raise AuthenticationError(f"{kind} header jku must be a string")
        # Allow-list first: nothing below fetches a URL that was not configured.
        jkus = self._trust.jkus_for(iss, jku)
        key = None
        for candidate in jkus:
            req.jkus.add(candidate)
            if len(req.jkus) > self._limits.max_jwks_per_request:
                raise AuthenticationError("too many distinct key sets in one passport")
            try:
                key = await self._jwks.key(candidate, kid)
                break
            except AuthenticationError:
                if candidate == jkus[-1]:
                    raise
        if key is None or key.algorithm_name != alg:
            raise AuthenticationError(f"{kind} alg {alg} does not match the key {shown(kid)}")
        try:
            claims = jwt.decode(
                token, key.key, algorithms=[alg],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                         "verify_aud": False, "verify_iss": False},
            )
        except InvalidTokenError as exc:
            raise AuthenticationError(f"{kind} signature is invalid ({exc})") from exc
        self._check_times(claims, kind)
        return claims

    def _check_times(self, claims: dict[str, Any], kind: str) -> None:
        now = self._clock()
        leeway = self._access.leeway_s
        for name in ("exp", "iat", "nbf"):
            if name in claims or name != "nbf":
                # Stored back as int: later code compares and computes with them.
                claims[name] = numeric_date(claims.get(name), f"{kind} {name}")
        if claims["exp"] <= now - leeway:
            raise AuthenticationError(f"{kind} expired; get a fresh one from the broker")
        if claims["iat"] > now + leeway:
            raise AuthenticationError(f"{kind} issued in the future (iat); check clocks")
        if claims.get("nbf", 0) > now + leeway:
            raise AuthenticationError(f"{kind} is not valid yet (nbf)")

    async def _visa(
        self, visa_jws: str, subject: str, req: _Request, known: set[str] | None
    ) -> tuple[VisaOutcome, int]:
        if len(visa_jws) > self._limits.max_visa_bytes:
            raise AuthenticationError(
                f"a visa is larger than {self._limits.max_visa_bytes} bytes"
            )
        try:
            unverified = jwt.decode(visa_jws, options={"verify_signature": False})
        except InvalidTokenError as exc:
            raise AuthenticationError(f"a visa is not a well-formed JWS: {exc}") from exc
        iss = unverified.get("iss")
        vtype = _visa_type(unverified)
        if not any(i == iss for i, _ in self._trust.pairs):
            return VisaOutcome(vtype, False, f"visa issuer {shown(iss)} is not trusted; ignored"), 0
        claims = await self._verified_claims(visa_jws, req, kind=f"{vtype} visa", typ=None)
        if claims.get("sub") != subject:
            raise AuthenticationError(
                f"{vtype} visa from {iss} is for another subject than the passport"
            )
        visa = claims.get("ga4gh_visa_v1")
        if not isinstance(visa, dict):
            raise AuthenticationError(f"visa from {iss} has no ga4gh_visa_v1 object")
        exp = int(claims["exp"])
        if visa.get("conditions"):
            return VisaOutcome(vtype, False, "visa has conditions; not implemented, ignored"), 0
        if vtype == CONTROLLED_ACCESS_GRANTS and iss != self._own_issuer:
            return VisaOutcome(vtype, False, f"ControlledAccessGrants from {iss}: this node "
                               "accepts grants only from its own committee; ignored"), 0
        if vtype not in self._visa_types.get(iss, frozenset()):
            return VisaOutcome(vtype, False, f"issuer {iss} may not assert {vtype} visas "
                               "(its visa_types); ignored"), 0
        if vtype == RESEARCHER_STATUS:
            return self._researcher_status(visa), exp
        if vtype == CONTROLLED_ACCESS_GRANTS:
            return self._grant(visa, subject, iss, known), exp
        return VisaOutcome(vtype, False, "visa type not used by this node; ignored"), 0

    def _researcher_status(self, visa: dict[str, Any]) -> VisaOutcome:
        by = visa.get("by")
        if not isinstance(by, str) or by in ("", "self"):
            return VisaOutcome(RESEARCHER_STATUS, False, "needs a by other than self; ignored")
        return VisaOutcome(RESEARCHER_STATUS, True)

    def _grant(
        self, visa: dict[str, Any], subject: str, iss: str, known: set[str] | None
    ) -> VisaOutcome:
        cag = CONTROLLED_ACCESS_GRANTS
        limit = self._limits.max_claim_chars
        for name in ("by", "value", "source"):
            value = visa.get(name)
            if not isinstance(value, str) or not value or len(value) > limit:
                return VisaOutcome(cag, False, f"{name} missing, empty or over {limit} chars")
        try:
            asserted = numeric_date(visa.get("asserted"), "asserted")
        except AuthenticationError:
            return VisaOutcome(cag, False, "asserted missing, not positive or out of range")
        if asserted > self._clock() + self._access.leeway_s:
            return VisaOutcome(cag, False, "asserted is in the future")
        dataset_id = self._dataset_of(visa["value"], iss, known)
        if dataset_id is None:
            return VisaOutcome(cag, False, "value names no dataset this node holds (accepted: "
                               f"{DATASET_URN_PREFIX}<id> or {iss}api/datasets/<id>)")
        if self._entitlements is not None:
            if not self._entitlements(subject, dataset_id, int(self._clock())):
                return VisaOutcome(cag, False, "entitlement revoked, vetoed or expired",
                                   dataset_id)
        return VisaOutcome(cag, True, "", dataset_id)


    @staticmethod
    def _dataset_of(value: str, iss: str, known: set[str] | None) -> str | None:
        if known is not None:
            return dataset_id_of_value(value, known, iss)
        # No catalogue to check against (unit use): the URN form only, a plain id after it.
        rest = value[len(DATASET_URN_PREFIX):] if value.startswith(DATASET_URN_PREFIX) else ""
        return rest if rest and value in accepted_values(rest, iss) and "/" not in rest \
            and ":" not in rest else None


#: The latest time a token may name: 9999-12-31T23:59:59Z.
MAX_NUMERIC_DATE = 253_402_300_799


def numeric_date(value: Any, where: str) -> int:
    """A JWT NumericDate claim as whole seconds: finite, positive, before the year 10000.

    JSON parsers accept ``NaN``, ``Infinity`` and ``1e999`` (infinity); NaN compares false with
    everything, so it would pass an expiry check, and infinity cannot become an integer.

    Raises:
        AuthenticationError: missing, not a number, not finite or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthenticationError(f"{where} claim is missing or not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise AuthenticationError(f"{where} claim is not a finite number")
    if not 0 < value <= MAX_NUMERIC_DATE:
        raise AuthenticationError(f"{where} claim is out of range")
    return int(value)


def _visa_type(claims: dict[str, Any]) -> str:
    visa = claims.get("ga4gh_visa_v1")
    vtype = visa.get("type") if isinstance(visa, dict) else None
    # Read before any signature check and quoted in messages: only a plausible type name.
    ok = isinstance(vtype, str) and 0 < len(vtype) <= 100 and vtype.isprintable()
    return vtype if ok else "unknown"


def describe(outcomes: list[VisaOutcome]) -> str:
    """A compact, token-free summary of visa outcomes (for debugging output)."""
    return json.dumps([o.__dict__ for o in outcomes])
