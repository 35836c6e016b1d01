"""Researcher commands: ``onemg login|logout|passport|apply|applications|query|duo``.

They talk to a hub over HTTP (``onemg.client``); credentials are kept in a per-user file with
mode 0600 (``$XDG_CONFIG_HOME/onemg/credentials.json``). The password is prompted for (or read
from standard input with ``--password-stdin``), never taken on the command line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from onemg.errors import InvalidInputError

_CREDENTIALS = typer.Option(
    None,
    "--credentials",
    help="Credentials file (default: $XDG_CONFIG_HOME/onemg/credentials.json, or "
    "$ONEMG_CREDENTIALS).",
    show_default=False,
)
_NODE = typer.Option(
    ..., "--node", "-n", help="Member node: country code (FI) or member id.", show_default=False
)
_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _client(credentials: Path | None):  # noqa: ANN202
    from onemg.client import CredentialFile, ResearcherClient

    return ResearcherClient(CredentialFile(credentials))


def _out() -> Console:
    return Console(highlight=False, width=200)


def login(
    hub: str = typer.Option(
        ..., "--hub", help="Hub base URL, e.g. https://hub.example/", show_default=False
    ),
    username: str = typer.Option(
        ..., "--username", "-u", help="Your hub account.", show_default=False
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    credentials: Path | None = _CREDENTIALS,
) -> None:
    """Log in at a hub; the session is kept in your credentials file (mode 0600)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt(f"password for {username} at {hub}", hide_input=True)
    session = _client(credentials).login(hub, username, password)
    _out().print(f"logged in at {session.hub} as {session.username} (subject {session.sub})")


def logout(credentials: Path | None = _CREDENTIALS) -> None:
    """Forget the stored session and passports."""
    from onemg.client import CredentialFile

    store = CredentialFile(credentials)
    typer.echo("logged out" if store.clear() else f"not logged in ({store.path})")


def passport(
    node: str = _NODE,
    show_token: bool = typer.Option(
        False,
        "--show-token",
        help="Print the passport JWT (for curl: -H 'Authorization: Bearer ...').",
    ),
    credentials: Path | None = _CREDENTIALS,
) -> None:
    """Take a new passport for one node, with every visa you hold now."""
    from onemg.client.researcher import passport_visas
    from onemg.times import iso_utc

    member, pp = _client(credentials).passport(node)
    if show_token:
        typer.echo(pp.token)
        return
    table = Table(
        "visa",
        "value",
        "by",
        "expires",
        title=f"passport for {member.country} "
        f"({member.base_url}), valid until {iso_utc(pp.expires_at)}",
    )
    for visa in passport_visas(pp.token):
        table.add_row(
            visa.get("type", ""),
            visa.get("value", ""),
            visa.get("by", ""),
            iso_utc(visa.get("asserted")) or "",
        )
    _out().print(table)


def _purpose_form(
    purpose: str,
    title: str,
    institution: str,
    terms: str,
    disease: str | None,
    commercial: bool,
    for_profit: bool,
    days: int,
) -> dict[str, Any]:
    return {
        "title": title or purpose[:120],
        "summary": purpose,
        "institution": institution,
        "duration_days": days,
        "terms_accepted": True,
        "purpose": {
            "terms": [t.strip() for t in terms.split(",") if t.strip()],
            "disease": disease,
            "commercial": commercial,
            "non_profit_organisation": not for_profit,
        },
    }


def _advice_table(advice: dict[str, Any]) -> Table:
    table = Table("dataset", "DUO advice", "reasons", title="DUO advice (the committee decides)")
    for ds, a in advice.items():
        table.add_row(ds, a["verdict"], "; ".join(a.get("reasons", [])))
    return table


_TERMS = typer.Option(
    "DUO:0000006",
    "--terms",
    help="DUO terms of your purpose, comma-separated (DUO:0000042 general "
    "research, DUO:0000006 health/medical, DUO:0000007 disease-specific).",
)
_DISEASE = typer.Option(None, "--disease", help="ICD-10 code for disease-specific research.")
_COMMERCIAL = typer.Option(False, "--commercial", help="The research is commercial.")
_FOR_PROFIT = typer.Option(
    False,
    "--for-profit",
    help="Your organisation is for-profit (datasets with DUO NPU are for not-for-profits only).",
)


