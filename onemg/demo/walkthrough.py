"""The controlled-access walk-through of ``onemg demo``: a demo researcher and four steps.

:func:`create_demo_researcher` gives the hub an account with researcher status (a
ResearcherStatus visa), audited like an operator's grant. :func:`walkthrough` returns the shell
commands that walk the whole chain against the running demo network:

1. log in at the hub and exchange the access token for a passport for one node;
2. apply to that node's data access committee for its dataset, and submit;
3. approve the application as the node's operator (the demo's veto window is 0 days, so the
   entitlement starts at once; a real node waits ``veto_window_days``);
4. ask the node for records with a fresh passport, which now carries the node's
   ControlledAccessGrants visa: records come back (before step 3 the same query is refused);
5. download an encrypted htsget slice of the dataset (the CFTR region) with ``onemg fetch``,
   decrypted with the researcher's own Crypt4GH key (made by ``onemg keys generate``).

They are the researcher's and the committee's ``onemg`` commands (``login``, ``passport``,
``duo``, ``apply``, ``applications``, ``query``; ``access show|approve``). The demo prints exactly
these commands, and the tests run exactly these commands.
"""

from __future__ import annotations

import json
import secrets
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from onemg.demo.demo import DemoPlan

DEMO_RESEARCHER = "demo-researcher"
#: The demo's operator, as recorded in the hub's and the node's audit logs.
DEMO_OPERATOR = "operator@demo"
#: The filter of the record query (hypertension, descendants included): common in every cohort.
RECORD_FILTER = "HP:0000822"
#: The region step 5 fetches (CFTR, one of the genes every synthetic cohort covers).
FETCH_REGION = "7:117480025-117668665"



@dataclass(frozen=True)
class Step:
    """One step of the walk-through: what it shows and the shell lines that do it."""

    number: int
    title: str
    commands: tuple[str, ...]
    note: str = ""


def researcher_password(plan: DemoPlan) -> str:
    """The demo researcher's password: made up once per demo directory, kept in it (0600)."""
    path = plan.root / "researcher.json"
    if path.exists():
        return str(json.loads(path.read_text())["password"])
    password = secrets.token_urlsafe(12)
    plan.root.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps({"username": DEMO_RESEARCHER, "password": password}))
    return password


def create_demo_researcher(plan: DemoPlan, hub_config: Path) -> str:
    """Create (or keep) the demo researcher on the hub with researcher status; return the sub.

    The hub database is opened through the hub's own settings (``hub_config``), before the hub
    process starts; the grant is audited under :data:`DEMO_OPERATOR`.
    """
    from onemg.access.accounts import LocalAccounts
    from onemg.access.audit import HashChainAudit
    from onemg.access.store import AccountStore, AuditStore
    from onemg.db import open_database
    from onemg.errors import NotFoundError
    from onemg.network.config import load_hub_config

    settings, _ = load_hub_config(hub_config)
    engine = open_database(settings.db_url)
    try:
        accounts = LocalAccounts(AccountStore(engine))
        audit = HashChainAudit(AuditStore(engine))
        try:
            sub = accounts.sub_of(DEMO_RESEARCHER)
        except NotFoundError:
            sub = accounts.create(DEMO_RESEARCHER, researcher_password(plan)).sub
            audit.record(
                user=DEMO_OPERATOR,
                action="admin.user-create",
                resource=f"user:{sub}",
                result="ok",
                origin="demo",
            )
        accounts.grant_researcher_status(DEMO_RESEARCHER, by="so")
        audit.record(
            user=DEMO_OPERATOR,
            action="admin.researcher-status",
            resource=f"user:{sub}",
            result="granted",
            origin="demo",
        )
        return sub
    finally:
        engine.dispose()


def demo_dataset(plan: DemoPlan, country: str) -> str:
    """The id of ``country``'s synthetic dataset (``synth-fi-s42``)."""
    return f"synth-{country.lower()}-s{plan.seed}"


def onemg_command() -> str:
    """How to run the onemg CLI of this installation from a shell."""
    script = Path(sys.executable).parent / "onemg"
    if script.exists():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -c 'from onemg.cli import run; run()'"


