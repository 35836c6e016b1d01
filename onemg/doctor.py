"""``onemg doctor``: check a node (or hub) data directory and say how to fix what is wrong.

Each check reads only; nothing is repaired, migrated or created. A :class:`Finding` names the
check, whether it passed, what was seen and, when it failed, the command or edit that fixes it.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from onemg.settings import Settings


@dataclass(frozen=True)
class Finding:
    """One check's outcome."""

    check: str
    ok: bool
    detail: str
    fix: str = ""
    #: A warning is reported but does not fail the run.
    warning: bool = False


def _keys(settings: Settings) -> Iterator[Finding]:
    keys = settings.data_dir / "keys"
    pems = sorted(keys.glob("*.pem")) if keys.is_dir() else []
    if not pems:
        yield Finding("signing keys", True, "no key yet (made on first start)")
        return
    for pem in pems:
        mode = stat.S_IMODE(pem.stat().st_mode)
        if mode & 0o077:
            yield Finding(
                f"key {pem.name}",
                False,
                f"{pem} is readable by others (mode {mode:o}): anyone on this machine "
                "could sign visas",
                f"chmod 600 {pem}; then rotate the key if others may have copied it",
            )
        else:
            yield Finding(f"key {pem.name}", True, f"mode {mode:o}")
    mode = stat.S_IMODE(keys.stat().st_mode)
    if mode & 0o022:
        yield Finding(
            "keys folder",
            False,
            f"{keys} is writable by others (mode {mode:o})",
            f"chmod 700 {keys}",
        )


def _database(settings: Settings) -> tuple[list[Finding], object | None]:
    from sqlalchemy.exc import SQLAlchemyError

    from onemg.db import make_engine, schema_revision

    url = settings.db_url
    shown = url.split("@")[-1] if "@" in url else url  # never print a password
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return [
            Finding(
                "database",
                False,
                f"{shown} does not exist",
                "check --data-dir / --database-url, or restore the database from "
                "backup (docs/deploy.md, Backups)",
            )
        ], None
    engine = make_engine(url)
    try:
        current, head = schema_revision(engine)
    except SQLAlchemyError as exc:
        return [
            Finding(
                "database",
                False,
                f"cannot reach {shown}: {type(exc).__name__}",
                "start the database server, or fix database_url in onemg.toml / ONEMG_DATABASE_URL",
            )
        ], None
    found = [Finding("database", True, f"reachable ({shown})")]
    if current == head:
        found.append(Finding("migrations", True, f"at {head} (newest)"))
    else:
        found.append(
            Finding(
                "migrations",
                False,
                f"schema at {current or 'nothing'}, this onemg needs {head}",
                "back up the database, then start the "
                "service once (`onemg node serve` migrates on start) or run an "
                "ingest; see docs/deploy.md, Upgrades",
            )
        )
    return found, engine


def _audit(engine: object) -> Finding:
    from onemg.access.audit import verify_store
    from onemg.access.store import AuditStore

    report = verify_store(AuditStore(engine))  # type: ignore[arg-type]
    if report.ok:
        return Finding("audit log", True, f"chain intact: {report.entries} entries")
    return Finding(
        "audit log",
        False,
        f"tampered or damaged at entry {report.first_bad_seq}: {report.problem}",
        "keep this database as evidence, restore the audit log "
        "from backup, and report the incident (docs/deploy.md, Audit log)",
    )


def _issuers(settings: Settings, http: httpx.Client) -> Iterator[Finding]:
    issuers = settings.access.trusted_issuers
    if not issuers:
        yield Finding(
            "trusted issuers",
            False,
            "none configured: no passport is accepted, so only PUBLIC tiers can ever be reached",
            'add [access] trusted_issuers = [{iss = "https://HUB/", jku = '
            '"https://HUB/oidc/jwks"}] to onemg.toml',
            warning=True,
        )
        return
    for issuer in issuers:
        try:
            resp = http.get(issuer.jku)
            keys = resp.json().get("keys") if resp.is_success else None
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            yield Finding(
                f"issuer {issuer.iss}",
                False,
                f"{issuer.jku} unreachable ({type(exc).__name__})",
                "check the hub runs and this machine can reach it (DNS, firewall, TLS certificate)",
            )
            continue
        if keys:
            yield Finding(f"issuer {issuer.iss}", True, f"{len(keys)} key(s) at {issuer.jku}")
        else:
            yield Finding(
                f"issuer {issuer.iss}",
                False,
                f"{issuer.jku} answered HTTP {resp.status_code} without a JWKS",
                "check the jku URL in onemg.toml",
            )


