"""Re-identification risk against utility, per privacy configuration (issue 17 §3).

One synthetic cohort and a held-out panel of the same size from the same simulation
(``onemg synth --held-out``), ingested once into a node. For each configuration the node app
runs **in-process**, and the attacks ask its Beacon service directly (``--transport service``:
:class:`onemg.privacy.attacks.inprocess.NodeOracle`, held to the HTTP answers by
tests/privacy/test_attack_inprocess.py) or through its ASGI app (``--transport asgi``); the
HTTP plumbing is not what is measured, and at 10,000 questions per target it would be most of
the run time. ``onemg privacy attack`` itself works over real HTTP
(tests/privacy/test_attack_e2e.py). Per configuration:

* the four attacks (SB-2015, Raisaro, LD, differencing) on ``--targets`` members and as many
  non-members, up to ``--queries`` questions each: power at 1% FPR and AUC;
* utility: the fraction of correct ``exists`` for alleles with AF >= 1% and >= 5% (cohort AF),
  the mean and max relative error of counts for single-term filters matching >= 20 people, and
  the number of legitimate questions (gene-range counts, common-variant lookups, phenotype
  counts, in turn) answered before the first refusal.

Configurations: (a) none: exact (k = 1); (b) k-floor: main's floor (k = 5); (c)-(e) use the
``[privacy] profile`` setting of the defence work ("budget", "perturb", "budget+perturb"): they
run when this tree's settings know that section and are reported as unavailable otherwise.

    .venv/bin/python benchmarks/bench_privacy.py                     # small: ~minutes
    .venv/bin/python benchmarks/bench_privacy.py --individuals 10000 --held-out 10000 \\
        --targets 50 --queries 10000 --regions chr22:20000001-41000000 \\
        --workdir DIR --configs e,c            # 10,000 questions: about 1 h per configuration
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np


def _settings(node: Path, config: str, tmp: Path) -> Any:
    from onemg.privacy.attacks.configurations import settings_toml
    from onemg.settings import load_settings

    toml = tmp / f"{config}.toml"
    text = settings_toml(config)
    if not toml.is_file() or toml.read_text() != text:
        # Atomically: forked workers read it at once, and an empty file is the default profile.
        part = toml.with_name(f".{toml.name}.{os.getpid()}")
        part.write_text(text)
        os.replace(part, toml)
    return load_settings(node, config_file=toml, environ={})


class _Accounts:
    """Registered accounts for the in-process node: token ``u-<name>`` is user ``<name>``."""

    async def verify(self, token: str | None) -> Any:
        from onemg.errors import AuthenticationError
        from onemg.security import ANONYMOUS, Principal

        if token is None:
            return ANONYMOUS
        if not token.startswith("u-"):
            raise AuthenticationError("unknown token")
        return Principal(subject=token[2:], registered=True)


def _cohort_alleles(cohort: Path) -> list[tuple[tuple[str, int, str, str], float]]:
    from cyvcf2 import VCF

    out = []
    for var in VCF(str(cohort / "genotypes.vcf.gz")):
        an = var.INFO["AN"]
        for alt, ac in zip(var.ALT, np.atleast_1d(var.INFO["AC"]), strict=True):
            out.append(((var.CHROM.removeprefix("chr"), var.POS, var.REF, alt), ac / an))
    return out


def _term_counts(cohort: Path) -> dict[str, int]:
    """Individuals per sex term and per ICD-10 diagnosis, from the cohort's Phenopackets."""
    sexes = {"FEMALE": "NCIT:C16576", "MALE": "NCIT:C20197"}
    truth: dict[str, int] = {}
    with (cohort / "individuals.jsonl").open() as fh:
        for line in fh:
            packet = json.loads(line)
            terms = {d["term"]["id"] for d in packet.get("diseases", [])}
            if (sex := sexes.get(packet["subject"].get("sex", ""))) is not None:
                terms.add(sex)
            for t in terms:
                truth[t] = truth.get(t, 0) + 1
    return truth


