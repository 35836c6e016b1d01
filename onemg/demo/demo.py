"""``onemg demo``: a whole synthetic European network on one machine.

Three countries are synthesised (:func:`onemg.synth.synthesize`), each is ingested into its own
node data directory (:func:`onemg.ingest.ingest`), both called as library functions in this
process; then three nodes plus the hub start as separate processes on localhost. The hub gets a
demo researcher with researcher status (:mod:`onemg.demo.walkthrough`), and the demo prints the
commands of the controlled-access walk-through next to the public example queries. The steps are
library functions so tests can drive them piece by piece: :func:`prepare_data`,
:class:`DemoNetwork` (start/stop), :func:`example_queries`,
:func:`onemg.demo.walkthrough.walkthrough` and :func:`run_demo` (all of it, until Ctrl-C or
SIGTERM).

A second run reuses ``DIR`` when it was built with the same countries, size and seed (recorded
in ``DIR/demo.json``); ``fresh=True`` (``--fresh``) rebuilds it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from onemg.demo.processes import ManagedProcess, ProcessGroup, port_in_use
from onemg.demo.walkthrough import create_demo_researcher, render, walkthrough
from onemg.errors import OnemgError
from onemg.network.counts import read_count

CLI = (sys.executable, "-c", "from onemg.cli import run; run()")
Echo = Callable[[str], None]


@dataclass(frozen=True)
class DemoPlan:
    """Where the demo keeps its data and which ports it uses."""

    root: Path
    countries: tuple[str, ...] = ("FI", "EE", "PT")
    individuals: int = 1000
    seed: int = 42
    host: str = "127.0.0.1"
    hub_port: int = 8100
    #: Nodes listen on ``hub_port + 1``, ``hub_port + 2``, ...
    node_ports: tuple[int, ...] = field(default=())
    #: The hub's ``[mail]`` settings (default: mail to ``hub/outbox/*.eml``; docs/mail.md).
    mail: dict[str, Any] = field(default_factory=dict)
    #: ``onemg synth --format``: ``vcf`` (retrievable over htsget) or ``index`` (the sparse
    #: path: Beacon index only, no htsget).
    synth_format: str = "vcf"
    #: ``onemg synth --held-out``: a reference panel per country beside the cohorts, for
    #: ``onemg privacy attack`` against the demo network (docs/privacy-attacks.md).
    held_out: int = 0

    def __post_init__(self) -> None:
        if not self.node_ports:
            ports = tuple(self.hub_port + 1 + i for i in range(len(self.countries)))
            object.__setattr__(self, "node_ports", ports)

    @property
    def synth_dir(self) -> Path:
        """Synthetic cohorts, one folder per country."""
        return self.root / "synth"

    def node_dir(self, country: str) -> Path:
        """The data directory of ``country``'s node."""
        return self.root / "nodes" / country.lower()

    def node_url(self, country: str) -> str:
        """Base URL of ``country``'s node."""
        port = self.node_ports[self.countries.index(country)]
        return f"http://{self.host}:{port}"

    @property
    def hub_url(self) -> str:
        """Base URL of the hub."""
        return f"http://{self.host}:{self.hub_port}"

    @property
    def logs(self) -> Path:
        """Where each process writes its output."""
        return self.root / "logs"

    def recipe(self) -> dict[str, Any]:
        """What the data depends on (a change means the data must be rebuilt)."""
        recipe: dict[str, Any] = {
            "countries": list(self.countries),
            "individuals": self.individuals,
            "seed": self.seed,
        }
        if self.synth_format != "vcf":
            recipe["format"] = self.synth_format
        if self.held_out:
            recipe["held_out"] = self.held_out
        return recipe


def _ingested(node_dir: Path) -> bool:
    return any((node_dir / "datasets").glob("*/*/descriptor.json"))


