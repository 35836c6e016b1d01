"""Minting GA4GH Passports and Visas (AAI 1.2) as signed JWS compact strings.

Visas are *Visa Document Tokens*: their header carries the issuer's JWKS URL in ``jku`` so a
clearinghouse can find the key after checking that (iss, jku) is allow-listed. Passports carry
``typ: vnd.ga4gh.passport+jwt`` and hold visas in ``ga4gh_passport_v1``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import jwt

from onemg.access.keys import SigningKey

PASSPORT_TYP = "vnd.ga4gh.passport+jwt"
VISA_TYP = "vnd.ga4gh.visa+jwt"

RESEARCHER_STATUS = "ResearcherStatus"
ACCEPTED_TERMS = "AcceptedTermsAndPolicies"
AFFILIATION_AND_ROLE = "AffiliationAndRole"
CONTROLLED_ACCESS_GRANTS = "ControlledAccessGrants"
LINKED_IDENTITIES = "LinkedIdentities"

#: Registered Access (Dyke et al. 2018): the value of ResearcherStatus and AcceptedTermsAndPolicies.
REGISTERED_ACCESS_DOI = "https://doi.org/10.1038/s41431-018-0219-y"
#: Prefix of the ControlledAccessGrants value naming a onemg dataset (matched by suffix).
DATASET_URN_PREFIX = "urn:onemg:dataset:"


def dataset_urn(dataset_id: str) -> str:
    """The visa ``value`` that grants ``dataset_id`` (one identifier everywhere)."""
    return f"{DATASET_URN_PREFIX}{dataset_id}"


def sign_visa(
    key: SigningKey,
    *,
    iss: str,
    jku: str,
    sub: str,
    visa_type: str,
    value: str,
    source: str,
    by: str | None,
    asserted: int,
    iat: int,
    exp: int,
) -> str:
    """Sign one Visa Document Token.

    Args:
        key: the issuer's signing key (its ``kid`` goes into the header).
        iss: issuer URL; ``jku`` is its JWKS URL (both must be allow-listed by consumers).
        sub: the pseudonymous subject the visa is about.
        visa_type: e.g. ``ControlledAccessGrants``.
        value: the asserted value (dataset URN, terms URL, ``role@org`` ...).
        source: the organisation that made the assertion.
        by: ``self|peer|system|so|dac`` or ``None``.
        asserted: epoch seconds when the assertion was made.
        iat: epoch seconds of minting; ``exp`` the expiry.
    """
    visa: dict[str, Any] = {"type": visa_type, "asserted": asserted, "value": value,
                            "source": source}
    if by:
        visa["by"] = by
    payload = {"iss": iss, "sub": sub, "iat": iat, "exp": exp,
               "jti": secrets.token_urlsafe(12), "ga4gh_visa_v1": visa}
    headers = {"typ": VISA_TYP, "kid": key.kid, "jku": jku}
    return jwt.encode(payload, key.private, algorithm=key.alg, headers=headers)


def sign_passport(
    key: SigningKey,
    *,
    iss: str,
    sub: str,
    visas: Sequence[str],
    iat: int,
    exp: int,
    aud: Sequence[str] = (),
    jku: str | None = None,
) -> str:
    """Sign a Passport holding ``visas``; ``aud`` names the clearinghouse(s) it is meant for."""
    payload: dict[str, Any] = {"iss": iss, "sub": sub, "iat": iat, "exp": exp,
                               "jti": secrets.token_urlsafe(12),
                               "ga4gh_passport_v1": list(visas)}
    if aud:
        payload["aud"] = list(aud)
    headers: dict[str, Any] = {"typ": PASSPORT_TYP, "kid": key.kid}
    if jku:
        headers["jku"] = jku
    return jwt.encode(payload, key.private, algorithm=key.alg, headers=headers)
