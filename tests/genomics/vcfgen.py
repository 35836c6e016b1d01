"""Random reference + VCF generator for genomics tests (no msprime: exact control of alleles)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BASES = "ACGT"


@dataclass(frozen=True)
class Cohort:
    """A generated VCF with its reference and per-sample facts."""

    vcf: Path
    fasta: Path
    samples: list[str]
    sex: list[str]


def _component(rng: np.random.Generator, ref_seq: str, p: int) -> tuple[str, int] | None:
    """One variant anchored at 1-based ``p``: (kind, payload) encoded as an edit on the REF."""
    kind = rng.choice(["snp", "snp", "del", "ins", "mnp"])
    anchor = ref_seq[p - 1]
    if kind == "snp":
        off = int(rng.integers(0, 3))
        return ("snp", off)
    if kind == "mnp":
        return ("mnp", int(rng.integers(0, 2)))
    if kind == "del":
        k = int(rng.integers(1, 4))
        # A deleted run ending in the anchor base could slide left of the record: avoid it so
        # that bcftools (which sees the reference) and onemg (which does not) agree.
        if ref_seq[p - 1 + k] == anchor:
            return None
        return ("del", k)
    ins = "".join(rng.choice(list(BASES), size=int(rng.integers(1, 4))))
    if ins[-1] == anchor:
        return None
    return ("ins", ins)


def _apply(ref: str, comp: tuple) -> str:
    kind, val = comp
    if kind == "snp":
        b = ref[val]
        return ref[:val] + BASES[(BASES.index(b) + 1) % 4] + ref[val + 1 :]
    if kind == "mnp":
        b1, b2 = ref[val], ref[val + 1]
        return (
            ref[:val]
            + BASES[(BASES.index(b1) + 1) % 4]
            + BASES[(BASES.index(b2) + 2) % 4]
            + ref[val + 2 :]
        )
    if kind == "del":
        return ref[0] + ref[1 + val :]
    return ref[0] + val + ref[1:]


def write_cohort(
    folder: Path,
    *,
    n_samples: int,
    n_records: int,
    seed: int,
    contigs: tuple[str, ...] = ("chr1", "chr2"),
    length: int = 20000,
    haploid_contig: str | None = None,
    star_every: int = 0,
) -> Cohort:
    """Write ``ref.fa`` and a bgzipped, indexed ``cohort.vcf.gz`` with random genotypes.

    Records sit at distinct, well-spaced positions; about a quarter are multi-allelic and REF is
    padded by 0-2 bases so that normalisation has suffixes to trim. Allele frequencies span rare
    to common so the index stores both sparse and dense carrier rows.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    seqs = {c: "".join(rng.choice(list(BASES), size=length)) for c in contigs}
    fasta = folder / "ref.fa"
    with open(fasta, "w") as fh:
        for c, s in seqs.items():
            fh.write(f">{c}\n")
            for i in range(0, len(s), 60):
                fh.write(s[i : i + 60] + "\n")
    samples = [f"S{i:04d}" for i in range(n_samples)]
    sex = [
        str(x)
        for x in rng.choice(["female", "male", "unknown"], size=n_samples, p=[0.48, 0.48, 0.04])
    ]
    lines = ["##fileformat=VCFv4.2"]
    lines += [f"##contig=<ID={c},length={length}>" for c in contigs]
    lines += [
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples),
    ]
    per_contig = n_records // len(contigs)
    rid = 0
    for c in contigs:
        positions = np.sort(
            rng.choice(np.arange(10, length - 20, 12), size=per_contig, replace=False)
        )
        for p in positions.tolist():
            n_alt = 1 if rng.random() < 0.75 else int(rng.integers(2, 4))
            comps = [x for x in (_component(rng, seqs[c], p) for _ in range(n_alt)) if x]
            if not comps:
                continue
            span = max(1 + (v if k == "del" else 0) for k, v in comps)
            span = max(span, 3) + int(rng.integers(0, 3))
            ref = seqs[c][p - 1 : p - 1 + span]
            alts = list(dict.fromkeys(_apply(ref, comp) for comp in comps))
            alts = [a for a in alts if a != ref]
            if not alts:
                continue
            if star_every and rid % star_every == 0:
                alts.append("*")
            rid += 1
            af = rng.choice([0.002, 0.01, 0.05, 0.2, 0.5])
            probs = np.array([1 - af] + [af / len(alts)] * len(alts))
            haploid = c == haploid_contig
            gts = []
            for s in range(n_samples):
                if rng.random() < 0.02:
                    gts.append("." if haploid and sex[s] == "male" else "./.")
                    continue
                a = rng.choice(len(probs), size=2, p=probs)
                if haploid and sex[s] == "male":
                    gts.append(str(a[0]))
                elif rng.random() < 0.01:
                    gts.append(f"./{a[1]}")
                else:
                    gts.append(f"{a[0]}{'|' if rng.random() < 0.5 else '/'}{a[1]}")
            lines.append(
                f"{c}\t{p}\tr{rid}\t{ref}\t{','.join(alts)}\t.\tPASS\t.\tGT\t" + "\t".join(gts)
            )
    plain = folder / "cohort.vcf"
    plain.write_text("\n".join(lines) + "\n")
    subprocess.run(["bgzip", "-f", str(plain)], check=True)
    vcf = folder / "cohort.vcf.gz"
    subprocess.run(["bcftools", "index", "-t", str(vcf)], check=True)
    return Cohort(vcf=vcf, fasta=fasta, samples=samples, sex=sex)


@dataclass(frozen=True)
class TruthRow:
    """One bi-allelic variant as cyvcf2 sees it after ``bcftools norm -m-any -f``."""

    record_pos: int
    pos: int
    ref: str
    alt: str
    ac: int
    an: int
    carriers: frozenset[int]
    homs: frozenset[int]
    record_id: str
    #: Per sample: ALT alleles and called alleles (strata counts are sums over these).
    alt_counts: tuple[int, ...] = ()
    called_counts: tuple[int, ...] = ()


def truth(cohort: Cohort, folder: Path) -> list[TruthRow]:
    """Split + normalise with bcftools (reference-aware), then count with cyvcf2."""
    import cyvcf2

    normed = folder / "normed.vcf"
    subprocess.run(
        ["bcftools", "norm", "-m-any", "-f", str(cohort.fasta), "-o", str(normed), str(cohort.vcf)],
        check=True,
        capture_output=True,
    )
    record_pos = {}
    for v in cyvcf2.VCF(str(cohort.vcf)):
        record_pos[v.ID] = (v.CHROM, v.POS)
    rows = []
    for v in cyvcf2.VCF(str(normed)):
        if v.ALT[0] == "*":
            continue
        gt = v.genotype.array()[:, :-1]  # drop the phased column
        called = gt >= 0
        alt = gt == 1
        carriers = np.flatnonzero(alt.any(axis=1))
        # Homozygous: every slot (haploid rows carry -2 fill in cyvcf2) equals ALT.
        slots = gt != -2
        hom = np.flatnonzero(((gt == 1) | ~slots).all(axis=1) & alt.any(axis=1))
        rows.append(
            TruthRow(
                record_pos[v.ID][1],
                v.POS,
                v.REF,
                v.ALT[0],
                int(alt.sum()),
                int(called.sum()),
                frozenset(carriers.tolist()),
                frozenset(hom.tolist()),
                v.CHROM + ":" + v.ID,
                tuple(alt.sum(axis=1).tolist()),
                tuple(called.sum(axis=1).tolist()),
            )
        )
    return rows