def write_node_settings(plan: DemoPlan, country: str) -> Path:
    """The node's ``onemg.toml``: its beaconId, country and public URL (rewritten each start)."""
    node_dir = plan.node_dir(country)
    node_dir.mkdir(parents=True, exist_ok=True)
    url = plan.node_url(country) + "/"
    hub = plan.hub_url + "/"
    cc = country.lower()
    path = node_dir / "onemg.toml"
    path.write_text(
        f'country = "{country}"\n\n[beacon]\nbeacon_id = "eu.onemg.node.{cc}"\n'
        f'name = "onemg demo node {country}"\norganization_id = "onemg-demo-{cc}"\n'
        f'organization_name = "1+MG demo node operator ({country})"\nenvironment = "dev"\n\n'
        f'[access]\naudience = "{url}"\npublic_url = "{url}"\n'
        # The demo approves and grants at once; a real node gives its authority a veto window.
        "veto_window_days = 0\n"
        # The hub is the passport broker: nodes accept passports it signs (aud = the node).
        f'trusted_issuers = [{{iss = "{hub}", jku = "{hub}oidc/jwks"}}]\n\n'
        # The default, protected profile (docs/privacy.md), named so the demo shows it:
        # anonymous callers get common variants only; rare-allele answers and filtered counts
        # are noisy and spend the researcher's risk and epsilon budgets.
        '[privacy]\nprofile = "budget+perturb"\n'
    )
    return path


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def write_hub_config(plan: DemoPlan, path: Path | None = None) -> Path:
    """The hub's TOML (``root/hub.toml`` unless ``path``): the demo nodes as members."""
    members = "".join(
        f'\n[[members]]\nid = "{c.lower()}"\nbase_url = "{plan.node_url(c)}/api"\n'
        f'country = "{c}"\nbeacon_id = "eu.onemg.node.{c.lower()}"\n'
        for c in plan.countries
    )
    mail = {"public_url": f"{plan.hub_url}/", **plan.mail}
    path = path or plan.root / "hub.toml"
    path.write_text(
        'data_dir = "hub"\n\n'
        '[beacon]\nbeacon_id = "eu.onemg.hub"\nname = "1+MG Beacon Network (demo)"\n'
        'organization_id = "onemg"\norganization_name = "1+MG demo hub"\n\n'
        "[network]\nmember_timeout_s = 5.0\ndeadline_s = 8.0\nfailure_threshold = 3\n"
        "cooldown_s = 10.0\nrefresh_interval_s = 60.0\n\n"
        f'[access]\npublic_url = "{plan.hub_url}/"\n\n'
        "[mail]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in mail.items()) + members
    )
    return path


def _ingest(plan: DemoPlan, country: str, *, echo: Echo, progress: bool) -> None:
    from onemg.ingest import ingest, resolve_inputs
    from onemg.settings import load_settings

    node_dir = plan.node_dir(country)
    settings = load_settings(node_dir)
    echo(f"ingesting {country} into {node_dir} ...")
    started = time.monotonic()
    result = ingest(
        resolve_inputs(source_dir=plan.synth_dir / country.lower()),
        data_dir=node_dir,
        database_url=settings.db_url,
        show_progress=progress,
    )
    echo(
        f"  {result.dataset_id}: {result.n_individuals} individuals, {result.n_variants} "
        f"variants in {time.monotonic() - started:.1f} s"
    )