def _datasets(engine: object, settings: Settings) -> Iterator[Finding]:
    from onemg.catalogue import Catalogue
    from onemg.protocol.vocabulary import DEFAULT_ACCESS, GRANULARITIES

    # Every tier above PUBLIC needs a passport, and passports come from trusted issuers only.
    reachable = (
        {"PUBLIC", "REGISTERED", "CONTROLLED"} if settings.access.trusted_issuers else {"PUBLIC"}
    )
    for info in Catalogue(engine).datasets():
        access = {g: str((info.access or {}).get(g, DEFAULT_ACCESS[g])) for g in GRANULARITIES}
        bad = {g: t for g, t in access.items() if t not in ("PUBLIC", "REGISTERED", "CONTROLLED")}
        if bad:
            yield Finding(
                f"dataset {info.id}",
                False,
                f"access {bad} names no tier: nobody can ever see those granularities",
                "fix `access` in its dataset.json "
                "(PUBLIC, REGISTERED or CONTROLLED) and re-ingest with --replace",
            )
            continue
        closed = [g for g, t in access.items() if t not in reachable]
        if len(closed) == len(GRANULARITIES):
            yield Finding(
                f"dataset {info.id}",
                False,
                f"no tier of it can be granted here ({access}): it answers nobody",
                "configure trusted_issuers, or open its boolean tier (access.boolean = PUBLIC)",
            )
        elif closed:
            yield Finding(
                f"dataset {info.id}",
                True,
                f"{', '.join(closed)} unreachable until trusted issuers are configured",
                warning=True,
            )
        else:
            yield Finding(f"dataset {info.id}", True, f"tiers {access}")


def _indexes(engine: object, settings: Settings) -> Iterator[Finding]:
    from onemg.catalogue import Catalogue
    from onemg.errors import OnemgError
    from onemg.genomics import VariantIndex

    for info in Catalogue(engine).datasets():
        check = f"index {info.id}"
        folder = Path(settings.data_dir) / info.data_path / "index"
        try:
            index = VariantIndex.open(folder)
        except OnemgError as exc:
            yield Finding(check, False, str(exc), "onemg index rebuild --data-dir "
                          f"{settings.data_dir} --dataset-id {info.id}, or re-ingest it")
            continue
        if index.groups is None:
            # Answers stay right (from the carriers); only frequency lists are slower at scale.
            yield Finding(
                check, True, "written before the genotype counts per sample group: frequency "
                "lists are computed from each variant's carriers (slow for common variants in "
                f"large cohorts); `onemg index rebuild --data-dir {settings.data_dir} "
                f"--dataset-id {info.id}` adds them", warning=True)
        else:
            yield Finding(check, True, f"{index.n_variants:,} variants, "
                          f"{index.n_individuals:,} individuals")


def diagnose(
    settings: Settings,
    kind: str,
    *,
    http: httpx.Client | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Finding]:
    """Run every check that applies to a ``kind`` (node or hub) data directory."""
    say = progress or (lambda _what: None)
    found: list[Finding] = []
    say("keys")
    found.extend(_keys(settings))
    say("database")
    db, engine = _database(settings)
    found.extend(db)
    if engine is not None and all(f.ok for f in db):
        say("audit log")
        found.append(_audit(engine))
        if kind == "node":
            say("datasets")
            found.extend(_datasets(engine, settings))
            say("indexes")
            found.extend(_indexes(engine, settings))
    if kind == "node":
        say("trusted issuers")
        with http or httpx.Client(timeout=5.0) as client:
            found.extend(_issuers(settings, client))
    if engine is not None:
        engine.dispose()  # type: ignore[attr-defined]
    return found
