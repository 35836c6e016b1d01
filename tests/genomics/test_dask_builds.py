"""Dask builds (a real LocalCluster) against the single-process builds, and killed workers.

Ground truth: ``bio2zarr.tskit.convert`` in one process for the VCF Zarr store, and
:func:`build_index` in this process for the Beacon index; the Dask builds must be the same bytes.
Killing: a watcher thread SIGKILLs every Dask worker process the moment the build is under way
(a partition or chunk folder appears), as a crashed or OOM-killed machine would.
"""

from __future__ import annotations

import filecmp
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import msprime
import numpy as np
import psutil
import pytest

from onemg.compute import ComputeFailedError
from onemg.errors import ConflictError, InvalidInputError
from onemg.genomics import VariantIndex, build_index, build_vcz_from_trees, write_sample_strata
from onemg.settings import ComputeSettings

pytestmark = pytest.mark.slow

TWO = ComputeSettings(workers=2, memory_limit="1GiB")


@pytest.fixture(scope="module")
def ts():  # noqa: ANN201 - tskit.TreeSequence
    """300 diploids x 300 kb with multi-allelic sites (high mutation rate, JC69 back-mutations)."""
    anc = msprime.sim_ancestry(
        300, sequence_length=3e5, recombination_rate=1e-8, population_size=1e4, random_seed=5
    )
    out = msprime.sim_mutations(anc, rate=5e-8, random_seed=6)
    assert out.num_sites > 1000
    assert max(len(s.mutations) for s in out.sites()) > 1  # multi-allelic sites exist
    return out


def _ids(ts) -> list[str]:  # noqa: ANN001
    return [f"S{i:04d}" for i in range(ts.num_individuals)]


def _differences(a: Path, b: Path) -> list[str]:
    """Relative paths whose bytes differ or that exist on one side only."""
    out: list[str] = []

    def walk(c: filecmp.dircmp, prefix: str) -> None:
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        out.extend(prefix + x for x in c.left_only + c.right_only + mismatch + errors)
        for name, sub in c.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(a, b), "")
    return out


