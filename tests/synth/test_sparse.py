"""``onemg synth --format index``: the sparse path against the dense route, determinism,
ingest of the node it writes, and the refusal to retrieve what it does not have."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import pytest
import tskit

from onemg.catalogue import parse_phenopackets
from onemg.cli import main
from onemg.errors import InvalidInputError, NotFoundError
from onemg.genomics import VariantIndex, VariantQuery, convert_and_index
from onemg.ingest import ingest, open_catalogue, rebuild_index, resolve_inputs
from onemg.retrieval import htsget
from onemg.retrieval.archive import ArchivedFile
from onemg.retrieval.service import RetrievalService
from onemg.security import Principal
from onemg.settings import Settings
from onemg.synth import synthesize
from onemg.synth.tables import load_known_variants

ARGS = {"countries": ["FI", "EE"], "individuals": 120, "seed": 3}


def _boosted():
    """Every known variant at carrier frequency 0.2: spiked carriers in both countries."""
    table = load_known_variants()
    variants = tuple(
        dataclasses.replace(v, carrier_frequency={"default": 0.2}) for v in table.variants
    )
    return dataclasses.replace(table, variants=variants)


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same cohort as VCF (dense route) and as an index (sparse path, 2 workers)."""
    out = tmp_path_factory.mktemp("sparse")
    table = _boosted()
    synthesize(out / "dense", **ARGS, fmt="vcf", known_variants=table, workers=1)
    synthesize(out / "sparse", **ARGS, fmt="index", known_variants=table, workers=2)
    return out


@pytest.mark.parametrize("cc", ["fi", "ee"])
def test_sparse_index_equals_dense_route(pair: Path, cc: str, tmp_path: Path) -> None:
    """Index written from the trees == index built by ingest from the VCF, byte for byte."""
    dense = pair / "dense" / cc
    records = parse_phenopackets(dense / "individuals.jsonl")
    convert_and_index(
        dense / "genotypes.vcf.gz", tmp_path / "vcz", tmp_path / "index",
        sex=[r.sex for r in records], country=[cc.upper()] * len(records),
        staging=tmp_path / "work",
    )  # fmt: skip
    sparse = pair / "sparse" / cc / "index"
    files = sorted(p.relative_to(sparse) for p in sparse.rglob("*.npy"))
    assert len(files) > 15
    for f in files:
        assert (tmp_path / "index" / f).read_bytes() == (sparse / f).read_bytes(), f
    a, b = VariantIndex.open(tmp_path / "index"), VariantIndex.open(sparse)
    assert a.n_variants == b.n_variants > 1000
    # The spiked variants follow their truth files (carriers and genotypes).
    with open(pair / "sparse" / cc / "truth" / "spiked_genotypes.tsv") as fh:
        truth: dict[tuple[int, str, str], dict[int, str]] = {}
        for g in csv.DictReader(fh, delimiter="\t"):
            key = (int(g["pos"]), g["ref"], g["alt"])
            truth.setdefault(key, {})[int(g["individual_index"])] = g["genotype"]
    assert len(truth) >= 5
    for (pos, ref, alt), carriers in truth.items():
        rows = b.find(VariantQuery(_chrom(pair, cc, pos), start=pos - 1, ref=ref, alt=alt))
        assert rows.size == 1, (pos, ref, alt)
        idx, hom = b.zygosity(int(rows[0]))
        assert idx.tolist() == sorted(carriers)
        assert [carriers[i] == "1|1" for i in idx.tolist()] == hom.tolist()
    # Truth of the dense route and of the sparse path are the same files.
    for name in ("spiked_variants.tsv", "spiked_genotypes.tsv", "diagnoses.tsv"):
        assert (pair / "dense" / cc / "truth" / name).read_bytes() == (
            pair / "sparse" / cc / "truth" / name
        ).read_bytes()


def _chrom(pair: Path, cc: str, pos: int) -> str:
    with open(pair / "sparse" / cc / "truth" / "spiked_variants.tsv") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if int(row["pos"]) == pos:
                return row["chrom"]
    raise AssertionError(pos)


