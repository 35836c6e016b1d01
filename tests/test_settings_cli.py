from pathlib import Path

import pytest

from onemg.cli import main
from onemg.errors import InvalidInputError
from onemg.settings import load_settings


def test_settings_defaults_file_and_environment(tmp_path: Path) -> None:
    s = load_settings(tmp_path, environ={})
    assert s.db_url == f"sqlite:///{(tmp_path / 'node.db').resolve()}"
    assert s.beacon.k_anonymity == 5
    (tmp_path / "onemg.toml").write_text(
        'country = "FI"\n[beacon]\nk_anonymity = 10\n'
        '[access]\ntrusted_issuers = [{iss = "https://hub/", jku = "https://hub/jwks"}]\n'
    )
    s = load_settings(tmp_path, environ={"ONEMG_DATABASE_URL": "postgresql://x/y"})
    assert s.country == "FI"
    assert s.beacon.k_anonymity == 10
    assert s.access.trusted_issuers[0].jku == "https://hub/jwks"
    assert s.db_url == "postgresql://x/y"


def test_unknown_setting_is_named(tmp_path: Path) -> None:
    (tmp_path / "onemg.toml").write_text("[beacon]\nk_anon = 3\n")
    with pytest.raises(InvalidInputError, match=r"\[beacon\].*k_anon"):
        load_settings(tmp_path, environ={})


def test_cli_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "onemg" in capsys.readouterr().out
    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == "0.1.0"
    assert main(["no-such-command"]) == 2
