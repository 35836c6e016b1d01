"""Hub config files: members, policy, broker, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from onemg.errors import InvalidInputError
from onemg.network.config import load_hub_config, parse_hub_config

GOOD = """
data_dir = "state"
[beacon]
beacon_id = "eu.onemg.hub"
[network]
deadline_s = 3.0
[access]
public_url = "http://127.0.0.1:8100/"
[[members]]
id = "fi"
base_url = "http://127.0.0.1:8101/api/"
country = "fi"
[[members]]
id = "ee"
base_url = "http://127.0.0.1:8102/api"
country = "EE"
timeout_s = 9.0
enabled = false
"""


def test_load_hub_config(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(GOOD)
    settings, network = load_hub_config(path)
    assert settings.beacon.beacon_id == "eu.onemg.hub"
    assert settings.data_dir == tmp_path / "state"
    assert network.broker is True
    assert [m.id for m in network.enabled_members] == ["fi"]
    fi, ee = network.members
    assert fi.country == "FI"
    assert fi.api_url == "http://127.0.0.1:8101/api"
    assert fi.passport_audience == "http://127.0.0.1:8101/"
    assert network.timeout_for(ee) == 3.0  # never beyond the deadline


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"members": [{"id": "a", "base_url": "ftp://x", "country": "FI"}]}, "must be an http"),
        ({"members": [{"id": "a", "base_url": "http://x", "country": "Finland"}]}, "two-letter"),
        (
            {"members": [{"id": "a", "base_url": "http://x", "country": "FI", "colour": 1}]},
            "unknown key",
        ),
        ({"members": [{"id": "a", "base_url": "http://x", "country": "FI"}] * 2}, "more than once"),
        ({"network": {"deadline_s": 0}}, "positive"),
        ({"hub": {}}, "unknown section"),
        ({"access": {"trusted_issuers": []}}, "trusts no visa issuers"),
    ],
)
def test_bad_configs_say_what_is_wrong(raw: dict, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_hub_config(raw)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"):
        load_hub_config(tmp_path / "nope.toml")
