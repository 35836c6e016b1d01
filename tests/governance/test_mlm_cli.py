"""``onemg mlm``: model import/export, assessment export, health systems, demo."""

from __future__ import annotations

import json
from pathlib import Path

from pypdf import PdfReader

from onemg.cli import main


def test_model_export_then_import_a_new_version_with_mapping(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    data = tmp_path / "hub"
    out = tmp_path / "model.json"
    assert main(["mlm", "model", "export", "--data-dir", str(data), "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["version"] == "2022.1"
    assert len(doc["domains"]) == 8
    doc["version"], doc["previous"], doc["mapping"] = "2027.1", "2022.1", {"01": "01"}
    out.write_text(json.dumps(doc))
    assert main(["mlm", "model", "import", str(out), "--data-dir", str(data)]) == 0
    assert "model 2027.1: 8 domains, 33 subdomains, 49 indicators" in capsys.readouterr().out
    doc["domains"][0]["subdomains"][0]["indicators"][0]["levels"].pop()
    out.write_text(json.dumps(doc))
    assert main(["mlm", "model", "import", str(out), "--data-dir", str(data)]) == 2
    err = capsys.readouterr().err
    assert "levels must be exactly 1, 2, 3, 4, 5" in err
    assert "model.json" in err
    assert (
        main(["mlm", "model", "import", str(tmp_path / "nope.json"), "--data-dir", str(data)]) == 2
    )


def test_assessment_export_from_the_demo(demo_copy: Path, tmp_path: Path) -> None:
    for fmt in ("json", "csv", "pdf"):
        out = tmp_path / f"a.{fmt}"
        assert (
            main(
                [
                    "mlm",
                    "assessment",
                    "export",
                    "2",
                    "--data-dir",
                    str(demo_copy),
                    "--format",
                    fmt,
                    "-o",
                    str(out),
                ]
            )
            == 0
        )
    assert json.loads((tmp_path / "a.json").read_text())["assessment"]["id"] == 2
    assert len((tmp_path / "a.csv").read_text().splitlines()) == 50
    text = PdfReader(tmp_path / "a.pdf").pages[0].extract_text()
    assert "fictional health system" in text
    assert (
        main(
            [
                "mlm",
                "assessment",
                "export",
                "99",
                "--data-dir",
                str(demo_copy),
                "--format",
                "json",
                "-o",
                str(tmp_path / "x.json"),
            ]
        )
        == 2
    )


def test_system_commands_and_help(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    data = str(tmp_path / "hub")
    assert (
        main(
            [
                "mlm",
                "system",
                "create",
                "pt",
                "--name",
                "Portugal",
                "--country",
                "PT",
                "--data-dir",
                data,
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "mlm",
                "system",
                "create",
                "pt",
                "--name",
                "Again",
                "--country",
                "PT",
                "--data-dir",
                data,
            ]
        )
        == 2
    )
    assert main(["mlm", "system", "grant", "pt", "nobody", "--data-dir", data]) == 2
    assert "no account 'nobody'" in capsys.readouterr().err
    assert main(["mlm", "system", "list", "--data-dir", data]) == 0
    assert "Portugal" in capsys.readouterr().out
    assert main(["mlm", "--help"]) == 0
    assert "demo" in capsys.readouterr().out