def apply(
    node: str = _NODE,
    dataset: list[str] = typer.Option(
        ..., "--dataset", "-d", help="Dataset id (repeatable).", show_default=False
    ),
    purpose: str = typer.Option(
        ..., "--purpose", "-p", help="What the data will be used for.", show_default=False
    ),
    title: str = typer.Option("", "--title", help="Project title (default: the purpose)."),
    institution: str = typer.Option(
        ..., "--institution", help="Your institution.", show_default=False
    ),
    terms: str = _TERMS,
    disease: str | None = _DISEASE,
    commercial: bool = _COMMERCIAL,
    for_profit: bool = _FOR_PROFIT,
    days: int = typer.Option(365, "--days", min=1, help="Access wanted for this many days."),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Submit without asking (you accept the access terms)."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print only the application id (for scripts; with --yes)."
    ),
    credentials: Path | None = _CREDENTIALS,
) -> None:
    """Apply to a node's data access committee; shows the DUO advice before submitting."""
    client = _client(credentials)
    form = _purpose_form(purpose, title, institution, terms, disease, commercial, for_profit, days)
    app, advice = client.draft(node, dataset, form)
    if quiet and yes:
        typer.echo(client.submit(node, app["id"])["id"])
        return
    out = _out()
    out.print(_advice_table(advice))
    if not yes and not typer.confirm(
        f"submit application {app['id']} to the committee of {node} (you accept the data "
        "access terms)?",
        default=True,
    ):
        client.close(node, app["id"])
        out.print(f"application {app['id']} withdrawn; nothing was submitted")
        raise typer.Exit(1)
    app = client.submit(node, app["id"])
    out.print(
        f"application {app['id']} {app['state']} at {node}; follow it with "
        f"`onemg applications --node {node}`. Once approved, take a new passport: "
        f"`onemg passport --node {node}`"
    )


def applications(
    node: str | None = typer.Option(None, "--node", "-n", help="Only this node (default: all)."),
    as_json: bool = _JSON,
    credentials: Path | None = _CREDENTIALS,
) -> None:
    """Your applications at the member nodes."""
    found = _client(credentials).applications(node)
    if as_json:
        typer.echo(json.dumps([{"node": m.country, **a} for m, a in found], indent=2))
        return
    table = Table("node", "id", "state", "datasets", "title", "updated")
    for m, a in found:
        table.add_row(
            m.country,
            a["id"],
            a["state"],
            ",".join(a["datasets"]),
            a["form"].get("title", ""),
            str(a.get("updatedAt") or ""),
        )
    _out().print(table)


def query(
    entry: str = typer.Argument(
        "individuals", help="Entry type: individuals, g_variants, biosamples ..."
    ),
    filters: list[str] = typer.Option(
        [], "--filter", "-f", help="Filter term id, e.g. HP:0001250 (repeatable)."
    ),
    reference_name: str | None = typer.Option(None, "--reference-name", help="Chromosome."),
    start: int | None = typer.Option(None, "--start", help="0-based start (VCF POS - 1)."),
    end: int | None = typer.Option(None, "--end", help="0-based end (exclusive)."),
    reference_bases: str | None = typer.Option(None, "--reference-bases", help="REF."),
    alternate_bases: str | None = typer.Option(None, "--alternate-bases", help="ALT."),
    gene: str | None = typer.Option(None, "--gene", help="Gene symbol (geneId)."),
    dataset: list[str] = typer.Option([], "--dataset", "-d", help="Only these datasets."),
    granularity: str = typer.Option(
        "count", "--granularity", "-g", help="boolean, count or record."
    ),
    limit: int = typer.Option(10, "--limit", min=1, help="Records per dataset (record)."),
    node: str | None = typer.Option(
        None,
        "--node",
        "-n",
        help="Ask one node directly with your passport for it (default: through the hub).",
    ),
    as_json: bool = _JSON,
    credentials: Path | None = _CREDENTIALS,
) -> None:
    """A Beacon query through the hub (as you: your visas apply), printed as a table."""
    if granularity not in ("boolean", "count", "record"):
        raise InvalidInputError(f"--granularity {granularity!r}: use boolean, count or record")
    params = {
        k: v
        for k, v in (
            ("referenceName", reference_name),
            ("start", start),
            ("end", end),
            ("referenceBases", reference_bases),
            ("alternateBases", alternate_bases),
            ("geneId", gene),
        )
        if v is not None
    }
    if dataset:
        params["datasetIds"] = list(dataset)
    body = {
        "meta": {"apiVersion": "v2.0"},
        "query": {
            "requestParameters": params,
            "filters": [{"id": f} for f in filters],
            "requestedGranularity": granularity,
            "includeResultsetResponses": "ALL",
            "pagination": {"skip": 0, "limit": limit},
        },
    }
    answer = _client(credentials).query(entry, body, node=node)
    if as_json:
        typer.echo(json.dumps(answer, indent=2))
        return
    _print_answer(answer)


