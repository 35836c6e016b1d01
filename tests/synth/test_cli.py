"""``onemg synth`` on the command line: errors, formats, determinism."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import numpy as np
import pytest

from onemg.cli import main

SMALL = ["--regions", "HBB,HFE,chr22:30000001-30050000", "--seed", "5"]


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--countries", "FI,XX"], "unknown country code 'XX'"),
        (["--countries", "FI", "--regions", "NOTAGENE"], "unknown gene 'NOTAGENE'"),
        (["--countries", "FI", "--regions", "chr7:100-50"], "out of range"),
        (["--countries", "FI", "--regions", "chr7:abc"], "malformed region"),
        (["--countries", "FI", "--regions", "chr7:1-999999999"], "out of range"),
        (["--countries", "FI", "--individuals", "0"], "between 1 and"),
        (["--countries", "FI", "--individuals", "-5"], "between 1 and"),
        (["--individuals", "FI=10,EE=-1"], "between 1 and"),
        (["--countries", "FI", "--individuals", "ten"], "neither a number"),
        (["--countries", "FI,EE", "--individuals", "FI=10"], "differ"),
        (["--countries", "FI", "--format", "cram"], "unknown format"),
        (["--countries", "FI", "--access", "record=SECRET"], "unknown access tier"),
        (["--countries", "FI", "--access", "count=CONTROLLED,record=PUBLIC"], "inconsistent"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(["synth", "--out", str(tmp_path / "out"), *args])
    assert code == 2
    assert message in capsys.readouterr().err.replace("\n", "")
    assert not (tmp_path / "out").exists()


def test_non_empty_out_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keep.txt").write_text("x")
    args = ["synth", "--out", str(tmp_path), "--countries", "FI", "-n", "20", *SMALL]
    assert main(args) == 2
    assert "not empty" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0
    assert (tmp_path / "fi" / "genotypes.vcf.gz").is_file()
    assert (tmp_path / "keep.txt").is_file()  # --force only replaces country folders


@pytest.mark.slow
def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        args = ["synth", "--out", str(tmp_path / name), "-n", "FI=30,PT=20", *SMALL]
        assert main(args) == 0
    a, b = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert len(a) == 2 * 8
    assert a == b
    args = ["synth", "--out", str(tmp_path / "c"), "-n", "FI=30,PT=20", *SMALL[:-1], "6"]
    assert main(args) == 0
    assert _digest(tmp_path / "c")["fi/genotypes.vcf.gz"] != a["fi/genotypes.vcf.gz"]


def test_bcf_output_reads_with_bcftools(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "--out", str(tmp_path), "-c", "EE", "-n", "25", "-f", "bcf", *SMALL]) == 0
    assert "synth-ee-s5" in capsys.readouterr().out
    bcf = tmp_path / "ee" / "genotypes.bcf"
    assert (tmp_path / "ee" / "genotypes.bcf.csi").is_file()
    out = subprocess.run(
        ["bcftools", "query", "-r", "chr6:26090951", "-f", "%ID\\n", str(bcf)],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    assert out in ("", "rs1799945\n")


@pytest.mark.slow
def test_zarr_output_matches_truth(tmp_path: Path) -> None:
    import zarr

    assert (
        main(["synth", "--out", str(tmp_path), "-c", "PT", "-n", "60", "-f", "zarr", *SMALL]) == 0
    )
    folder = tmp_path / "pt"
    assert not (folder / "genotypes.vcf.gz").exists()
    root = zarr.open(str(folder / "genotypes.vcz"), mode="r")
    samples = list(root["sample_id"][:])
    assert samples[0] == "PT-s5-000000"
    assert len(samples) == 60
    positions = root["variant_position"][:]
    genotypes = root["call_genotype"]
    rows = (folder / "truth" / "spiked_genotypes.tsv").read_text().splitlines()[1:]
    for pos in {int(r.split("\t")[2]) for r in rows}:
        (idx,) = np.flatnonzero(positions == pos)
        gt = genotypes[idx]
        carriers = {
            int(r.split("\t")[5]): r.split("\t")[7] for r in rows if int(r.split("\t")[2]) == pos
        }
        got = {int(i): f"{gt[i, 0]}|{gt[i, 1]}" for i in np.flatnonzero(gt.sum(axis=1))}
        assert got == carriers


def test_worker_count_does_not_change_output(tmp_path: Path) -> None:
    from onemg.synth import synthesize

    for workers in (1, 2):
        synthesize(
            tmp_path / str(workers), countries={"EE": 30}, seed=9,
            regions=["HBB", "HFE", "chr22:30000001-30020000"], workers=workers,
        )  # fmt: skip
    assert _digest(tmp_path / "1") == _digest(tmp_path / "2")