def prepare_data(
    plan: DemoPlan, *, fresh: bool = False, echo: Echo = print, progress: bool = False
) -> None:
    """Synthesise and ingest what is missing (everything when ``fresh``), in this process.

    ``progress`` draws progress bars on stderr (the ``onemg demo`` command turns it on).
    """
    stamp = plan.root / "demo.json"
    if plan.root.exists() and not fresh and stamp.exists():
        if json.loads(stamp.read_text()) != plan.recipe():
            echo(f"{plan.root} was built with other settings; rebuilding it")
            fresh = True
    if fresh and plan.root.exists():
        shutil.rmtree(plan.root)
    plan.root.mkdir(parents=True, exist_ok=True)
    missing = [
        c for c in plan.countries if not (plan.synth_dir / c.lower() / "dataset.json").exists()
    ]
    if missing:
        from onemg.synth import synthesize

        echo(f"synthesising {', '.join(missing)} ({plan.individuals} individuals each) ...")
        started = time.monotonic()
        synthesize(
            plan.synth_dir,
            countries=missing,
            individuals=plan.individuals,
            seed=plan.seed,
            fmt=plan.synth_format,
            force=True,
            progress=progress,
            held_out=plan.held_out,
        )
        echo(f"  done in {time.monotonic() - started:.1f} s")
    for country in plan.countries:
        node_dir = plan.node_dir(country)
        write_node_settings(plan, country)
        if _ingested(node_dir):
            echo(f"node {country}: reusing {node_dir}")
            continue
        _ingest(plan, country, echo=echo, progress=progress)
    stamp.write_text(json.dumps(plan.recipe()))


def node_serve_argv(data_dir: Path, port: int, *, host: str = "127.0.0.1") -> list[str]:
    """The command that serves one node from ``data_dir`` on ``host:port``."""
    return [*CLI, "node", "serve", "--data-dir", str(data_dir), "--host", host, "--port", str(port)]


def hub_serve_argv(config: Path, port: int, *, host: str = "127.0.0.1") -> list[str]:
    """The command that serves the hub of ``config`` on ``host:port`` (warnings logged only)."""
    return [
        *CLI,
        "hub",
        "serve",
        "--config",
        str(config),
        "--host",
        host,
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]


def stub_argv(port: int, country: str, *options: str) -> list[str]:
    """The command that runs a canned member (:mod:`onemg.demo.stub`) with ``options``."""
    return [
        sys.executable,
        "-m",
        "onemg.demo.stub",
        "--port",
        str(port),
        "--country",
        country,
        *options,
    ]


def node_argv(plan: DemoPlan, country: str) -> list[str]:
    """The command that serves ``country``'s node."""
    port = plan.node_ports[plan.countries.index(country)]
    return node_serve_argv(plan.node_dir(country), port, host=plan.host)


