"""Catalogue benchmark: Phenopacket parsing, stage_version load, filter -> IndividualSet latency.

Usage::

    .venv/bin/python benchmarks/bench_catalogue.py --n 100000 [--n 1000000] [--url URL]

Builds a synthetic cohort of ``n`` individuals with random HPO features (from ~3,000 terms under
"Phenotypic abnormality") and ICD-10 diagnoses directly as ``IndividualRecord`` objects, stages and
publishes it (SQLite file in a temp dir unless ``--url`` names a database), then reports:

* parse: ``parse_phenopacket_lines`` throughput on ``--parse-lines`` generated JSON lines;
* load: ``stage_version`` wall time;
* filter latency p50/p99 for an HPO term *with descendants* (mixed specific and broad terms),
  uncached (a Catalogue with ``cache_size=0``) and cached;
* a variant-carriers ∩ phenotype count (cached set, 1% carrier list) p50/p99.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from onemg.catalogue import (
    Annotation,
    BiosampleInfo,
    Catalogue,
    IndividualRecord,
    OntologyFilter,
    SequencingInfo,
    parse_phenopacket_lines,
)
from onemg.db import make_engine, migrate
from onemg.ontology import load_ontology


def _pools(rng: random.Random) -> tuple[list[str], list[str]]:
    onto = load_ontology()
    hpo = sorted(t for t in onto.descendants("HP:0000118") if not onto.is_obsolete(t))
    icd = [c for c in sorted(onto.descendants("ICD10:IV") | onto.descendants("ICD10:IX"))
           if "." in c]
    return rng.sample(hpo, 3000), icd


def _records(n: int, rng: random.Random, hpo: list[str], icd: list[str]) -> list[IndividualRecord]:
    out = []
    for i in range(n):
        pid = f"S{i:07d}"
        feats = tuple(Annotation(t, t, None) for t in rng.sample(hpo, rng.choice((0, 1, 2, 3))))
        dis = tuple(Annotation(c, c, float(rng.randint(1, 80)))
                    for c in rng.sample(icd, rng.choice((0, 0, 1, 2))))
        out.append(IndividualRecord(
            id=pid, sex=rng.choice(("female", "male")), year_of_birth=rng.randint(1930, 2015),
            diseases=dis, features=feats,
            biosample=BiosampleInfo(f"{pid}-bs", "UBERON:0000178", "blood", "OBI:0000655",
                                    "blood specimen", "2024-01-01"),
            sequencing=SequencingInfo(f"{pid}-run", f"{pid}-an", "Illumina", "GRCh38", "p1",
                                      "2024-02-01", "2024-03-01", "g.vcf.gz", "VCF")))
    return out


def _pct(samples: list[float]) -> str:
    a = np.array(samples) * 1000
    return f"p50 {np.percentile(a, 50):.2f} ms, p99 {np.percentile(a, 99):.2f} ms"


def bench_parse(lines: int) -> None:
    rng = random.Random(1)
    base = {"subject": {"sex": "FEMALE", "dateOfBirth": "1960-01-01T00:00:00Z"},
            "metaData": {"created": "2026-01-01T00:00:00Z", "createdBy": "bench",
                         "phenopacketSchemaVersion": "2.0"}}
    text = []
    for i in range(lines):
        pid = f"S{i:07d}"
        text.append(json.dumps({
            "id": pid, "subject": {**base["subject"], "id": pid},
            "phenotypicFeatures": [{"type": {"id": f"HP:{rng.randint(1, 3000):07d}",
                                             "label": "x"},
                                    "onset": {"age": {"iso8601duration": "P3Y"}}}],
            "diseases": [{"term": {"id": "ICD10:E84.0", "label": "CF"},
                          "onset": {"age": {"iso8601duration": f"P{rng.randint(1, 80)}Y"}}}],
            "biosamples": [{"id": f"{pid}-bs", "individualId": pid,
                            "sampledTissue": {"id": "UBERON:0000178", "label": "blood"},
                            "timeOfCollection": {"timestamp": "2024-01-01T00:00:00Z"},
                            "files": [{"uri": "g.vcf.gz", "fileAttributes": {
                                "genomeAssembly": "GRCh38", "platform": "Illumina"}}]}],
            "metaData": base["metaData"]}))
    start = time.perf_counter()
    parse_phenopacket_lines(text)
    took = time.perf_counter() - start
    print(f"parse {lines} phenopacket lines: {took:.2f} s ({lines / took:,.0f} lines/s)")


def bench(n: int, url: str | None, queries: int) -> None:
    rng = random.Random(n)
    hpo, icd = _pools(rng)
    records = _records(n, rng, hpo, icd)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate(engine)
        cat = Catalogue(engine)
        start = time.perf_counter()
        cat.stage_version({"id": f"bench-{n}", "country": "FI"}, version="v1", records=records,
                          sample_ids=[r.id for r in records], data_path=tmp)
        cat.publish_version(f"bench-{n}", "v1")
        print(f"[n={n:,}] stage_version {time.perf_counter() - start:.1f} s "
              f"({engine.dialect.name})")
        onto = load_ontology()
        present = [t for r in records[:2000] for t in r.term_ids() if t.startswith("HP:")]
        # Mix: the annotated term itself, and one of its ancestors (broad terms are the slow case).
        terms = [rng.choice(present) if rng.random() < 0.5
                 else rng.choice(sorted(onto.ancestors(rng.choice(present))))
                 for _ in range(queries)]
        cold = Catalogue(engine, cache_size=0)
        cold.individual_set(f"bench-{n}", [])  # connection pool warm-up
        uncached, sizes = [], []
        for term in terms:
            t0 = time.perf_counter()
            s = cold.individual_set(f"bench-{n}", [OntologyFilter(term)])
            uncached.append(time.perf_counter() - t0)
            sizes.append(len(s))
        for term in terms:
            cat.individual_set(f"bench-{n}", [OntologyFilter(term)])
        cached = []
        for term in terms:
            t0 = time.perf_counter()
            cat.individual_set(f"bench-{n}", [OntologyFilter(term)])
            cached.append(time.perf_counter() - t0)
        print(f"[n={n:,}] HPO filter with descendants, uncached: {_pct(uncached)} "
              f"(matched median {int(np.median(sizes)):,}, max {max(sizes):,})")
        print(f"[n={n:,}] HPO filter with descendants, cached:   {_pct(cached)}")
        carriers = np.sort(np.random.default_rng(1).choice(n, n // 100, replace=False))
        both = []
        for term in terms:
            t0 = time.perf_counter()
            s = cat.individual_set(f"bench-{n}", [OntologyFilter(term)])
            s.count_in(carriers)
            both.append(time.perf_counter() - t0)
        print(f"[n={n:,}] variant (1% carriers) ∩ phenotype count, cached set: {_pct(both)}")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="cohort size (repeatable)")
    parser.add_argument("--url", help="database URL (default: SQLite in a temp dir)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--parse-lines", type=int, default=100_000)
    args = parser.parse_args()
    if args.parse_lines:
        bench_parse(args.parse_lines)
    for n in args.n or [100_000]:
        bench(n, args.url, args.queries)


if __name__ == "__main__":
    main()
