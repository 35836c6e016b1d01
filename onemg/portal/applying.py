"""Applications from the portal: one per node, sent to each node's DAC API as the researcher.

Each national committee decides for its own datasets, so a basket becomes one application per
node. The hub calls the node's existing access API (``/api/access/applications``, see
:mod:`onemg.access.routes_node`) with a passport the broker mints for that node alone
(:meth:`onemg.access.broker.Broker.member_passport`); the node applies its own rules
(:mod:`onemg.access.applications`). The DUO advice shown before submission is the same matcher
the committee sees (:func:`onemg.access.duo.match`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from onemg.access.duo import Advice, DataUse, ResearchPurpose, match
from onemg.errors import (
    AccessDeniedError,
    InvalidInputError,
    NotFoundError,
    UpstreamError,
    WorkflowError,
)
from onemg.network.config import MemberConfig
from onemg.ontology.icd10 import check_disease

#: Research purposes a person picks from, in plain words, with the DUO terms they stand for.
PURPOSES: dict[str, tuple[str, str]] = {
    "disease": ("DUO:0000007", "Research on one disease (name it below)"),
    "hmb": ("DUO:0000006", "Health, medical or biomedical research"),
    "gru": ("DUO:0000042", "Any research, including ancestry and population studies"),
    "poa": ("DUO:0000011", "Population-origins or ancestry research"),
    "methods": ("DUO:0000031", "Development of methods (software, algorithms)"),
}


@dataclass(frozen=True)
class PurposeForm:
    """The application form's fields, as typed."""

    title: str = ""
    summary: str = ""
    institution: str = ""
    purpose: str = "hmb"
    disease: str = ""
    commercial: bool = False
    #: The applicant's organisation is for-profit (DUO NPU datasets are for not-for-profits).
    for_profit: bool = False
    duration_days: int = 365
    terms_accepted: bool = False

    def research_purpose(self) -> ResearchPurpose:
        """The DUO research purpose the matcher and the node read."""
        if self.purpose not in PURPOSES:
            raise InvalidInputError("purpose: pick one of the listed research purposes")
        if self.purpose == "disease" and not self.disease.strip():
            raise InvalidInputError("disease: name the disease by its ICD-10 code, e.g. E84")
        # The code is checked here, so a form sent without the page's script (or forged) gets
        # the same clear error as a typo.
        disease = check_disease(self.disease) if self.disease.strip() else None
        return ResearchPurpose(
            terms=(PURPOSES[self.purpose][0],),
            disease=disease,
            commercial=self.commercial,
            non_profit_organisation=not self.for_profit,
            methods_development=self.purpose == "methods",
            ancestry=self.purpose == "poa",
        )

    def body(self) -> dict[str, Any]:
        """The node API's ``FormBody``."""
        p = self.research_purpose()
        return {
            "title": self.title,
            "summary": self.summary,
            "institution": self.institution,
            "duration_days": self.duration_days,
            "terms_accepted": self.terms_accepted,
            "purpose": {
                "terms": list(p.terms),
                "disease": p.disease,
                "commercial": p.commercial,
                "non_profit_organisation": p.non_profit_organisation,
                "methods_development": p.methods_development,
                "ancestry": p.ancestry,
            },
        }


def advise(purpose: ResearchPurpose, conditions: Mapping[str, Any] | None) -> Advice:
    """The DUO matcher's advice for one dataset's ``dataUseConditions``."""
    return match(DataUse.from_beacon(conditions or {}), purpose)


class NodeApplications:
    """The researcher's side of one node's DAC API, called with a node-scoped passport."""

    def __init__(self, http: httpx.AsyncClient, member: MemberConfig, passport: str) -> None:
        self._http = http
        self._base = member.api_url + "/access"
        self._headers = {"Authorization": f"Bearer {passport}"}
        self.member = member

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            r = await self._http.request(
                method, self._base + path, json=body, headers=self._headers, timeout=15
            )
        except httpx.HTTPError as exc:
            raise UpstreamError(f"the node {self.member.id} did not answer ({exc})") from exc
        if r.status_code == 404:
            raise NotFoundError(f"no such application at node {self.member.id}")
        if r.status_code >= 400:
            try:
                detail = r.json().get("detail") or r.json().get("error") or r.text
            except ValueError:
                detail = r.text
            kind = {
                400: InvalidInputError,
                422: InvalidInputError,
                401: AccessDeniedError,
                403: AccessDeniedError,
                409: WorkflowError,
            }.get(r.status_code, UpstreamError)
            raise kind(f"node {self.member.id}: {detail}")
        return r.json()

    async def apply(self, datasets: Sequence[str], form: PurposeForm) -> dict[str, Any]:
        """Create the application with its form, then submit it."""
        created = await self._call(
            "POST", "/applications", {"datasets": list(datasets), "form": form.body()}
        )
        return await self._call("POST", f"/applications/{created['id']}/submit")

    async def mine(self) -> list[dict[str, Any]]:
        """The researcher's applications at this node."""
        return list((await self._call("GET", "/applications"))["applications"])

    async def get(self, app_id: str) -> dict[str, Any]:
        """One application with its history."""
        return await self._call("GET", f"/applications/{app_id}")

    async def resubmit(self, app_id: str, form: PurposeForm) -> dict[str, Any]:
        """Save the corrected form of a returned application and submit it again."""
        await self._call("PUT", f"/applications/{app_id}/form", form.body())
        return await self._call("POST", f"/applications/{app_id}/submit")
