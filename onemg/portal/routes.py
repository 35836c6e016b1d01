"""The researcher pages of the hub: ``/``, ``/datasets``, ``/datasets/{id}``, ``/search``,
``/frequencies``.

Routes read the request, call :mod:`onemg.portal.datasets` / :mod:`onemg.portal.search` over
the hub's network service, and render a template. Browsing is open to everyone; search answers
at the public tier for anonymous visitors and with the visitor's member-scoped passports (the
broker's) once they are logged in.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from onemg.errors import AuthenticationError, InvalidInputError, NotFoundError
from onemg.network.service import NetworkService
from onemg.ontology.icd10 import suggest
from onemg.portal import datasets as ds
from onemg.portal.frequencies import frequency_chart, frequency_form, run_frequencies
from onemg.portal.search import SEX, SearchForm, chart, run_search
from onemg.security import ANONYMOUS, Principal
from onemg.web.pages import page_user, render, web

FACET_TITLES = {
    "country": "Country",
    "theme": "Theme and disease area",
    "access": "Access rights",
    "condition": "Data-use conditions",
    "size": "Size (individuals)",
}


def _network(request: Request) -> NetworkService:
    return request.app.state.network


def principal_of(request: Request) -> Principal:
    """The logged-in visitor as the network sees them (anonymous when not logged in)."""
    user = page_user(request)
    if user is None:
        return ANONYMOUS
    try:
        identity = web(request).accounts.identity(user.sub)
    except AuthenticationError:
        return ANONYMOUS
    return Principal(subject=identity.sub, registered=bool(identity.researcher_status_at))


async def network_datasets(request: Request) -> list[ds.Dataset]:
    """The network's datasets with the themes of the hub's harvested DCAT-AP catalogues."""
    harvester = getattr(request.app.state, "catalogue_harvester", None)
    topics = harvester.topics() if harvester is not None else None
    return await ds.network_datasets(_network(request), topics)


def _figure(fig: dict[str, Any]) -> str:
    return json.dumps(fig, separators=(",", ":"))


def _terms(service: NetworkService) -> list[dict[str, str]]:
    terms = (service.filtering_terms().get("response") or {}).get("filteringTerms") or []
    return sorted(
        ({"id": str(t["id"]), "label": str(t.get("label") or "")} for t in terms if t.get("id")),
        key=lambda t: t["id"],
    )


def create_router() -> APIRouter:
    """The portal's page router (a new one per app)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def home(request: Request) -> Response:
        datasets = await network_datasets(request)
        countries = sorted({d.country for d in datasets})
        return render(
            request,
            "portal/home.html",
            {
                "n_datasets": len(datasets),
                "countries": countries,
                "members": len(_network(request).registry.members),
            },
            title="Genomic data across Europe",
        )

    @router.get("/datasets")
    async def datasets(request: Request, q: str = "") -> Response:
        params = request.query_params
        chosen = {name: params.getlist(name) for name in ds.FACETS if params.getlist(name)}
        found = ds.browse(await network_datasets(request), text=q, chosen=chosen)
        return render(
            request,
            "portal/datasets.html",
            {"found": found, "q": q, "facet_titles": FACET_TITLES},
            title="Datasets",
        )

    @router.get("/datasets/{dataset_id}")
    async def dataset(request: Request, dataset_id: str) -> Response:
        matches = [d for d in await network_datasets(request) if d.id == dataset_id]
        if not matches:
            raise NotFoundError(f"no member of the network publishes a dataset {dataset_id!r}")
        return render(request, "portal/dataset.html", {"d": matches[0]}, title=matches[0].name)

    @router.get("/search")
    async def search(request: Request) -> Response:
        service = _network(request)
        form = SearchForm.from_params(request.query_params, request.query_params.getlist("filter"))
        result = error = None
        if not form.empty:
            try:
                principal = principal_of(request)
                approved: list[str] = []
                if principal.authenticated:
                    from onemg.portal.routes_apply import approved_datasets

                    approved = await approved_datasets(request)
                result = await run_search(service, form, principal, approved)
            except InvalidInputError as exc:
                error = str(exc)
        figure = chart(result) if result else None
        return render(
            request,
            "portal/search.html",
            {
                "form": form,
                "result": result,
                "error": error,
                "terms": _terms(service),
                "sexes": SEX,
                "figure": _figure(figure) if figure else None,
            },
            status=400 if error else 200,
            title="Search the network",
        )

    @router.get("/suggest/icd10")
    async def icd10(q: str = "") -> JSONResponse:
        """ICD-10 codes and labels for the disease field (progressive enhancement)."""
        return JSONResponse(
            {"suggestions": [{"code": c, "label": label} for c, label in suggest(q[:100])]}
        )

    @router.get("/frequencies")
    async def frequencies(request: Request) -> Response:
        form = frequency_form(request.query_params)
        result = error = None
        if not form.empty:
            try:
                result = await run_frequencies(_network(request), form, principal_of(request))
            except InvalidInputError as exc:
                error = str(exc)
        figure = frequency_chart(result) if result else None
        return render(
            request,
            "portal/frequencies.html",
            {
                "form": form,
                "result": result,
                "error": error,
                "figure": _figure(figure) if figure else None,
            },
            status=400 if error else 200,
            title="Allele frequencies by country",
        )

    return router
