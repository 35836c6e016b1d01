"""Cost of the privacy defences per Beacon answer, in process (no HTTP), against the k floor.

Usage::

    .venv/bin/python benchmarks/bench_privacy_cost.py --n 2000 --calls 300

Synthesises one country (``onemg synth``, cached under ``bench-data/privacy-<n>/``), ingests it,
and times ``onemg.beacon.service.answer`` for four query families under profile ``k-floor``
(the baseline, run in the same script) and ``budget+perturb``: a common variant asked
anonymously, a rare variant asked by a researcher (the first time: noise plus a budget charge in
SQL; then repeats, which look up the charge), and a filtered count by a researcher. Prints the
median microseconds per answer and the ratio to the baseline. The k-floor rows never touch SQL;
the budgeted rows do one short write transaction per request on the node's SQLite database.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data"


def prepare(n: int) -> Path:
    """Synthesise and ingest an ``n``-individual cohort (cached)."""
    from onemg.ingest import ingest, resolve_inputs
    from onemg.synth import synthesize

    base = DATA / f"privacy-{n}"
    node = base / "node"
    if (base / "prepared").exists():
        return node
    synthesize(base / "synth", countries=["FI"], individuals=n, seed=5, workers=1)
    ingest(resolve_inputs(source_dir=base / "synth" / "fi"), data_dir=node,
           database_url=f"sqlite:///{node / 'node.db'}")
    (base / "prepared").write_text("ok")
    return node


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="individuals")
    parser.add_argument("--calls", type=int, default=300, help="answers timed per family")
    args = parser.parse_args()

    import numpy as np

    from onemg.beacon.service import answer
    from onemg.beacon.store import NodeData
    from onemg.db import open_database
    from onemg.privacy.wiring import build_guard
    from onemg.protocol.request import from_query_string
    from onemg.protocol.vocabulary import BY_PATH
    from onemg.security import ANONYMOUS, Principal
    from onemg.settings import PrivacySettings, load_settings
    from onemg.testing import MemoryAuditSink

    node = prepare(args.n)
    base = load_settings(node, environ={})
    engine = open_database(base.db_url)
    store = NodeData.open(base, engine)
    ds = store.datasets()[0]
    index = ds.index
    rows = np.arange(index.n_variants)
    afs = np.array([v.af for v in index.variants(rows)])
    common = index.variants([int(rows[np.argmax(afs >= 0.05)])])[0]
    rare_rows = rows[(afs > 0) & (afs < 0.01)]
    rare = index.variants([int(r) for r in rare_rows[:1000]])
    term = store.filtering_terms(ds.id)[0]["id"]
    target = BY_PATH["individuals"]

    def variant_request(v) -> object:  # noqa: ANN001
        return from_query_string({"referenceName": v.contig, "start": str(v.pos - 1),
                                  "referenceBases": v.ref, "alternateBases": v.alt,
                                  "requestedGranularity": "count"}, [], max_page=100)

    cohort = from_query_string({"requestedGranularity": "count"}, [term], max_page=100)
    print(f"n={args.n} individuals, {index.n_variants} variants, {len(rare_rows)} rare; "
          f"common {common.contig}:{common.pos} AF {common.af:.3f}; filter {term}")
    print(f"{'family':38s} {'k-floor us':>11s} {'budget+perturb us':>18s} {'ratio':>6s}")
    for family in ("common, anonymous", "rare, researcher, new question",
                   "rare, researcher, repeat", "filtered count, researcher"):
        medians = []
        for profile in ("k-floor", "budget+perturb"):
            settings = base.replace(privacy=PrivacySettings(profile=profile, budget=1e9,
                                                            count_budget=1e9))
            guard = build_guard(settings, lambda: engine, time.time)
            audit = MemoryAuditSink()
            who = ANONYMOUS if family.endswith("anonymous") else \
                Principal(subject=f"bench-{profile}-{time.time_ns()}", registered=True)
            times = []
            for i in range(args.calls):
                if family.startswith("common"):
                    req = variant_request(common)
                elif family.endswith("new question"):
                    req = variant_request(rare[i % len(rare)])
                elif family.endswith("repeat"):
                    req = variant_request(rare[0])
                else:
                    req = cohort
                t0 = time.perf_counter()
                answer(store, req, target, who, settings=settings.beacon, audit=audit,
                       privacy=guard)
                times.append(time.perf_counter() - t0)
            medians.append(statistics.median(times) * 1e6)
        print(f"{family:38s} {medians[0]:11.1f} {medians[1]:18.1f} "
              f"{medians[1] / medians[0]:6.2f}")


if __name__ == "__main__":
    main()
