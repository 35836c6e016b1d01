"""Atomic publish, for real: `ingest` subprocesses killed with SIGKILL at several points."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from onemg.catalogue import OntologyFilter
from onemg.genomics import VariantIndex
from onemg.ingest import ingest, open_catalogue, resolve_inputs
from onemg.retrieval.archive import ArchivedFile
from tests.ingest.sources import HPO, make_source

REPO = Path(__file__).resolve().parents[2]

_CHILD = """
import sys
from pathlib import Path
from onemg.ingest import ingest, resolve_inputs

def progress(step, done, total):
    print(f"{step} {done}/{total}", flush=True)

ingest(resolve_inputs(source_dir=Path(sys.argv[1])), data_dir=Path(sys.argv[2]),
       database_url=sys.argv[3], replace=True, progress=progress)
print("finished", flush=True)
"""

# (marker line that triggers the kill, extra delay in seconds)
_KILLS = [("validate 0/1", 0.0), ("convert 0/1", 0.3), ("index 1/1", 0.0),
          ("archive 0/1", 0.05), ("archive 1/1", 0.0), ("publish 0/1", 0.0),
          ("publish 0/1", 0.02)]


def _snapshot(url: str, node: Path) -> dict:
    """What a reader of the node sees: version, counts, some query answers and the encrypted
    archive (its manifest, and the ciphertext's checksum recomputed from the files)."""
    cat = open_catalogue(url)
    info = cat.dataset("test-fi")
    index = VariantIndex.open(node / info.data_path / "index")
    archived = ArchivedFile.open(node / info.data_path)
    cipher = hashlib.sha256(archived.header_path.read_bytes() + archived.body_path.read_bytes())
    assert cipher.hexdigest() == archived.manifest.cipher_sha256
    within = cat.individual_set("test-fi", [OntologyFilter(HPO[0])])
    rows = list(range(min(index.n_variants, 40)))
    return {
        "version": info.version, "n": info.n_individuals, "variants": index.n_variants,
        "ids": [(v.internal_id, v.ac, v.an) for v in index.variants(rows)],
        "counts": [index.count_carriers(r, within) for r in rows],
        "union": index.count_carriers(rows, within),
        "archive": archived.manifest,
    }


def _kill_at(marker: str, delay: float, src: Path, node: Path, url: str) -> bool:
    """Run a child ingest, SIGKILL it once ``marker`` is printed; True if it was killed."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(src), str(node), url],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env, cwd=REPO)
    killed = False
    if proc.stdout is None:  # pragma: no cover
        raise RuntimeError("no child stdout")
    for line in proc.stdout:
        if line.strip() == marker:
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
    proc.wait(timeout=120)
    proc.stdout.close()
    return killed


@pytest.mark.slow
def test_kill_9_leaves_the_node_as_before(tmp_path: Path, db_url: str) -> None:
    src_a, _, _ = make_source(tmp_path / "a", n=60, records=80, seed=11)
    src_b, _, _ = make_source(tmp_path / "b", n=60, records=120, seed=12)
    node = tmp_path / "node"
    ingest(resolve_inputs(source_dir=src_a), data_dir=node, database_url=db_url)
    before = _snapshot(db_url, node)
    published_b = None
    # PostgreSQL gets fewer kill points: the file side is identical, only the SQL differs.
    kills = _KILLS if db_url.startswith("sqlite") else [_KILLS[0], _KILLS[3], _KILLS[-1]]
    for marker, delay in kills:
        assert _kill_at(marker, delay, src_b, node, db_url), marker
        now = _snapshot(db_url, node)
        if now["version"] == before["version"]:
            assert now == before, marker
        else:
            # Killed after the pointer switch (a small dataset's archive and publish steps can
            # finish before a delayed SIGKILL lands): the new version must be whole and served.
            assert marker.split()[0] in ("archive", "publish"), marker
            assert now["variants"] > before["variants"]
            published_b = now
    # The next ingest cleans every leftover and publishes.
    result = ingest(resolve_inputs(source_dir=src_b), data_dir=node, database_url=db_url,
                    replace=True)
    after = _snapshot(db_url, node)
    assert after["version"] == result.version
    if published_b is not None:
        # Same data; the ciphertext differs (Crypt4GH draws a fresh session key per encryption).
        def same(snapshot: dict) -> dict:
            plain = snapshot["archive"].plain_sha256, snapshot["archive"].plain_size
            return {**{k: v for k, v in snapshot.items() if k not in ("version", "archive")},
                    "plain": plain}

        assert same(after) == same(published_b)
    assert [p.name for p in (node / "datasets" / "test-fi").iterdir()] == [result.version]
    assert list((node / "tmp").iterdir()) == []
    assert open_catalogue(db_url).stale_versions() == []