class DemoNetwork:
    """The running demo: nodes and hub as child processes. Use as a context manager."""

    def __init__(
        self,
        plan: DemoPlan,
        *,
        member_argv: Callable[[DemoPlan, str], list[str]] = node_argv,
        ready_timeout_s: float = 90.0,
    ) -> None:
        self.plan = plan
        self.member_argv = member_argv
        self.ready_timeout_s = ready_timeout_s
        self.group = ProcessGroup()

    def start(self) -> None:
        """Start the nodes, then the hub, and wait until all answer."""
        plan = self.plan
        busy = [p for p in (plan.hub_port, *plan.node_ports) if port_in_use(p, plan.host)]
        if busy:
            raise OnemgError(
                f"port(s) {busy} on {plan.host} are already in use (another demo running?); "
                "stop it or pick other ports with --port"
            )
        for country in plan.countries:
            write_node_settings(plan, country)  # ports may differ from the last run
            self.group.start(
                ManagedProcess(
                    name=f"node {country}",
                    argv=self.member_argv(plan, country),
                    ready_url=f"{plan.node_url(country)}/api/info",
                    log_path=plan.logs / f"node-{country.lower()}.log",
                )
            )
        # Members first, so the hub's first metadata refresh finds them up.
        try:
            self.group.wait_all_ready(self.ready_timeout_s)
        except OnemgError as exc:
            raise OnemgError(
                f"{exc}\nIf {plan.root} was built by an older onemg, rebuild it: onemg demo --fresh"
            ) from exc
        self._warm_up()
        hub_config = write_hub_config(plan)
        create_demo_researcher(plan, hub_config)  # before the hub opens its database
        self.group.start(
            ManagedProcess(
                name="hub",
                argv=hub_serve_argv(hub_config, plan.hub_port, host=plan.host),
                ready_url=f"{plan.hub_url}/api/info",
                log_path=plan.logs / "hub.log",
            )
        )
        self.group.wait_all_ready(self.ready_timeout_s)

    def _warm_up(self) -> None:
        # A node loads its ontologies on the first filtered query, which can take longer than
        # the hub's member timeout on a busy laptop; pay that once here, not in the first query.
        with httpx.Client(timeout=self.ready_timeout_s, trust_env=False) as client:
            for country in self.plan.countries:
                with contextlib.suppress(httpx.HTTPError):
                    client.get(
                        f"{self.plan.node_url(country)}/api/individuals",
                        params={"filters": "HP:0000822"},
                    )

    def exited(self) -> list[str]:
        """Names of processes that have exited (empty while all run)."""
        return [p.name for p in self.group.processes if not p.alive()]

    def stop(self) -> None:
        """Stop every process (hub first)."""
        self.group.stop_all()

    def __enter__(self) -> DemoNetwork:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def example_queries(plan: DemoPlan) -> list[tuple[str, str]]:
    """(title, curl command) pairs showing cross-border answers from the hub."""
    api = f"{plan.hub_url}/api"
    body = json.dumps(
        {
            "meta": {"apiVersion": "v2.0.0"},
            "query": {"filters": [{"id": "HP:0000822"}], "requestedGranularity": "count"},
        }
    )
    return [
        (
            "Carriers of CFTR F508del (GRCh38 7:117559590 ATCT>A; Beacon start is 0-based), "
            "per country",
            f"curl -s '{api}/individuals?referenceName=7&start=117559589&referenceBases=ATCT"
            "&alternateBases=A&requestedGranularity=count'",
        ),
        (
            "Carriers of HFE C282Y (GRCh38 6:26092913 G>A), common in Northern Europe",
            f"curl -s '{api}/individuals?referenceName=6&start=26092912&referenceBases=G"
            "&alternateBases=A&requestedGranularity=count'",
        ),
        (
            "Carriers of HBB E7V (sickle cell, GRCh38 11:5227002 T>A): rare here, so nodes "
            "answer anonymous callers about common variants only (docs/privacy.md); with a "
            "passport the answer is noisy and spends your risk budget",
            f"curl -s '{api}/individuals?referenceName=11&start=5227001&referenceBases=T"
            "&alternateBases=A&requestedGranularity=count'",
        ),
        (
            "Individuals with hypertension (HP:0000822, descendants included), per country",
            f"curl -s '{api}/individuals?filters=HP:0000822&requestedGranularity=count'",
        ),
        (
            "The same as a POST Beacon request",
            f"curl -s -X POST '{api}/individuals' -H 'Content-Type: application/json' -d '{body}'",
        ),
        ("Network status: members, circuits, countries", f"curl -s '{api}/info'"),
        ("Filtering terms usable anywhere in the network", f"curl -s '{api}/filtering_terms'"),
    ]


def summarise(body: dict[str, Any]) -> str:
    """One line per country from a network count answer (what the curl examples show)."""
    per_country: dict[str, list[str]] = {}
    for rs in body.get("response", {}).get("resultSets", []):
        info = rs.get("info", {})
        value = str(rs.get("resultsCount", "?"))
        part = read_count(rs, count_key="resultsCount")
        if part is not None and not part.exact:
            bounds = f">={part.lower}" if part.upper is None else f"{part.lower}-{part.upper}"
            if part.soft:
                bounds = f"within {bounds} with 99% probability (privacy noise)"
            value = f"{value} ({part.precision}: the true count is {bounds})"
        per_country.setdefault(info.get("country", "?"), []).append(f"{rs['id']}: {value}")
    lines = [f"    {c}: {'; '.join(v)}" for c, v in sorted(per_country.items())]
    summary = body.get("responseSummary", {})
    total = summary.get("numTotalResults")
    if total is not None:
        precision = summary.get("countPrecision", "exact")
        adjusted = (summary.get("countAdjustedTo") or ["unknown"])[0]
        extra = "" if precision == "exact" else f" ({precision}: the true total is {adjusted})"
        lines.append(f"    network total: {total}{extra}")
    for miss in body.get("info", {}).get("network", {}).get("unavailable", []):
        lines.append(f"    unavailable: {miss['id']} ({miss['status']}: {miss['reason']})")
    return "\n".join(lines) or "    (no result sets)"