async def _utility(
    client: httpx.AsyncClient, alleles: list, truth: dict[str, int], rng: Any, config: str
) -> dict[str, Any]:
    from onemg.privacy.attacks import BeaconOracle

    oracle = BeaconOracle(client, token=f"u-researcher-utility-{config}")
    res: dict[str, Any] = {}
    for cut in (0.01, 0.05):
        pool = [k for k, af in alleles if af >= cut]
        pick = [pool[i] for i in rng.choice(len(pool), min(300, len(pool)), replace=False)]
        answers = [await oracle.exists(k) for k in pick]
        res[f"exists_correct_af{int(cut * 100)}"] = float(np.mean([a == 1 for a in answers]))
    errors = []
    for term, n in sorted(truth.items()):
        if n >= 20:
            got = await oracle.count([term])
            errors.append(1.0 if got is None else abs(got - n) / n)
    res["count_rel_error_mean"] = float(np.mean(errors)) if errors else None
    res["count_rel_error_max"] = float(np.max(errors)) if errors else None
    # A legitimate user's mix, from a fresh account: 1,000 questions or the first refusal.
    legit = BeaconOracle(client, token=f"u-researcher-legit-{config}")
    common = [k for k, af in alleles if af >= 0.05]
    terms = sorted(t for t, n in truth.items() if n >= 20)
    answered = 0
    for i in range(1000):
        kind = i % 3
        if kind == 0:
            chrom, pos = common[i % len(common)][:2]
            r = await client.get(
                "/api/g_variants",
                headers={"Authorization": f"Bearer u-researcher-legit-{config}"},
                params={
                    "requestedGranularity": "count",
                    "referenceName": chrom,
                    "start": str(max(0, pos - 5000)),
                    "end": str(pos + 5000),
                },
            )
            ok = r.status_code == 200
        elif kind == 1:
            ok = await legit.exists(common[(7 * i) % len(common)]) != -1
        else:
            ok = await legit.count([terms[i % len(terms)]]) is not None
        if not ok:
            break
        answered += 1
    res["legit_before_refusal"] = answered
    return res


def _tokens(
    config: str, targets: int, *, anonymous: bool, attacks: tuple[str, ...] = ()
) -> list[str | None]:
    """The attacker's accounts: one registered account per target, so that each target faces
    a fresh budget (the attacker's best case against per-user budgets); ``anonymous`` asks as
    nobody. Where answers do not depend on the account, one account asks for all targets (the
    same answers, each question asked once). Account names carry the configuration: the
    configurations share one node database, which keeps budgets and count histories per
    account. A run of some of the attacks only (``attacks``) has accounts of its own: the
    attacks of one target share its account (and budget) in the order SB, Raisaro, LD,
    differencing, so differencing alone starts with a fresh budget."""
    from onemg.privacy.attacks import ATTACKS
    from onemg.privacy.attacks.configurations import ACCOUNT_FREE

    if anonymous:
        return [None]
    subset = attacks and set(attacks) != set(ATTACKS)
    name = f"{config}-{'-'.join(attacks)}" if subset else config
    if config in ACCOUNT_FREE:
        return [f"u-attacker-{name}"]
    return [f"u-attacker-{name}-{i}" for i in range(targets)]


def _oracles(app: Any, client: httpx.AsyncClient, tokens: list, transport: str) -> list:
    from onemg.privacy.attacks import http_oracles
    from onemg.privacy.attacks.inprocess import NodeOracle

    if transport == "service":
        return [NodeOracle(app, token=t) for t in tokens]
    return http_oracles(client, tokens)


#: What a forked shard worker needs (set in the parent just before the pool forks).
_SHARD: dict[str, Any] = {}


def _run_shard(part: int) -> tuple[dict[str, list], int, int]:
    """Shard ``part`` of ``_SHARD["jobs"]``: its targets' traces, questions sent, Beacon size."""
    from onemg.privacy.attacks.run import beacon_size, run_traces
    from onemg.web.node_app import create_node_app

    job = _SHARD
    jobs, targets, tokens = job["jobs"], job["targets"], job["tokens"]
    mine = list(range(part, len(targets), jobs))

    async def go() -> tuple[dict[str, list], int, int]:
        app = create_node_app(_settings(job["node"], job["config"], job["tmp"]),
                              verifier=_Accounts())  # fmt: skip
        async with app.router.lifespan_context(app):
            asgi = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=asgi, base_url="http://node") as client:
                # Target i keeps account tokens[i % len(tokens)], whichever shard runs it.
                oracles = _oracles(app, client, [tokens[i % len(tokens)] for i in mine],
                                   job["transport"])  # fmt: skip
                n = job["plan"].beacon_size or await beacon_size(oracles[0])
                traces = await run_traces(oracles, [targets[i] for i in mine],
                                          job["reference"], job["plan"], n=n,
                                          on_target=job["tick"])  # fmt: skip
                return traces, sum(o.stats.sent for o in oracles), n

    return asyncio.run(go())


