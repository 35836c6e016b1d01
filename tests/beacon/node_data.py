"""Small, hand-checkable Beacon test data written as real node input files.

Each :class:`DatasetSpec` is plain Python lists (sexes, birth years, HPO/ICD-10 terms, variant
sites with their carriers and homozygotes). :func:`write_source` turns one into what ``onemg
ingest`` reads -- a bgzipped + tabix-indexed GRCh38 VCF, Phenopacket lines and a
``dataset.json`` -- and the tests compute their expectations from the same lists, never from onemg.

Some VCF records are written the way callers emit them, not normalised: a deletion and an
insertion with a padded shared suffix, and a multi-allelic record (with a 1/2 genotype).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

#: HP:0002069 (generalized tonic-clonic seizure) is a descendant of HP:0001250 (seizure).
SEIZURE, GTC_SEIZURE, HYPERTENSION = "HP:0001250", "HP:0002069", "HP:0000822"
HPO_LABELS = {SEIZURE: "Seizure", GTC_SEIZURE: "Generalized tonic-clonic seizure",
              HYPERTENSION: "Hypertension"}
ICD_LABELS = {"ICD10:E84.0": "Cystic fibrosis with pulmonary manifestations",
              "ICD10:I10": "Essential (primary) hypertension"}
CONTIG_LENGTHS = {"chr7": 159345973, "chrX": 156040895}
#: The deletion chr7:5000 ATCT>A, written padded (ATCTG>AG) in the VCF; in every dataset.
DEL = "7:5000:ATCT:A"
DEFAULT_ACCESS = {"boolean": "PUBLIC", "count": "PUBLIC", "record": "CONTROLLED"}


@dataclass(frozen=True)
class Site:
    """One ALT allele as the Beacon reports it (normalised, contig without ``chr``)."""

    contig: str
    pos: int
    ref: str
    alt: str
    carriers: frozenset[int]  # individual indices carrying the ALT (het or hom)
    homs: frozenset[int] = frozenset()  # subset of carriers that are ALT/ALT

    @property
    def key(self) -> str:
        return f"{self.contig}:{self.pos}:{self.ref}:{self.alt}"

    @property
    def vtype(self) -> str:
        if len(self.ref) == len(self.alt):
            return "SNP" if len(self.ref) == 1 else "MNP"
        return "INS" if len(self.ref) == 1 else "DEL" if len(self.alt) == 1 else "INDEL"


@dataclass(frozen=True)
class Record:
    """One VCF line: REF/ALTs as written (maybe padded) and the sites its ALTs become."""

    chrom: str
    pos: int
    ref: str
    alts: tuple[str, ...]
    sites: tuple[Site, ...]


@dataclass
class DatasetSpec:
    """Everything about one dataset, as the truth the tests check against."""

    id: str
    country: str
    sexes: list[str]  # "female" / "male"
    years: list[int]
    hpo: list[set[str]]
    icd: list[set[str]]
    records: list[Record]
    platform: str
    access: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ACCESS))

    @property
    def n(self) -> int:
        return len(self.sexes)

    @property
    def sites(self) -> list[Site]:
        return [s for r in self.records for s in r.sites]

    def site(self, key: str) -> Site:
        return next(s for s in self.sites if s.key == key)

    def individual_id(self, i: int) -> str:
        return f"{self.id}-i{i:03d}"


def _carriers(row: int, n: int) -> tuple[frozenset[int], frozenset[int]]:
    """Row ``row``'s carriers: k = 0,1,2,3,4,6,10,n//2 (cycling), spread by a step of 11."""
    k = [0, 1, 2, 3, 4, 6, 10, n // 2][row % 8]
    carriers = sorted((row * 7 + j * 11) % n for j in range(k))  # distinct: gcd(11, n) == 1
    return frozenset(carriers), frozenset(carriers[: k // 3])


def make_spec(ds_id: str, n: int, n_snvs: int, *, country: str, platform: str,
              extra: dict[str, tuple[set[int], set[int]]]) -> DatasetSpec:
    """A dataset of ``n`` people with SNVs chr7:1000+10r A>G plus the fixed indel records.

    ``extra`` gives (carriers, homs) of the sites ``del`` (7:5000 ATCT>A), ``ins``
    (7:6000 C>CAG), ``snv6000`` (7:6000 C>T, same VCF record as ``ins``) and ``x`` (X:100 G>T).
    """
    sexes = ["female" if i % 3 != 1 else "male" for i in range(n)]
    years = [1940 + (i * 7) % 70 for i in range(n)]
    hpo = [({SEIZURE} if i % 5 == 0 else {GTC_SEIZURE} if i % 5 == 1 else set())
           | ({HYPERTENSION} if i % 7 == 3 else set()) for i in range(n)]
    icd = [({"ICD10:E84.0"} if i % 4 == 2 else set()) | ({"ICD10:I10"} if i % 7 == 3 else set())
           for i in range(n)]
    records = []
    for r in range(n_snvs):
        c, h = _carriers(r, n)
        records.append(Record("chr7", 1000 + 10 * r, "A", ("G",),
                              (Site("7", 1000 + 10 * r, "A", "G", c, h),)))

    def site(name: str, contig: str, pos: int, ref: str, alt: str) -> Site:
        c, h = extra[name]
        assert h <= c
        return Site(contig, pos, ref, alt, frozenset(c), frozenset(h))

    # Written with a padded suffix (G / T) that normalisation trims.
    records.append(Record("chr7", 5000, "ATCTG", ("AG",),
                          (site("del", "7", 5000, "ATCT", "A"),)))
    records.append(Record("chr7", 6000, "CT", ("CAGT", "TT"),
                          (site("ins", "7", 6000, "C", "CAG"),
                           site("snv6000", "7", 6000, "C", "T"))))
    records.append(Record("chrX", 100, "G", ("T",), (site("x", "X", 100, "G", "T"),)))
    return DatasetSpec(ds_id, country, sexes, years, hpo, icd, records, platform)


def _genotype(i: int, rec: Record) -> str:
    alleles = []
    for k, s in enumerate(rec.sites, start=1):
        if i in s.homs:
            alleles += [k, k]
        elif i in s.carriers:
            alleles.append(k)
    assert len(alleles) <= 2, (rec, i)
    alleles = sorted(alleles + [0] * (2 - len(alleles)))
    return "/".join(map(str, alleles))


def _phenopacket(spec: DatasetSpec, i: int, genotype_file: str) -> dict:
    pid = spec.individual_id(i)
    bs = f"{spec.id}-b{i:03d}"
    return {
        "id": pid,
        "subject": {"id": pid, "dateOfBirth": f"{spec.years[i]}-01-01T00:00:00Z",
                    "sex": spec.sexes[i].upper(),
                    "taxonomy": {"id": "NCBITaxon:9606", "label": "Homo sapiens"}},
        "phenotypicFeatures": [{"type": {"id": t, "label": HPO_LABELS[t]},
                                "onset": {"age": {"iso8601duration": "P20Y"}}}
                               for t in sorted(spec.hpo[i])],
        "diseases": [{"term": {"id": t, "label": ICD_LABELS[t]},
                      "onset": {"age": {"iso8601duration": "P34Y"}}}
                     for t in sorted(spec.icd[i])],
        "biosamples": [{
            "id": bs, "individualId": pid,
            "sampledTissue": {"id": "UBERON:0000178", "label": "blood"},
            "sampleType": {"id": "OBI:0001051", "label": "DNA extract"},
            "timeOfCollection": {"timestamp": "2024-03-01T00:00:00Z"},
            "files": [{"uri": genotype_file, "individualToFileIdentifiers": {pid: pid},
                       "fileAttributes": {
                           "genomeAssembly": "GRCh38", "fileFormat": "VCF",
                           "platform": spec.platform, "pipeline": "test-pipeline 1.0",
                           "runDate": "2024-04-01", "analysisDate": "2024-05-01",
                           "runId": f"{spec.id}-r{i:03d}", "analysisId": f"{spec.id}-a{i:03d}"}}],
        }],
        "metaData": {"created": "2026-01-01T00:00:00Z", "createdBy": "onemg beacon tests",
                     "phenopacketSchemaVersion": "2.0"},
    }


def write_source(spec: DatasetSpec, folder: Path) -> Path:
    """Write ``genotypes.vcf.gz`` (+ .tbi), ``individuals.jsonl`` and ``dataset.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    samples = [spec.individual_id(i) for i in range(spec.n)]
    lines = ["##fileformat=VCFv4.2", "##reference=GRCh38"]
    lines += [f"##contig=<ID={c},length={n},assembly=GRCh38>" for c, n in CONTIG_LENGTHS.items()]
    lines.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
                            "FORMAT", *samples]))
    for rec in spec.records:
        lines.append("\t".join([rec.chrom, str(rec.pos), ".", rec.ref, ",".join(rec.alts), ".",
                                "PASS", ".", "GT",
                                *(_genotype(i, rec) for i in range(spec.n))]))
    plain = folder / "genotypes.vcf"
    plain.write_text("\n".join(lines) + "\n")
    subprocess.run(["bgzip", "-f", str(plain)], check=True)
    subprocess.run(["tabix", "-f", "-p", "vcf", str(folder / "genotypes.vcf.gz")], check=True)
    with open(folder / "individuals.jsonl", "w") as fh:
        for i in range(spec.n):
            fh.write(json.dumps(_phenopacket(spec, i, "genotypes.vcf.gz")) + "\n")
    descriptor = {
        "id": spec.id, "title": f"Beacon test cohort {spec.country}",
        "description": "Hand-written test data (not real people).", "country": spec.country,
        "synthetic": True, "createDateTime": "2026-01-01T00:00:00Z", "assemblyId": "GRCh38",
        "counts": {"individuals": spec.n, "variants": len(spec.sites)},
        "dataUseConditions": {"duoDataUse": [{"id": "DUO:0000042",
                                              "label": "general research use"}]},
        "access": spec.access,
        "files": {"genotypes": "genotypes.vcf.gz", "metadata": "individuals.jsonl"},
    }
    (folder / "dataset.json").write_text(json.dumps(descriptor, indent=1))
    return folder


def datasets() -> list[DatasetSpec]:
    """ds-fi (40 people, 30 SNVs) and ds-ee (30 people, 20 SNVs), plus the indels and X."""
    fi = make_spec("ds-fi", 40, 30, country="FI", platform="Illumina NovaSeq 6000", extra={
        "del": ({1, 4, 7, 9, 12, 20, 22, 31, 35, 38}, {7, 22}),
        "ins": ({2, 7, 15, 30}, {15}),
        "snv6000": ({3, 7, 16}, set()),  # individual 7 is 1/2 at chr7:6000
        "x": ({0, 1, 2, 5, 8, 13}, {0, 5}),
    })
    ee = make_spec("ds-ee", 30, 20, country="EE", platform="MGI DNBSEQ-G400", extra={
        "del": ({3, 11, 19, 27}, {11}),
        "ins": ({4, 5, 6, 7, 8, 9, 10}, {5}),
        "snv6000": ({0, 29}, {29}),
        "x": ({2, 14}, set()),
    })
    return [fi, ee]


def ingest_node(node: Path, specs: list[DatasetSpec], sources: Path) -> Path:
    """Ingest each spec into the node data dir ``node`` with the real pipeline."""
    from onemg.ingest import ingest, resolve_inputs

    for spec in specs:
        folder = write_source(spec, sources / spec.id)
        ingest(resolve_inputs(source_dir=folder), data_dir=node,
               database_url=f"sqlite:///{node / 'node.db'}")
    return node