def test_trees_are_kept_and_give_the_genotypes(pair: Path) -> None:
    """The kept tree sequences decode to the dense route's genotypes (VCF), site for site."""
    from cyvcf2 import VCF

    folder = pair / "sparse" / "fi"
    sim = json.loads((folder / "truth" / "simulation.json").read_text())
    assert sim["format"] == "index"
    trees = sorted((folder / "trees").glob("*.trees"))
    assert len(trees) == len(sim["pieces"]) == 7
    piece = next(p for p in trees if p.name.startswith("chr22_"))
    ts = tskit.load(str(piece))
    assert ts.num_samples == 2 * 120
    start = int(piece.stem.split("_")[1].split("-")[0])
    want = {}
    for rec in VCF(str(pair / "dense" / "fi" / "genotypes.vcf.gz"), lazy=True)(
        f"chr22:{start}-{start + 999_999}"
    ):
        want[rec.POS] = (rec.REF, tuple(rec.ALT), np.array(rec.genotypes)[:, :2])
    got = 0
    for var in ts.variants():
        g = var.genotypes.reshape(-1, 2)
        if not g.any():
            continue
        ref, alts, gt = want[start + int(var.site.position)]
        present = [a for k, a in enumerate(var.alleles[1:], 1) if (g == k).any()]
        assert (var.alleles[0], tuple(present)) == (ref, alts)
        lookup = {0: 0, **{var.alleles.index(a): i + 1 for i, a in enumerate(present)}}
        assert np.array_equal(np.vectorize(lookup.get)(g), gt)
        got += 1
    assert got == len(want) > 500


def test_descriptor_says_there_is_no_genotype_store(pair: Path) -> None:
    folder = pair / "sparse" / "ee"
    ds = json.loads((folder / "dataset.json").read_text())
    assert ds["genotypeStore"] == "none"
    assert ds["files"] == {"index": "index", "samples": "samples.txt", "trees": "trees",
                           "metadata": "individuals.jsonl"}  # fmt: skip
    assert not list(folder.glob("genotypes*"))
    ids = (folder / "samples.txt").read_text().split()
    assert ids == [json.loads(line)["id"] for line in (folder / "individuals.jsonl").open()]
    assert json.loads((pair / "dense" / "ee" / "dataset.json").read_text())["genotypeStore"] == (
        "vcf"
    )


def test_worker_count_does_not_change_the_bytes(pair: Path, tmp_path: Path) -> None:
    synthesize(tmp_path / "one", **ARGS, fmt="index", known_variants=_boosted(), workers=1)
    for cc in ("fi", "ee"):
        assert _tree_digest(tmp_path / "one" / cc) == _tree_digest(pair / "sparse" / cc)


def test_genotypes_flag_needs_the_index_format(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="goes with --format index"):
        synthesize(tmp_path / "x", countries=["FI"], individuals=10, fmt="vcf", genotypes="vcz")
    with pytest.raises(InvalidInputError, match="unknown genotype store"):
        synthesize(tmp_path / "x", countries=["FI"], individuals=10, fmt="index", genotypes="x")