async def _run_config(
    node: Path,
    config: str,
    targets: list,
    reference: Any,
    plan: Any,
    alleles: list,
    truth: dict,
    tmp: Path,
    *,
    anonymous: bool,
    transport: str,
    jobs: int = 1,
) -> dict[str, Any]:
    from tqdm.auto import tqdm

    from onemg.privacy.attacks import attack
    from onemg.privacy.attacks.run import summarize
    from onemg.web.node_app import create_node_app

    tokens = _tokens(config, len(targets), anonymous=anonymous, attacks=plan.attacks)
    t0 = time.perf_counter()
    if jobs > 1:
        # Forked workers, each with its own node app on the same node database (budgets are
        # shared across workers by design); targets are dealt round-robin and the traces
        # merged back in target order.
        import multiprocessing as mp

        manager = mp.get_context("fork").Manager()
        done = manager.Value("i", 0)
        lock = manager.Lock()

        def tick() -> None:
            with lock:
                done.value += 1

        _SHARD.update(jobs=jobs, targets=targets, tokens=tokens, node=node, config=config,
                      tmp=tmp, plan=plan, reference=reference, transport=transport,
                      tick=tick)  # fmt: skip
        with mp.get_context("fork").Pool(jobs) as pool, tqdm(
            total=len(targets), desc=f"({config}) attacks, {jobs} jobs", unit="targets"
        ) as bar:
            pending = pool.map_async(_run_shard, range(jobs))
            while not pending.ready():
                pending.wait(5)
                bar.update(done.value - bar.n)
            parts = pending.get()
            bar.update(done.value - bar.n)
        manager.shutdown()
        order = [i for part in range(jobs) for i in range(part, len(targets), jobs)]
        traces: dict[str, list] = {}
        for name in plan.attacks:
            merged = [t for part in parts for t in part[0][name]]
            traces[name] = [t for _, t in sorted(zip(order, merged, strict=True),
                                                 key=lambda p: p[0])]  # fmt: skip
        report = summarize(traces, plan, n=parts[0][2], questions_sent=sum(p[1] for p in parts))
    app = create_node_app(_settings(node, config, tmp), verifier=_Accounts())
    rng = np.random.default_rng(3)
    async with app.router.lifespan_context(app):
        asgi = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=asgi, base_url="http://node") as client:
            if jobs <= 1:
                with tqdm(total=len(targets), desc=f"({config}) attacks", unit="targets") as bar:
                    report = await attack(_oracles(app, client, tokens, transport), targets,
                                          reference, plan,
                                          on_target=lambda: bar.update(1))  # fmt: skip
            report["attack_seconds"] = time.perf_counter() - t0
            report["transport"] = transport
            report["accounts"] = len(tokens)
            report["jobs"] = jobs
            report["utility"] = await _utility(client, alleles, truth, rng, config)
    return report