def walkthrough(plan: DemoPlan, country: str | None = None) -> list[Step]:
    """The four steps, as ``onemg`` researcher and committee commands for ``country``'s node."""
    country = country or plan.countries[0]
    dataset = demo_dataset(plan, country)
    q = shlex.quote
    onemg = onemg_command()
    node_dir = q(str(plan.node_dir(country)))
    # The demo researcher's session goes to its own file, never over a real login of yours.
    credentials = plan.root / "researcher-credentials.json"
    passport = f"{onemg} passport --node {country}"
    return [
        Step(
            1,
            f"Log in at the hub as {DEMO_RESEARCHER} and get a passport for node {country}",
            (
                f"export ONEMG_CREDENTIALS={q(str(credentials))}",
                f"{onemg} login --hub {plan.hub_url} --username {DEMO_RESEARCHER} "
                f"--password-stdin <<< {q(researcher_password(plan))}",
                passport,
            ),
            note="You would type your password at the prompt; the demo made this one up.",
        ),
        Step(
            2,
            f"Apply to node {country}'s data access committee for {dataset}, and submit",
            (
                f"{onemg} duo --node {country} --dataset {dataset} --terms DUO:0000042",
                f"APP=$({onemg} apply --node {country} --dataset {dataset} --terms DUO:0000042 "
                "--purpose 'A walk through the 1+MG access chain on synthetic data' "
                "--title 'Hypertension in the demo cohort' --institution 'onemg demo' "
                "--days 30 --yes --quiet)",
                f"{onemg} applications --node {country}",
            ),
        ),
        Step(
            3,
            f"Approve the application as node {country}'s operator (audited as {DEMO_OPERATOR})",
            (
                f'{onemg} access show "$APP" --data-dir {node_dir} '
                f"--hub-data-dir {q(str(plan.root / 'hub'))}",
                f'{onemg} access approve "$APP" --data-dir {node_dir} --actor {DEMO_OPERATOR} '
                "--comment 'approved in the demo'",
            ),
            note="The demo nodes run with veto_window_days = 0, so access starts at approval; "
            "a real node gives its national authority a veto window first.",
        ),
        Step(
            4,
            f"Take a new passport (it now carries node {country}'s ControlledAccessGrants "
            "visa) and ask the node for records",
            (
                passport,
                f"{onemg} query individuals --node {country} --dataset {dataset} "
                f"--filter {RECORD_FILTER} --granularity record --limit 3 --json",
            ),
            note="Before step 3 the same query is refused (403): the passport holds no grant.",
        ),
        _fetch_step(plan, country),
    ]


def fetched_path(plan: DemoPlan, country: str | None = None) -> Path:
    """Where step 5 writes the decrypted slice."""
    dataset = demo_dataset(plan, country or plan.countries[0])
    return plan.root / "fetched" / f"{dataset}.cftr.vcf.gz"


def _fetch_step(plan: DemoPlan, country: str) -> Step:
    """Step 5: a Crypt4GH key pair, then ``onemg fetch`` of an htsget slice."""
    from onemg.retrieval.client import fetch_command

    q = shlex.quote
    key = plan.root / DEMO_RESEARCHER
    dataset = demo_dataset(plan, country)
    # The demo reuses the researcher's password as the key's passphrase (a demo shortcut).
    secrets_env = (
        f"export ONEMG_PASSWORD={q(researcher_password(plan))} "
        f"C4GH_PASSPHRASE={q(researcher_password(plan))}"
    )
    fetch = fetch_command(
        hub=f"{plan.hub_url}/",
        dataset_id=dataset,
        key=Path(f"{key}.sec"),
        out=fetched_path(plan, country),
        username=DEMO_RESEARCHER,
        region=FETCH_REGION,
    )
    return Step(
        5,
        f"Download an encrypted htsget slice of {dataset} ({FETCH_REGION}, CFTR) and decrypt "
        "it with your own key",
        (
            secrets_env,
            f"test -f {q(str(key))}.sec || {onemg_command()} keys generate --out {q(str(key))}",
            fetch.replace("onemg", onemg_command(), 1),
        ),
        note="The node re-encrypts only the Crypt4GH header for your key and serves the "
        "encrypted blocks as stored; see docs/retrieval.md.",
    )


def render(steps: list[Step]) -> list[str]:
    """The steps as the lines the demo prints."""
    lines = ["Controlled access, step by step (bash):", ""]
    for step in steps:
        lines.append(f"# {step.number}. {step.title}")
        if step.note:
            lines.append(f"#    {step.note}")
        lines.extend(step.commands)
        lines.append("")
    return lines