def _files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def reference_vcz(ts, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: ANN001
    """bio2zarr's own single-process conversion, with strata for the index tests."""
    import bio2zarr.tskit as b2t

    path = tmp_path_factory.mktemp("ref") / "ref.vcz"
    mapping = ts.map_to_vcf_model(
        individual_names=_ids(ts),
        contig_id="chr7",
        position_transform=lambda p: np.asarray(p, dtype=np.int64) + 117_000_000,
    )
    b2t.convert(ts, str(path), model_mapping=mapping, variants_chunk_size=64, worker_processes=0)
    return path


def _workers() -> list[psutil.Process]:
    """The Dask worker processes of this test's LocalCluster (spawned children)."""
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if any("spawn_main" in part for part in child.cmdline()):
                out.append(child)
        except psutil.NoSuchProcess:
            continue
    return out


class _Killer:
    """Kills every Dask worker once ``started()`` is true (checked every millisecond)."""

    def __init__(self, started: Callable[[], bool]) -> None:
        self.started = started
        self.killed: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.started():
                for proc in _workers():
                    try:
                        os.kill(proc.pid, signal.SIGKILL)
                        self.killed.append(proc.pid)
                    except ProcessLookupError:
                        pass
                if self.killed:
                    return
            time.sleep(0.001)

    def __enter__(self) -> _Killer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def killer() -> Callable[[Callable[[], bool]], _Killer]:
    return _Killer


# === VCF Zarr from the tree sequence =============================================================
def test_vcz_in_process_equals_bio2zarr(ts, reference_vcz: Path, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "one.vcz"
    s = build_vcz_from_trees(
        ts,
        out,
        sample_ids=_ids(ts),
        contig_id="chr7",
        position_offset=117_000_000,
        variants_chunk_size=64,
    )
    assert s.n_variants == ts.num_sites
    assert s.n_samples == 300
    assert s.n_partitions == 1
    assert _differences(reference_vcz, out) == []
    assert [p.name for p in tmp_path.iterdir()] == ["one.vcz"]  # no scratch left behind


def test_vcz_on_dask_equals_single_process(ts, reference_vcz: Path, tmp_path: Path) -> None:  # noqa: ANN001
    trees = tmp_path / "in.trees"
    ts.dump(trees)
    done: list[tuple[int, int]] = []
    s = build_vcz_from_trees(
        trees,
        tmp_path / "dask.vcz",
        sample_ids=_ids(ts),
        contig_id="chr7",
        position_offset=117_000_000,
        variants_chunk_size=64,
        compute=TWO,
        progress=lambda d, t: done.append((d, t)),
    )
    assert s.n_partitions == 8  # 4 per worker: a different split from the reference's one
    assert done[-1] == (8, 8)
    assert _differences(reference_vcz, tmp_path / "dask.vcz") == []


def test_vcz_killed_workers_publish_nothing(ts, tmp_path: Path, killer) -> None:  # noqa: ANN001
    out = tmp_path / "out" / "g.vcz"
    parent = out.parent

    def started() -> bool:
        return any(parent.glob(".g.vcz.partial-*/store.vcz/wip/partitions/*"))

    never_retry = ComputeSettings(workers=2, memory_limit="1GiB", allowed_failures=0)
    with killer(started) as k, pytest.raises(ComputeFailedError, match="Nothing was published"):
        build_vcz_from_trees(
            ts,
            out,
            sample_ids=_ids(ts),
            contig_id="chr7",
            position_offset=1,
            variants_chunk_size=16,
            compute=never_retry,
        )
    assert k.killed
    assert list(parent.iterdir()) == []  # neither the store nor its scratch folder


def test_vcz_refuses_bad_arguments(ts, tmp_path: Path) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInputError, match="299 sample ids for 300 individuals"):
        build_vcz_from_trees(ts, tmp_path / "a.vcz", sample_ids=_ids(ts)[:-1], contig_id="1")
    (tmp_path / "b.vcz").mkdir()
    with pytest.raises(ConflictError, match="already exists"):
        build_vcz_from_trees(ts, tmp_path / "b.vcz", sample_ids=_ids(ts), contig_id="1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.vcz"]


# === Beacon index from the VCF Zarr ==============================================================
@pytest.fixture(scope="module")
def strata_vcz(reference_vcz: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    path = tmp_path_factory.mktemp("strata") / "g.vcz"
    shutil.copytree(reference_vcz, path)
    rng = np.random.default_rng(1)
    write_sample_strata(
        path,
        sex=rng.choice(["female", "male", "unknown"], 300).tolist(),
        country=rng.choice(["FI", "EE"], 300).tolist(),
    )
    return path


@pytest.fixture(scope="module")
def single_index(strata_vcz: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("single") / "index"
    build_index(strata_vcz, out)
    return out


def test_index_on_dask_equals_single_process(
    strata_vcz: Path, single_index: Path, tmp_path: Path
) -> None:
    ticks: list[int] = []
    s = build_index(
        strata_vcz, tmp_path / "index", compute=TWO, progress=lambda d, t: ticks.append(d)
    )
    assert ticks == list(range(1, len(ticks) + 1))
    assert len(ticks) > 10
    assert _differences(single_index, tmp_path / "index") == []
    assert s.n_variants == VariantIndex.open(single_index).n_variants
    assert _files(tmp_path / "index") == _files(single_index)


def test_index_worker_killed_mid_build_is_retried(
    strata_vcz: Path, single_index: Path, tmp_path: Path, killer
) -> None:  # noqa: ANN001
    out = tmp_path / "index"

    def started() -> bool:
        return any(tmp_path.glob(".index.partial-*/index/parts/*"))

    with killer(started) as k:
        build_index(strata_vcz, out, compute=TWO)  # allowed_failures=3: Dask re-runs the tasks
    assert k.killed
    assert _differences(single_index, out) == []


def test_index_killed_workers_without_retries_publish_nothing(
    strata_vcz: Path, tmp_path: Path, killer
) -> None:  # noqa: ANN001
    def started() -> bool:
        return any(tmp_path.glob(".index.partial-*/index/parts/*"))

    never_retry = ComputeSettings(workers=2, memory_limit="1GiB", allowed_failures=0)
    with killer(started) as k, pytest.raises(ComputeFailedError, match="KilledWorker"):
        build_index(strata_vcz, tmp_path / "index", compute=never_retry)
    assert k.killed
    assert list(tmp_path.iterdir()) == []