def _print_banner(plan: DemoPlan, echo: Echo) -> None:
    echo("")
    echo("onemg demo network is up:")
    echo(f"  researcher portal     {plan.hub_url}/   (datasets, search, applications)")
    echo(f"  hub (Beacon Network)  {plan.hub_url}/api   (OpenAPI docs: {plan.hub_url}/docs)")
    for country in plan.countries:
        echo(f"  node {country}               {plan.node_url(country)}/api")
    echo(f"  logs                  {plan.logs}")
    echo("")
    with httpx.Client(timeout=10, trust_env=False) as client:
        for title, command in example_queries(plan):
            echo(f"# {title}")
            echo(f"{command} | python3 -m json.tool")
            if "requestedGranularity=count" in command and "POST" not in command:
                url = command.split("'")[1]
                try:
                    echo(summarise(client.get(url).json()))
                except (httpx.HTTPError, ValueError) as exc:
                    echo(f"    (could not run it now: {exc})")
            echo("")
    for line in render(walkthrough(plan)):
        echo(line)
    echo("Press Ctrl-C to stop the network.")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_demo(plan: DemoPlan, *, fresh: bool = False, echo: Echo = print) -> int:
    """Prepare data, start the network, print URLs and examples, and wait for Ctrl-C/SIGTERM."""
    # SIGINT too: a demo started in the background inherits an ignored SIGINT otherwise.
    previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    network = DemoNetwork(plan)
    try:
        prepare_data(plan, fresh=fresh, echo=echo, progress=True)
        from onemg.governance.mlm.demo import load_demo_hub  # the MLM's demo data on the hub

        mlm_login = load_demo_hub(plan.root / "hub", echo=echo)
        from onemg.community.events.demo import load_demo_events  # the events table

        events_path = load_demo_events(plan.root / "hub", echo=echo)
        from onemg.community.news.demo import load_demo_news_hub  # the news of the community site

        load_demo_news_hub(plan.root / "hub", echo=echo)
        from onemg.community.stakeholders.demo import load_demo_hub as load_stakeholders

        stakeholders_login = load_stakeholders(plan.root / "hub", echo=echo)
        echo(f"starting {len(plan.countries)} nodes and the hub ...")
        network.start()
        _print_banner(plan, echo)
        echo(f"Maturity Level Model: {plan.hub_url}/mlm ({mlm_login})")
        echo(f"Events: {plan.hub_url}{events_path} (calendar: {plan.hub_url}/events.ics)")
        echo(f"Community news: {plan.hub_url}/news (newsletter: {plan.hub_url}/newsletter)")
        echo(f"Stakeholder portal: {plan.hub_url}/stakeholders ({stakeholders_login})")
        reported: set[str] = set()
        while "hub" not in (dead := network.exited()):
            # A node may die (or be killed to try the fault tolerance): the hub keeps answering
            # without it, so the demo goes on and only says so.
            for name in sorted(set(dead) - reported):
                echo(f"{name} exited; the hub answers without it (see {plan.logs})")
                reported.add(name)
            time.sleep(0.5)
        echo(f"the hub stopped unexpectedly; see {plan.logs / 'hub.log'}. Stopping the demo.")
        return 1
    except KeyboardInterrupt:
        echo("\nstopping the demo network ...")
        return 0
    finally:
        # A second Ctrl-C or SIGTERM must not abandon children half-stopped.
        held = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            network.stop()
        finally:
            for signum in held:
                signal.signal(signum, previous[signum])
        echo("stopped.")
