"""`onemg ingest` end to end, against SQLite and a real PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from onemg.catalogue import AlphanumericFilter, OntologyFilter
from onemg.cli import main
from onemg.errors import ConflictError, InvalidInputError
from onemg.genomics import VariantIndex
from onemg.ingest import ingest, open_catalogue, resolve_inputs
from tests.genomics.vcfgen import truth
from tests.ingest.sources import HPO, ICD10, make_source


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    folder = tmp_path_factory.mktemp("src")
    src, cohort, terms = make_source(folder / "fi", n=90, records=120, seed=5)
    return src, cohort, terms, truth(cohort, folder)


def test_ingest_counts_match_cyvcf2_with_filters(source: tuple, db_url: str,
                                                  tmp_path: Path) -> None:
    src, cohort, terms, rows = source
    result = ingest(resolve_inputs(source_dir=src), data_dir=tmp_path / "node",
                    database_url=db_url)
    assert result.n_individuals == 90
    assert result.n_variants == len(rows)
    cat = open_catalogue(db_url)
    info = cat.dataset("test-fi")
    assert info.version == result.version
    assert info.n_individuals == 90
    assert not Path(info.data_path).is_absolute()
    index = VariantIndex.open(tmp_path / "node" / info.data_path / "index")
    sex = np.array(cohort.sex)
    filters = {
        "all": ([], set(range(90))),
        **{t: ([OntologyFilter(t)], terms[t]) for t in HPO + ICD10},
        "female": ([AlphanumericFilter("sex", "=", "female")],
                   set(np.flatnonzero(sex == "female").tolist())),
        "male+seizure": ([AlphanumericFilter("sex", "=", "male"), OntologyFilter(HPO[0])],
                         set(np.flatnonzero(sex == "male").tolist()) & terms[HPO[0]]),
    }
    rng = np.random.default_rng(0)
    for name, (flt, members) in filters.items():
        within = cat.individual_set("test-fi", flt)
        assert set(within.indices.tolist()) == members, name
        for t in rng.choice(len(rows), size=15, replace=False):
            r = rows[t]
            row = index.lookup(f"{r.record_id.split(':')[0][3:]}:{r.pos}:{r.ref}:{r.alt}")
            assert index.count_carriers(row, within) == len(r.carriers & members), name
    # the per-sex AC stored in the index agrees with the catalogue's sex strata + the truth
    strata = cat.strata("test-fi")
    for r in rows[:40]:
        row = index.lookup(f"{r.record_id.split(':')[0][3:]}:{r.pos}:{r.ref}:{r.alt}")
        v = index.variants([row])[0]
        for label, members_set in strata.items():
            members = set(members_set.indices.tolist())
            assert v.strata[label][0] == len(r.carriers & members) + len(r.homs & members)
    assert v.strata["country:FI"] == (v.ac, v.an)


def test_replace_refused_then_allowed_and_old_version_removed(source: tuple,
                                                                tmp_path: Path) -> None:
    src = source[0]
    node = tmp_path / "node"
    url = f"sqlite:///{tmp_path / 'n.db'}"
    first = ingest(resolve_inputs(source_dir=src), data_dir=node, database_url=url)
    with pytest.raises(ConflictError, match="already exists.*--replace"):
        ingest(resolve_inputs(source_dir=src), data_dir=node, database_url=url)
    second = ingest(resolve_inputs(source_dir=src), data_dir=node, database_url=url,
                    replace=True)
    assert second.previous_version == first.version
    assert not first.path.exists()
    assert [p.name for p in (node / "datasets" / "test-fi").iterdir()] == [second.version]
    assert open_catalogue(url).stale_versions() == []
    assert list((node / "tmp").iterdir()) == []


def test_cli_ingest_list_show_rebuild_delete(source: tuple, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    src = source[0]
    node = tmp_path / "node"
    assert main(["ingest", "--data-dir", str(node), str(src)]) == 0
    assert "test-fi" in capsys.readouterr().out
    assert main(["ingest", "--data-dir", str(node), str(src)]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["datasets", "list", "--data-dir", str(node)]) == 0
    out = capsys.readouterr().out
    assert "test-fi" in out
    assert "90" in out
    assert main(["datasets", "show", "test-fi", "--data-dir", str(node)]) == 0
    assert "test cohort" in capsys.readouterr().out
    cat = open_catalogue(f"sqlite:///{node / 'node.db'}")
    index_dir = node / cat.dataset("test-fi").data_path / "index"
    before = np.load(index_dir / "ac.npy")
    assert main(["index", "rebuild", "--data-dir", str(node), "--dataset-id", "test-fi"]) == 0
    np.testing.assert_array_equal(np.load(index_dir / "ac.npy"), before)
    assert main(["datasets", "delete", "test-fi", "--data-dir", str(node), "--yes"]) == 0
    assert main(["datasets", "show", "test-fi", "--data-dir", str(node)]) == 2
    assert not (node / "datasets" / "test-fi").exists()


def _copy_source(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


def test_sample_metadata_mismatch_listed_and_allow_unmatched(source: tuple,
                                                             tmp_path: Path) -> None:
    src = _copy_source(source[0], tmp_path / "src")
    lines = (src / "individuals.jsonl").read_text().splitlines()
    extra = json.loads(lines[0])
    extra["id"] = extra["subject"]["id"] = "NOT-IN-VCF"
    (src / "individuals.jsonl").write_text("\n".join(lines[2:] + [json.dumps(extra)]) + "\n")
    url = f"sqlite:///{tmp_path / 'n.db'}"
    with pytest.raises(InvalidInputError, match=r"2 VCF sample\(s\).*S0000, S0001.*"
                                                r"1 phenopacket\(s\).*NOT-IN-VCF"):
        ingest(resolve_inputs(source_dir=src), data_dir=tmp_path / "node", database_url=url)
    result = ingest(resolve_inputs(source_dir=src), data_dir=tmp_path / "node",
                    database_url=url, allow_unmatched=True)
    assert result.n_individuals == 88
    assert result.dropped_vcf_samples == ["S0000", "S0001"]
    assert result.unloaded_records == ["NOT-IN-VCF"]
    cat = open_catalogue(url)
    index = VariantIndex.open(tmp_path / "node" / cat.dataset("test-fi").data_path / "index")
    assert index.n_individuals == 88
    # individual 0 of the dataset is VCF sample S0002: its genotypes moved with it
    rows = source[3]
    r = next(r for r in rows if 2 in r.carriers)
    row = index.lookup(f"{r.record_id.split(':')[0][3:]}:{r.pos}:{r.ref}:{r.alt}")
    assert set(index.carriers(row).tolist()) == {i - 2 for i in r.carriers if i >= 2}


def test_unknown_ontology_ids_listed(source: tuple, tmp_path: Path) -> None:
    src = _copy_source(source[0], tmp_path / "src")
    lines = (src / "individuals.jsonl").read_text().splitlines()
    rec = json.loads(lines[3])
    rec["phenotypicFeatures"] = [{"type": {"id": "HP:9999999", "label": "x"}}]
    lines[3] = json.dumps(rec)
    (src / "individuals.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInputError, match=r"line 4.*HP:9999999"):
        ingest(resolve_inputs(source_dir=src), data_dir=tmp_path / "node",
               database_url=f"sqlite:///{tmp_path / 'n.db'}")


def test_invalid_phenopacket_line(source: tuple, tmp_path: Path) -> None:
    src = _copy_source(source[0], tmp_path / "src")
    lines = (src / "individuals.jsonl").read_text().splitlines()
    lines[6] = lines[6][:40]
    (src / "individuals.jsonl").write_text("\n".join(lines) + "\n")
    assert main(["ingest", "--data-dir", str(tmp_path / "node"), str(src)]) == 2
    with pytest.raises(InvalidInputError, match="line 7"):
        ingest(resolve_inputs(source_dir=src), data_dir=tmp_path / "node",
               database_url=f"sqlite:///{tmp_path / 'n.db'}")


def test_malformed_vcf_line_named_and_node_untouched(source: tuple, tmp_path: Path) -> None:
    import gzip

    src = _copy_source(source[0], tmp_path / "src")
    vcf = src / "cohort.vcf.gz"
    lines = gzip.open(vcf, "rt").read().splitlines()
    body = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    fields = lines[body + 5].split("\t")
    fields[1] = "12x"
    lines[body + 5] = "\t".join(fields)
    (src / "cohort.vcf").write_text("\n".join(lines) + "\n")
    vcf.unlink()
    (src / "cohort.vcf.gz.tbi").unlink()
    desc = json.loads((src / "dataset.json").read_text())
    desc["files"]["genotypes"] = "cohort.vcf"
    (src / "dataset.json").write_text(json.dumps(desc))
    node = tmp_path / "node"
    with pytest.raises(InvalidInputError, match=rf"cohort.vcf:{body + 6}: POS '12x'"):
        ingest(resolve_inputs(source_dir=src), data_dir=node,
               database_url=f"sqlite:///{tmp_path / 'n.db'}")
    assert list((node / "tmp").iterdir()) == []
    assert not (node / "datasets").exists() or not any((node / "datasets").iterdir())


def test_dataset_id_must_match_descriptor(source: tuple, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="differs from `id`"):
        resolve_inputs(source_dir=source[0], dataset_id="other")
    desc = json.loads((source[0] / "dataset.json").read_text())
    bad = tmp_path / "dataset.json"
    bad.write_text(json.dumps({**desc, "id": "../x"}))
    with pytest.raises(InvalidInputError, match="dataset id '../x': use"):
        resolve_inputs(descriptor=bad, genotypes=source[0] / "cohort.vcf.gz",
                       metadata=source[0] / "individuals.jsonl")


def test_cli_explicit_files_and_postgres_url(source: tuple, postgres_url: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    src = source[0]
    node = tmp_path / "node"
    assert main(["ingest", "--data-dir", str(node), "--database-url", postgres_url,
                 "--dataset-id", "test-fi", "--genotypes", str(src / "cohort.vcf.gz"),
                 "--metadata", str(src / "individuals.jsonl"),
                 "--descriptor", str(src / "dataset.json")]) == 0
    assert main(["datasets", "list", "--data-dir", str(node), "--database-url",
                 postgres_url]) == 0
    assert "test-fi" in capsys.readouterr().out
    assert not (node / "node.db").exists()
