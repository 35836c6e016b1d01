"""The attacker's view of a node or hub: Beacon v2 queries over its public HTTP API only.

One :class:`BeaconOracle` is one account (a bearer token, or anonymous). It never asks the same
question twice: a real attacker gains nothing by repeating a question to a Beacon whose answers
are deterministic or consistently perturbed per user, and the cache keeps long evaluations cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from onemg.errors import AuthenticationError, OnemgError, WorkflowError
from onemg.privacy.attacks.targets import Key

#: Answer codes: the kernel's encoding (``onemg.privacy.attacks.lrt.score_terms``).
YES, NO, REFUSED = 1, 0, -1


@dataclass
class QueryStats:
    """What the oracle sent: questions asked over HTTP, and how many were refused."""

    sent: int = 0
    refused: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


class BeaconOracle:
    """Boolean and count questions to one Beacon (a node or a hub) as one account.

    Args:
        client: an ``httpx.AsyncClient`` whose ``base_url`` is the node or hub origin.
        dataset_ids: restrict every query to these datasets (None: all the Beacon has).
        token: bearer token (a passport), or None for anonymous.
        prefix: path of the Beacon API on that origin.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        dataset_ids: Sequence[str] | None = None,
        token: str | None = None,
        prefix: str = "/api",
    ) -> None:
        self.client = client
        self.token = token
        self.dataset_ids = list(dataset_ids) if dataset_ids else None
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.prefix = prefix.rstrip("/")
        self.stats = QueryStats()
        self._exists: dict[Key, int] = {}
        self._counts: dict[tuple[Key | None, tuple[str, ...]], int | None] = {}

    def _params(self, granularity: str, filters: Sequence[str] = ()) -> dict[str, str]:
        params = {"requestedGranularity": granularity}
        if self.dataset_ids:
            params["datasetIds"] = ",".join(self.dataset_ids)
        if filters:
            params["filters"] = ",".join(filters)
        return params

    async def _fetch(self, path: str, params: dict[str, str]) -> tuple[int, Any, str]:
        """Ask: (HTTP status, parsed JSON body or None, where it was asked for messages)."""
        try:
            response = await self.client.get(
                self.prefix + path, params=params, headers=self.headers
            )
        except httpx.TransportError as exc:
            raise WorkflowError(
                f"could not reach {self.client.base_url}{self.prefix}{path}: {exc}; is the node "
                "or hub running, and is --url its origin (e.g. http://127.0.0.1:8101)?"
            ) from None
        where = str(response.request.url)
        if response.status_code >= 500:
            return response.status_code, None, f"{where}: {response.text[:200]}"
        return response.status_code, response.json() if response.status_code < 400 else None, where

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any] | None:
        status, body, where = await self._fetch(path, params)
        self.stats.sent += 1
        self.stats.statuses[status] = self.stats.statuses.get(status, 0) + 1
        if status == 401:
            raise AuthenticationError(
                f"{where} answered 401: the token was refused (expired or not "
                "trusted); take a fresh passport and pass it with --token or --passport-file"
            )
        if status == 404:
            return {"responseSummary": {"exists": False, "numTotalResults": 0}}
        if status >= 500:
            raise OnemgError(f"{where} failed with {status}")
        if status >= 400:
            self.stats.refused += 1
            return None
        return body

    async def exists(self, key: Key) -> int:
        """Whether anyone in scope carries ALT allele ``key``: YES, NO or REFUSED."""
        if (hit := self._exists.get(key)) is not None:
            return hit
        chrom, pos, ref, alt = key
        params = self._params("boolean")
        params.update(
            referenceName=chrom,
            start=str(pos - 1),
            referenceBases=ref,
            alternateBases=alt,
            assemblyId="GRCh38",
        )
        body = await self._get("/g_variants", params)
        summary = (body or {}).get("responseSummary") or {}
        found = summary.get("exists")
        answer = REFUSED if not isinstance(found, bool) else YES if found else NO
        if body is not None and answer == REFUSED:
            self.stats.refused += 1
        self._exists[key] = answer
        return answer

    async def count(self, filters: Sequence[str], key: Key | None = None) -> int | None:
        """Individuals matching ``filters`` (and carrying ``key`` when given); None if refused.

        A count reported imprecise (floored, rounded or noised) is taken at face value: the
        attacker reads what the Beacon says.
        """
        cache_key = (key, tuple(filters))
        if cache_key in self._counts:
            return self._counts[cache_key]
        params = self._params("count", filters)
        if key is None:
            path = "/individuals"
        else:
            chrom, pos, ref, alt = key
            path = f"/g_variants/{chrom}:{pos}:{ref}:{alt}/individuals"
        body = await self._get(path, params)
        value = ((body or {}).get("responseSummary") or {}).get("numTotalResults")
        result = int(value) if isinstance(value, int | float) else None
        if body is not None and result is None:
            self.stats.refused += 1
        self._counts[cache_key] = result
        return result
