"""What the attacker knows: a reference panel (frequencies, LD) and the targets' genomes.

Members ("in" targets) are individuals of the attacked cohort: their genomes come from the
cohort's genotype file and their phenotype profile from its Phenopackets. Non-members ("out"
targets) are individuals of the held-out panel; they are removed from the panel before it is
used as the attacker's reference, so that no target's own alleles inform the frequencies. A
non-member has no Phenopacket; it takes the profile of a random member (the attacker knows a
profile and a genome, and the profile matching a member is the realistic hard case).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from onemg.errors import InvalidInputError
from onemg.privacy.attacks.lrt import allele_frequencies
from onemg.synth.panel import Panel

#: (chrom without "chr", 1-based position, ref, alt): one ALT allele as the Beacon is asked.
Key = tuple[str, int, str, str]
#: How far apart two alleles may be and still be taken as one LD block.
LD_WINDOW = 250_000
_SEX_TERMS = {"FEMALE": "NCIT:C16576", "MALE": "NCIT:C20197"}


@dataclass(frozen=True)
class Target:
    """One individual attacked: its ALT alleles and its phenotype profile as Beacon filters."""

    id: str
    member: bool
    keys: tuple[Key, ...]
    filters: tuple[str, ...]


@dataclass(frozen=True)
class Reference:
    """The attacker's population knowledge, estimated on the panel (targets removed)."""

    rows: dict[Key, int]
    af: np.ndarray  # per row, with a pseudo-count
    group: np.ndarray  # per row: LD block of identical carrier sets (r^2 = 1 in the panel)
    unseen_af: float  # frequency assumed for an allele the panel never saw
    individuals: int

    @classmethod
    def from_panel(cls, panel: Panel, *, window: int = LD_WINDOW) -> Reference:
        """Frequencies and LD blocks of ``panel``."""
        an = 2 * panel.individuals
        ac = panel.allele_counts()
        keys = panel.keys()
        groups = np.empty(panel.sites, dtype=np.int64)
        seen: dict[tuple[str, bytes], tuple[int, int]] = {}  # carriers -> (group, last pos)
        for row, (chrom, pos, _, _) in enumerate(keys):
            carriers = panel.carriers(row)
            if carriers.size == 0:
                groups[row] = row
                continue
            sig = (chrom, carriers.tobytes())
            hit = seen.get(sig)
            gid = hit[0] if hit is not None and pos - hit[1] <= window else row
            groups[row] = gid
            seen[sig] = (gid, pos)
        return cls(
            rows={k: i for i, k in enumerate(keys)}, af=allele_frequencies(ac, an),
            group=groups, unseen_af=float(allele_frequencies(np.zeros(1), an)[0]),
            individuals=panel.individuals,
        )  # fmt: skip

    def frequencies(self, keys: Sequence[Key]) -> np.ndarray:
        """The attacker's frequency of each allele (``unseen_af`` when not in the panel)."""
        return np.array([self.af[r] if (r := self.rows.get(k)) is not None else self.unseen_af
                         for k in keys], dtype=np.float64)  # fmt: skip

    def groups(self, keys: Sequence[Key]) -> np.ndarray:
        """LD block of each allele; alleles the panel never saw are blocks of their own."""
        out = np.empty(len(keys), dtype=np.int64)
        for i, k in enumerate(keys):
            r = self.rows.get(k)
            out[i] = self.group[r] if r is not None else -1 - i
        return out


def _profile(packet: dict[str, object]) -> tuple[str, ...]:
    subject = packet.get("subject")
    subject = subject if isinstance(subject, dict) else {}
    filters = []
    if (sex := _SEX_TERMS.get(str(subject.get("sex", "")).upper())) is not None:
        filters.append(sex)
    born = str(subject.get("dateOfBirth", ""))[:4]
    if born.isdigit():
        filters.append(f"yearOfBirth={born}")
    diseases = packet.get("diseases")
    diseases = diseases if isinstance(diseases, list) else []
    filters += sorted({d["term"]["id"] for d in diseases if d.get("term", {}).get("id")})[:2]
    return tuple(filters)


def read_profiles(cohort: Path) -> dict[str, tuple[str, ...]]:
    """Each cohort individual's phenotype profile (sex, year of birth, up to two diagnoses)."""
    path = Path(cohort) / "individuals.jsonl"
    if not path.is_file():
        raise InvalidInputError(
            f"{path} not found: --cohort must be a cohort folder as written by `onemg synth` "
            "(genotypes.vcf.gz or genotypes.bcf, and individuals.jsonl)"
        )
    out = {}
    with path.open() as fh:
        for line_no, line in enumerate(fh, 1):
            try:
                packet = json.loads(line)
                out[packet["subject"]["id"]] = _profile(packet)
            except (ValueError, KeyError, TypeError) as exc:
                raise InvalidInputError(
                    f"{path}, line {line_no}: not a Phenopacket ({exc})"
                ) from None
    return out


def _genotype_file(cohort: Path) -> Path:
    for name in ("genotypes.vcf.gz", "genotypes.bcf"):
        if (Path(cohort) / name).is_file():
            return Path(cohort) / name
    raise InvalidInputError(
        f"no genotypes.vcf.gz or genotypes.bcf in {cohort}: the attacker needs the members' "
        "genomes (write the cohort with `onemg synth --format vcf`)"
    )


def load_members(
    cohort: Path, ids: Sequence[str], profiles: dict[str, tuple[str, ...]]
) -> list[Target]:
    """The members ``ids`` of the cohort in folder ``cohort``, with their ALT alleles."""
    from cyvcf2 import VCF

    vcf = VCF(str(_genotype_file(cohort)), samples=list(ids), lazy=True)
    order = [vcf.samples.index(i) for i in ids]
    alleles: list[list[Key]] = [[] for _ in ids]
    for var in vcf:
        g = var.genotype.array()[order, :2]  # (targets, 2) allele indices, -1 missing
        if not (g > 0).any():
            continue
        chrom = var.CHROM.removeprefix("chr")
        for a, alt in enumerate(var.ALT, start=1):
            for t in np.flatnonzero((g == a).any(axis=1)).tolist():
                alleles[t].append((chrom, var.POS, var.REF, alt))
    vcf.close()
    return [
        Target(i, True, tuple(a), profiles.get(i, ())) for i, a in zip(ids, alleles, strict=True)
    ]


def load_outsiders(
    panel: Panel, individuals: Sequence[int], profiles: Sequence[tuple[str, ...]]
) -> list[Target]:
    """Panel ``individuals`` as non-member targets, with the given borrowed profiles."""
    dosages = panel.dosages(individuals)
    keys = panel.keys()
    return [
        Target(f"held-out-{i}", False, tuple(keys[r] for r in np.flatnonzero(d).tolist()), p)
        for i, d, p in zip(individuals, dosages, profiles, strict=True)
    ]
