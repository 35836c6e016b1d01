"""DCAT-AP catalogue benchmark: build, serialise and SHACL-validate a node catalogue of N datasets.

Usage::

    .venv/bin/python benchmarks/bench_dcat.py --datasets 1 --datasets 10 --datasets 100

For each N it builds the catalogue graph from N synthetic ``DatasetInfo`` records (what
``/api/catalogue`` does on a cache miss), serialises it as Turtle and JSON-LD, and validates it
against the DCAT-AP 3.0.1 shapes with pyshacl (what the hub does per harvested member and the
FDP ``/valid`` views do per request). The baseline, run in the same process, is the Beacon
``/datasets`` collection of the same N datasets as JSON (``orjson`` over
``onemg.catalogue.beacon_records.dataset_record``): the ratio says what the RDF stack costs
compared with the node's existing dataset listing. Best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime

import orjson

from onemg.catalogue.beacon_records import dataset_record
from onemg.catalogue.store import DatasetInfo
from onemg.dcat.build import node_catalogue
from onemg.dcat.formats import JSONLD, TURTLE, serialise
from onemg.dcat.shapes import dcat_ap_shapes, validate
from onemg.settings import Settings

COUNTRIES = ["FI", "EE", "PT", "SE", "DE", "FR", "IT", "ES", "NL", "BE"]


def infos(n: int) -> list[DatasetInfo]:
    """N datasets like synth's descriptors (DUO with a modifier, controlled records)."""
    out = []
    for i in range(n):
        country = COUNTRIES[i % len(COUNTRIES)]
        desc = {
            "id": f"ds-{i}", "title": f"Cohort {i}", "description": "Synthetic cohort.",
            "country": country, "synthetic": True, "createDateTime": "2026-01-01T00:00:00Z",
            "dataUseConditions": {"duoDataUse": [{"id": "DUO:0000006", "label": "HMB",
                "modifiers": [{"id": "DUO:0000045", "label": "NPU"}]}]},
            "access": {"boolean": "PUBLIC", "count": "PUBLIC", "record": "CONTROLLED"},
        }  # fmt: skip
        out.append(DatasetInfo(
            id=desc["id"], version="1", title=desc["title"], description=desc["description"],
            country=country, n_individuals=1000 + i, created=datetime(2026, 2, 1, tzinfo=UTC),
            descriptor=desc, access=desc["access"], data_use=desc["dataUseConditions"],
            data_path="x"))  # fmt: skip
    return out


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, action="append", help="N (repeatable)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = Settings()
    dcat_ap_shapes()  # parse the shapes once, as a running process does
    print(f"{'N':>5} {'triples':>8} {'beacon JSON':>12} {'build':>9} {'turtle':>9} "
          f"{'json-ld':>9} {'validate':>9}  ratio build+turtle / beacon JSON")  # fmt: skip
    for n in args.datasets or [1, 10, 100]:
        data = infos(n)
        baseline = best(lambda data=data: orjson.dumps([dataset_record(
            d.id, d.version, d.descriptor, "2026-02-01T00:00:00Z", "2026-02-01T00:00:00Z",
            d.n_individuals) for d in data]), args.repeat)  # fmt: skip
        graph = node_catalogue(settings, data, "http://node")
        build = best(lambda data=data: node_catalogue(settings, data, "http://node"), args.repeat)
        ttl = best(lambda g=graph: serialise(g, TURTLE), args.repeat)
        jsonld = best(lambda g=graph: serialise(g, JSONLD), args.repeat)
        check = best(lambda g=graph: validate(g), 1)
        assert validate(graph).conforms
        print(f"{n:>5} {len(graph):>8} {baseline * 1e3:>10.2f}ms {build * 1e3:>7.1f}ms "
              f"{ttl * 1e3:>7.1f}ms {jsonld * 1e3:>7.1f}ms {check * 1e3:>7.0f}ms  "
              f"{(build + ttl) / baseline:,.0f}x")  # fmt: skip


if __name__ == "__main__":
    main()