def _print_answer(answer: dict[str, Any]) -> None:
    out = _out()
    summary = answer.get("responseSummary", {})
    meta = answer.get("meta", {})
    total = summary.get("numTotalResults")
    out.print(
        f"exists: {summary.get('exists')}  total: {'-' if total is None else total}"
        f" ({summary.get('countPrecision', 'exact')})  granularity: "
        f"{meta.get('returnedGranularity')}"
    )
    table = Table("country", "dataset", "exists", "count", "precision", "records")
    for rs in (answer.get("response") or {}).get("resultSets", []):
        info = rs.get("info") or {}
        table.add_row(
            info.get("country", ""),
            rs.get("id", ""),
            str(rs.get("exists")),
            str(rs.get("resultsCount", "")),
            rs.get("countPrecision", ""),
            str(len(rs.get("results") or [])),
        )
    out.print(table)
    for rs in (answer.get("response") or {}).get("resultSets", []):
        for rec in (rs.get("results") or [])[:5]:
            out.print(f"  {rs.get('id')}: {rec.get('id') or rec.get('variantInternalId', '')}")
    info = answer.get("info") or {}
    coarser = list(info.get("coarserDatasets") or [])
    for m in (info.get("network") or {}).get("members", []):
        coarser.extend({**c, "member": m.get("country")} for c in m.get("coarserDatasets") or [])
    for c in coarser:
        out.print(
            f"[yellow]{c.get('datasetId')}: answered as {c.get('returnedGranularity')}"
            f"[/]; {c.get('howToUnlock') or c.get('unlockedBy') or ''}"
        )
    hints = list(info.get("hints") or [])
    for m in (info.get("network") or {}).get("members", []):
        hints.extend(h for h in m.get("hints") or [] if h not in hints)
    for hint in hints:
        out.print(f"[yellow]hint:[/] {hint}")


def duo(
    node: str = _NODE,
    dataset: str = typer.Option(..., "--dataset", "-d", help="Dataset id.", show_default=False),
    terms: str = _TERMS,
    disease: str | None = _DISEASE,
    commercial: bool = _COMMERCIAL,
    for_profit: bool = _FOR_PROFIT,
    credentials: Path | None = _CREDENTIALS,
) -> None:
    """DUO advice: would this purpose fit the dataset's data-use conditions? (advisory)"""
    from onemg.access.duo import DataUse, ResearchPurpose, match

    body = _client(credentials).query(
        f"datasets/{dataset}", {"query": {"requestedGranularity": "record"}}, node=node
    )
    items = (body.get("response") or {}).get("collections") or []
    conditions = items[0].get("dataUseConditions") if items else None
    if not conditions:
        typer.echo(f"dataset {dataset} states no DUO terms; the committee reviews by hand")
        return
    purpose = ResearchPurpose(
        terms=tuple(t.strip() for t in terms.split(",") if t.strip()),
        disease=disease,
        commercial=commercial,
        non_profit_organisation=not for_profit,
    )
    advice = match(DataUse.from_beacon(conditions), purpose)
    _out().print(
        _advice_table({dataset: {"verdict": advice.verdict.value, "reasons": list(advice.reasons)}})
    )


def register(app: typer.Typer) -> None:
    """Attach the researcher commands to the root CLI."""
    for name, fn in (
        ("login", login),
        ("logout", logout),
        ("passport", passport),
        ("apply", apply),
        ("applications", applications),
        ("query", query),
        ("duo", duo),
    ):
        app.command(name, rich_help_panel="Researchers")(fn)