def main() -> None:
    """Parse arguments, build the cohort, run every configuration, print the table."""
    from onemg.privacy.attacks import ATTACKS

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--individuals", type=int, default=1000)
    p.add_argument("--held-out", type=int, default=1000)
    p.add_argument("--targets", type=int, default=50, help="members and non-members (each)")
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--regions", default="chr22:30000001-33000000")
    p.add_argument("--country", default="DE")
    p.add_argument("--anonymous", action="store_true", help="attack as an anonymous caller")
    p.add_argument("--configs", default="a,b,c,d,e")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--json", type=Path, default=None, help="write all reports here")
    p.add_argument(
        "--html",
        type=Path,
        default=None,
        help="write each configuration's report page (plotly charts) as DIR/<letter>.html",
    )
    p.add_argument(
        "--transport",
        choices=("service", "asgi"),
        default="service",
        help="service: the attacks call the node's Beacon service in-process (the same code "
        "behind /api, several times faster); asgi: full HTTP requests over the ASGI app",
    )
    p.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the cohort and node here, and reuse them when they exist (same arguments)",
    )
    p.add_argument(
        "--attacks",
        default=",".join(ATTACKS),
        help="attacks to run, comma-separated (sb, raisaro, ld, diff); the attacks of one "
        "target share its account in that order, so a subset runs with accounts of its own",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="worker processes for the attacks (forked, each with its own node app on the "
        "same node database); the traces are merged before evaluation",
    )
    args = p.parse_args()

    from onemg.errors import InvalidInputError
    from onemg.ingest import ingest, resolve_inputs
    from onemg.privacy.attacks import AttackPlan, choose_targets, write_html
    from onemg.privacy.attacks.configurations import CONFIGURATIONS, settings_toml
    from onemg.synth import synthesize
    from onemg.synth.panel import panel_dir

    tmp = args.workdir or Path(tempfile.mkdtemp(prefix="bench_privacy_"))
    tmp.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    node = tmp / "node"
    if not (node / "node.db").is_file():
        synthesize(
            tmp / "synth",
            countries=[args.country],
            individuals=args.individuals,
            held_out=args.held_out,
            seed=args.seed,
            regions=args.regions.split(","),
        )
        ingest(
            resolve_inputs(source_dir=tmp / "synth" / args.country.lower()),
            data_dir=node,
            database_url=f"sqlite:///{node / 'node.db'}",
        )
    print(
        f"cohort {args.individuals} + held-out {args.held_out} ({args.regions}): synth and "
        f"ingest {time.perf_counter() - t0:.0f} s"
    )
    cohort = tmp / "synth" / args.country.lower()
    targets, reference = choose_targets(
        cohort,
        panel_dir(tmp / "synth", args.country),
        members=args.targets,
        outsiders=args.targets,
        seed=args.seed,
    )
    alleles, truth = _cohort_alleles(cohort), _term_counts(cohort)
    plan = AttackPlan(attacks=tuple(args.attacks.split(",")), max_queries=args.queries)
    reports: dict[str, Any] = {}
    for config in args.configs.split(","):
        try:
            settings_toml(config)
        except InvalidInputError as exc:
            print(f"({config}) unavailable: {exc}")
            continue
        reports[config] = asyncio.run(
            _run_config(node, config, targets, reference, plan, alleles, truth, tmp,
                        anonymous=args.anonymous, transport=args.transport,
                        jobs=args.jobs)
        )  # fmt: skip
        if args.json:  # after each configuration: a long run keeps what it has measured
            args.json.write_text(json.dumps(reports, indent=1))
        if args.html:
            args.html.mkdir(parents=True, exist_ok=True)
            write_html(reports[config], args.html / f"{config}.html")
    print(
        f"\n{args.targets} in + {args.targets} out, up to {args.queries} questions, "
        f"{'anonymous' if args.anonymous else 'one registered account per target'}; power at "
        "1% FPR (AUC); utility"
    )
    head = (
        f"{'config':<22}{'sb':>13}{'raisaro':>13}{'ld':>13}{'diff':>13}"
        f"{'exists>=1%':>11}{'exists>=5%':>11}{'count err':>10}{'legit':>7}{'s':>6}"
    )
    print(head)
    for config, rep in reports.items():
        a, u = rep["attacks"], rep["utility"]
        cells = "".join(
            f"{a[n]['power_at_max']:>6.2f} ({a[n]['roc']['auc']:.2f})" if n in a else f"{'-':>13}"
            for n in ("sb", "raisaro", "ld", "diff")
        )
        err = u["count_rel_error_mean"]
        print(
            f"({config}) {CONFIGURATIONS[config]:<18}{cells}{u['exists_correct_af1']:>11.3f}"
            f"{u['exists_correct_af5']:>11.3f}{(err if err is not None else float('nan')):>10.3f}"
            f"{u['legit_before_refusal']:>7}{rep['attack_seconds']:>6.0f}"
        )


if __name__ == "__main__":
    main()
