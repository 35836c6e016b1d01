"""Data directories record what they are; commands refuse the wrong kind or a typo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from onemg.cli import main
from onemg.datadir import FORMAT_VERSION, MARKER, creating, kind_of


def test_typo_or_wrong_kind_fails_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEMG_NEW_PASSWORD", "a long enough password")
    hub = tmp_path / "hub"
    assert main(["hub", "init", "--data-dir", str(hub)]) == 0
    marker = json.loads((hub / MARKER).read_text())
    assert marker["kind"] == "hub"
    assert marker["format"] == FORMAT_VERSION
    capsys.readouterr()

    typo = tmp_path / "hbu"
    assert main(["access", "user", "create", "bob", "--data-dir", str(typo)]) == 2
    err = capsys.readouterr().err
    assert "no such directory (a typo?)" in err
    assert not typo.exists()

    # keys show on a hub without --hub: refused, and no stray node key is made
    assert main(["access", "keys", "show", "--data-dir", str(hub)]) == 2
    assert "is a hub data directory" in capsys.readouterr().err
    assert not (hub / "keys" / "node-visa-signing.pem").exists()
    assert main(["access", "keys", "show", "--hub", "--data-dir", str(hub)]) == 0
    assert json.loads(capsys.readouterr().out)["keys"]

    for argv in (["datasets", "list"], ["access", "list"], ["access", "role", "list"]):
        assert main([*argv, "--data-dir", str(hub)]) == 2, argv
        assert "is a hub data directory" in capsys.readouterr().err
    assert main(["audit", "verify", "--data-dir", str(hub)]) == 0  # either kind

    # an unrelated directory is not adopted
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"x")
    assert main(["datasets", "list", "--data-dir", str(other)]) == 2
    assert "not a onemg data directory" in capsys.readouterr().err
    assert not (other / MARKER).exists()


def test_newer_format_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    node = tmp_path / "node"
    node.mkdir()
    (node / MARKER).write_text(json.dumps({"kind": "node", "format": FORMAT_VERSION + 1}))
    assert main(["datasets", "list", "--data-dir", str(node)]) == 2
    assert "newer than this onemg understands" in capsys.readouterr().err


def test_old_directories_recognised_by_content(tmp_path: Path) -> None:
    node = tmp_path / "node"
    (node / "datasets").mkdir(parents=True)
    hub = tmp_path / "hub"
    (hub / "keys").mkdir(parents=True)
    (hub / "keys" / "hub-signing.pem").write_text("-")
    assert kind_of(node) == "node"
    assert kind_of(hub) == "hub"


def test_creating_removes_what_it_made_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "node"
    seen = []

    def failing_ingest() -> None:
        with creating(target, "node"):
            seen.append((target / MARKER).exists())
            raise RuntimeError("ingest failed")

    with pytest.raises(RuntimeError):
        failing_ingest()
    assert seen == [True]
    assert not (tmp_path / "a").exists()


def test_unmarked_database_only_directory_is_taken_as_asked(tmp_path: Path) -> None:
    # e.g. a hub whose accounts were created before its first start: only a database so far
    hub = tmp_path / "hub"
    hub.mkdir()
    (hub / "node.db").write_bytes(b"")
    with creating(hub, "hub"):
        pass
    assert kind_of(hub) == "hub"