@pytest.fixture(scope="module")
def node(pair: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A node with the sparse FI dataset ingested through the CLI."""
    data = tmp_path_factory.mktemp("node")
    assert main(["ingest", "--data-dir", str(data), str(pair / "sparse" / "fi")]) == 0
    return data


def test_ingest_accepts_the_sparse_node(node: Path, pair: Path) -> None:
    cat = open_catalogue(f"sqlite:///{node / 'node.db'}")
    info = cat.dataset("synth-fi-s3")
    assert info.n_individuals == 120
    version = node / info.data_path
    assert not (version / "archive").exists()
    assert not (version / "genotypes.vcz").exists()
    served = VariantIndex.open(version / "index")
    written = VariantIndex.open(pair / "sparse" / "fi" / "index")
    assert served.n_variants == written.n_variants
    assert json.loads((version / "descriptor.json").read_text())["genotypeStore"] == "none"
    with pytest.raises(InvalidInputError, match="no genotype store to rebuild"):
        rebuild_index("synth-fi-s3", data_dir=node, database_url=f"sqlite:///{node / 'node.db'}")


def test_ingest_refuses_an_index_that_does_not_fit(pair: Path, tmp_path: Path) -> None:
    folder = tmp_path / "fi"
    import shutil

    shutil.copytree(pair / "sparse" / "fi", folder)
    lines = (folder / "individuals.jsonl").read_text().splitlines(keepends=True)
    (folder / "individuals.jsonl").write_text("".join(lines[1:]))
    inputs = resolve_inputs(source_dir=folder)
    with pytest.raises(InvalidInputError, match="an index cannot drop individuals"):
        ingest(inputs, data_dir=tmp_path / "node", database_url=f"sqlite:///{tmp_path}/n.db",
               allow_unmatched=True)  # fmt: skip
    # Sexes swapped in the metadata: the index's strata no longer fit.
    swapped = [
        line.replace('"FEMALE"', '"X"').replace('"MALE"', '"FEMALE"').replace('"X"', '"MALE"')
        for line in lines
    ]
    (folder / "individuals.jsonl").write_text("".join(swapped))
    with pytest.raises(InvalidInputError, match="alleles per stratum"):
        ingest(resolve_inputs(source_dir=folder), data_dir=tmp_path / "node",
               database_url=f"sqlite:///{tmp_path}/n.db")  # fmt: skip


def test_retrieval_is_refused_with_a_clear_message(node: Path) -> None:
    cat = open_catalogue(f"sqlite:///{node / 'node.db'}")
    info = cat.dataset("synth-fi-s3")
    version = node / info.data_path
    with pytest.raises(NotFoundError, match="no genotype files to retrieve"):
        ArchivedFile.open(version)
    service = RetrievalService(
        Settings(data_dir=node), locate=lambda ds: (info.version, version), verifier=None,  # type: ignore[arg-type]
        audit=None, clock=time.time,
    )  # fmt: skip
    principal = Principal(subject="r1", datasets=frozenset({"synth-fi-s3"}))
    with pytest.raises(NotFoundError) as exc:
        service.ticket(principal, "t", "synth-fi-s3", htsget.TicketRequest(), b"k" * 32,
                       "http://127.0.0.1")  # fmt: skip
    err = htsget.as_htsget(exc.value)
    assert (err.error, err.status) == ("NotFound", 404)
    assert "--format vcf or bcf" in htsget.error_body(err)["htsget"]["message"]


def test_cli_length_and_index_format(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(["synth", "--out", str(out), "--countries", "MT", "--individuals", "40",
                 "--format", "index", "--length", "30000", "--seed", "5"])  # fmt: skip
    assert code == 0
    sim = json.loads((out / "mt" / "truth" / "simulation.json").read_text())
    assert [r["name"] for r in sim["regions"]] == ["chr22:30000001-30030000"]
    assert VariantIndex.open(out / "mt" / "index").n_individuals == 40
    assert main(["synth", "--out", str(tmp_path / "o2"), "--countries", "MT", "--length",
                 "1000", "--regions", "CFTR"]) != 0  # fmt: skip


def test_demo_builds_sparse_nodes_that_serve(tmp_path: Path) -> None:
    """``onemg demo --format index`` at a small size: synthesised, ingested, opened to serve."""
    from onemg.beacon.store import NodeData
    from onemg.demo.demo import DemoPlan, prepare_data

    plan = DemoPlan(root=tmp_path / "demo", countries=("MT",), individuals=50, seed=5,
                    synth_format="index")  # fmt: skip
    prepare_data(plan, echo=lambda *_: None)
    assert plan.recipe()["format"] == "index"
    node = NodeData.open(Settings(data_dir=plan.node_dir("MT")))
    handle = node.handles["synth-mt-s5"]
    assert handle.n == 50
    written = VariantIndex.open(plan.synth_dir / "mt" / "index")
    assert handle.index.n_variants == written.n_variants > 100
    row = int(np.argmax(np.asarray(written._a["ac"])))
    assert handle.index.carrier_count(row) == written.carrier_count(row) > 0


#: Two pieces of one chromosome (1.5 Mb > MAX_PIECE_BP) around BRCA2's spiked variants.
VCZ_ARGS = {"countries": ["FI", "EE"], "individuals": 60, "seed": 3,
            "regions": ["chr13:31500001-33000000"]}  # fmt: skip
#: What the VCF route (``vcf2zarr``) and the Dask route both write.
VCZ_ARRAYS = ("call_genotype", "call_genotype_mask", "call_genotype_phased", "contig_id",
              "contig_length", "region_index", "sample_id", "variant_allele", "variant_contig",
              "variant_id", "variant_id_mask", "variant_length", "variant_position")  # fmt: skip


@pytest.fixture(scope="module")
def vcz_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``--format zarr`` (the old dense route: VCF, then bio2zarr's vcf2zarr) and ``--format
    index --genotypes vcz`` (the Dask route) with 1 and 2 workers, same arguments."""
    out = tmp_path_factory.mktemp("vcz")
    table = _boosted()
    synthesize(out / "dense", **VCZ_ARGS, fmt="zarr", known_variants=table, workers=1)
    for w in (1, 2):
        synthesize(out / f"dask{w}", **VCZ_ARGS, fmt="index", genotypes="vcz",
                   known_variants=table, workers=w)  # fmt: skip
    return out


@pytest.mark.parametrize("cc", ["fi", "ee"])
def test_genotypes_vcz_equals_the_dense_route(vcz_runs: Path, cc: str) -> None:
    """The store the Dask route builds from the kept trees holds what the VCF route's store
    holds: records, positions, alleles, IDs (the spiked rs ids), genotypes, samples."""
    import zarr

    want = zarr.open_group(str(vcz_runs / "dense" / cc / "genotypes.vcz"), mode="r")
    got = zarr.open_group(str(vcz_runs / "dask1" / cc / "genotypes.vcz"), mode="r")
    sim = json.loads((vcz_runs / "dask1" / cc / "truth" / "simulation.json").read_text())
    assert len(sim["pieces"]) == 2
    assert len(list((vcz_runs / "dask1" / cc / "trees").glob("*.trees"))) == 2
    for name in VCZ_ARRAYS:
        a, b = np.asarray(want[name][:]), np.asarray(got[name][:])
        assert (a.dtype, a.shape) == (b.dtype, b.shape), name
        assert np.array_equal(a, b), name
    positions = np.asarray(got["variant_position"][:])
    assert positions.size > 1000
    assert positions.min() < 32_500_001 <= positions.max()  # records from both pieces
    assert (np.diff(positions) >= 0).all()
    ids = {str(i) for i in got["variant_id"][:]} - {"."}
    spiked = {
        row["rsid"]
        for row in csv.DictReader(
            (vcz_runs / "dask1" / cc / "truth" / "spiked_variants.tsv").open(), delimiter="\t"
        )
    }
    assert ids
    assert ids <= spiked
    assert got.attrs["onemg_dataset"] == f"synth-{cc}-s3"
    assert got.attrs["vcf_meta_information"] == want.attrs["vcf_meta_information"]
    assert not list((vcz_runs / "dask1" / cc).glob(".genotypes.vcz.partial-*"))


def test_genotypes_vcz_bytes_do_not_depend_on_workers(vcz_runs: Path) -> None:
    """In this process (1 worker) or on a Dask LocalCluster of 2: the same store, byte for
    byte."""
    for cc in ("fi", "ee"):
        one = _tree_digest(vcz_runs / "dask1" / cc / "genotypes.vcz")
        assert len(one) > 20
        assert one == _tree_digest(vcz_runs / "dask2" / cc / "genotypes.vcz")


def _expected_records(store: Path, lo: int = 0, hi: int = 1 << 40) -> list[str]:
    """``bcftools query`` lines (CHROM POS ID REF ALT GTs) of a store's records in [lo, hi]."""
    import zarr

    root = zarr.open_group(str(store), mode="r")
    contigs = np.asarray(root["contig_id"][:])[np.asarray(root["variant_contig"][:])]
    gt = np.asarray(root["call_genotype"][:]).astype(str)
    calls = np.char.add(np.char.add(gt[:, :, 0], "|"), gt[:, :, 1])
    lines = []
    for i, pos in enumerate(np.asarray(root["variant_position"][:]).tolist()):
        if lo <= pos <= hi:
            ref, *alts = [str(a) for a in root["variant_allele"][i] if a]
            head = [str(contigs[i]), str(pos), str(root["variant_id"][i]), ref, ",".join(alts)]
            lines.append("\t".join(head + calls[i].tolist()))
    return lines


def _query(path: Path) -> list[str]:
    import subprocess

    fmt = "%CHROM\t%POS\t%ID\t%REF\t%ALT[\t%GT]\n"
    return subprocess.run(["bcftools", "query", "-f", fmt, str(path)], capture_output=True,
                          text=True, check=True).stdout.splitlines()  # fmt: skip


def test_genotypes_vcz_node_is_ingested_and_served_by_htsget(vcz_runs: Path,
                                                             tmp_path: Path) -> None:  # fmt: skip
    """``onemg ingest`` takes the ready index as it is and archives the dense store beside
    it; htsget then serves the old dense route's records, genotype for genotype."""
    import base64
    import io
    from urllib.parse import parse_qs, urlparse

    from crypt4gh import lib as c4gh_lib
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from onemg.retrieval.archive import decrypted_copy
    from onemg.retrieval.keys import load_archive_secret
    from onemg.retrieval.plan import Region
    from onemg.settings import RetrievalSettings

    folder = vcz_runs / "dask1" / "fi"
    settings = Settings(data_dir=tmp_path / "node",
                        retrieval=RetrievalSettings(archive_passphrase="pw"))  # fmt: skip
    db = f"sqlite:///{tmp_path / 'node.db'}"
    result = ingest(resolve_inputs(source_dir=folder), data_dir=settings.data_dir,
                    database_url=db, settings=settings)  # fmt: skip
    assert result.archive is not None
    assert result.archive.format == "VCF"
    assert result.n_variants == VariantIndex.open(folder / "index").n_variants
    assert not (result.path / "genotypes.vcz").exists()  # the index is used as it is
    dense = vcz_runs / "dense" / "fi" / "genotypes.vcz"
    archived = ArchivedFile.open(result.path)
    assert "chr13" in archived.manifest.contigs
    with decrypted_copy(archived, load_archive_secret(settings), tmp_path / "t") as (plain, _):
        assert _query(plain) == _expected_records(dense)
    # An htsget ticket for 100 kb of the second piece, decrypted with the reader's key.
    service = RetrievalService(
        settings, locate=lambda ds: (result.version, result.path), verifier=None,  # type: ignore[arg-type]
        audit=None, clock=time.time,
    )  # fmt: skip
    reader = X25519PrivateKey.generate()
    raw = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    reader_pk = reader.public_key().public_bytes(*raw)
    reader_sk = reader.private_bytes(serialization.Encoding.Raw,
                                     serialization.PrivateFormat.Raw,
                                     serialization.NoEncryption())  # fmt: skip
    principal = Principal(subject="r1", datasets=frozenset({"synth-fi-s3"}))
    request = htsget.TicketRequest(regions=(Region("chr13", 32_600_000, 32_700_000),))
    ticket = service.ticket(principal, "t", "synth-fi-s3", request, reader_pk,
                            "http://127.0.0.1")  # fmt: skip
    urls = [u["url"] for u in ticket["htsget"]["urls"]]
    crypt = bytearray(base64.b64decode(urls[0].split(",", 1)[1]))
    body = archived.body_path.read_bytes()
    for url in urls[1:]:
        start, end = map(int, parse_qs(urlparse(url).query)["r"][0].split("-"))
        crypt += body[start:end]
    out = io.BytesIO()
    c4gh_lib.decrypt([(0, reader_sk, None)], io.BytesIO(bytes(crypt)), out)
    (tmp_path / "slice.vcf.gz").write_bytes(out.getvalue())
    got = [line for line in _query(tmp_path / "slice.vcf.gz")
           if 32_600_001 <= int(line.split("\t")[1]) <= 32_700_000]  # fmt: skip
    want = _expected_records(dense, 32_600_001, 32_700_000)
    assert len(want) > 50
    assert got == want


def test_genotypes_vcz_beside_the_index(tmp_path: Path) -> None:
    """``--genotypes vcz``: the dense store (today's route: per-country VCF Zarr from the kept
    trees) beside the index; both describe the same genotypes."""
    import zarr

    synthesize(tmp_path / "o", countries=["MT"], individuals=30, seed=2, fmt="index",
               regions=["chr22:30000001-30040000"], genotypes="vcz")  # fmt: skip
    folder = tmp_path / "o" / "mt"
    ds = json.loads((folder / "dataset.json").read_text())
    assert ds["genotypeStore"] == "vcz"
    assert ds["files"]["genotypes"] == "genotypes.vcz"
    root = zarr.open_group(str(folder / "genotypes.vcz"), mode="r")
    gt = np.asarray(root["call_genotype"][:])
    index = VariantIndex.open(folder / "index")
    # Every biallelic record's carriers in the store are the index row's carriers.
    checked = 0
    for i, alleles in enumerate(root["variant_allele"][:]):
        alts = [a for a in alleles[1:] if a]
        if len(alts) != 1:
            continue
        pos = int(root["variant_position"][i])
        rows = index.find(VariantQuery("22", start=pos - 1, ref=str(alleles[0]), alt=alts[0]))
        carriers = np.flatnonzero((gt[i] == 1).any(axis=1))
        assert index.carriers(int(rows[0])).tolist() == carriers.tolist()
        checked += 1
    assert checked > 20
