"""The ``[privacy]`` settings section, its environment override, and the descriptor's
per-dataset and per-tier overrides."""

from __future__ import annotations

import dataclasses

import pytest

from onemg.errors import InvalidInputError
from onemg.ingest.descriptor import PrivacyKnobs, validate_descriptor
from onemg.privacy.policy import effective
from onemg.settings import PrivacySettings, settings_from_mapping


def test_default_is_the_protected_profile() -> None:
    s = PrivacySettings()
    assert s.profile == "budget+perturb"
    assert s.budgets
    assert s.perturb
    assert s.floor
    assert PrivacySettings(profile="none").floor is False


def test_loader_reads_the_section_and_the_profile_variable(tmp_path) -> None:
    raw = {"privacy": {"profile": "budget", "budget": 2.0, "public_min_af": 0.05}}
    s = settings_from_mapping(raw, data_dir=tmp_path, environ={})
    assert (s.privacy.profile, s.privacy.budget, s.privacy.public_min_af) == ("budget", 2.0, 0.05)
    env = {"ONEMG_PRIVACY_PROFILE": "none"}
    assert settings_from_mapping(raw, data_dir=tmp_path, environ=env).privacy.profile == "none"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"profile": "strict"}, "profile 'strict' is not one of"),
        ({"budget": 0}, "budget must be a positive number"),
        ({"rare_af": 1.5}, r"rare_af must be an allele frequency in \[0, 1\]"),
        ({"budjet": 1}, r"unknown setting\(s\) \['budjet'\]"),
    ],
)
def test_bad_privacy_settings_say_what_and_where(tmp_path, raw, message) -> None:
    with pytest.raises(InvalidInputError, match=message):
        settings_from_mapping({"privacy": raw}, data_dir=tmp_path, source="node.toml", environ={})


def test_descriptor_knobs_match_the_settings() -> None:
    knobs = set(PrivacyKnobs.model_fields)
    assert knobs == {f.name for f in dataclasses.fields(PrivacySettings)}


def test_descriptor_override_per_dataset_and_tier() -> None:
    raw = {
        "id": "ds",
        "country": "FI",
        "privacy": {"budget": 3.0, "tiers": {"PUBLIC": {"public_min_af": 0.2}}},
    }
    privacy = validate_descriptor(raw, "dataset.json")["privacy"]
    base = PrivacySettings()
    public = effective(base, privacy, "PUBLIC")
    registered = effective(base, privacy, "REGISTERED")
    assert (public.budget, public.public_min_af) == (3.0, 0.2)
    assert (registered.budget, registered.public_min_af) == (3.0, base.public_min_af)
    assert effective(base, None, "PUBLIC") is base


@pytest.mark.parametrize(
    ("privacy", "message"),
    [
        ({"profile": "loose"}, "`privacy.profile`: 'loose' is not one of none, k-floor"),
        ({"tiers": {"PUBLICK": {}}}, "privacy.tiers.PUBLICK"),
        ({"rare_epsilon": -1}, "`privacy.rare_epsilon`"),
        ({"buget": 1}, "`privacy.buget`: unknown key"),
    ],
)
def test_bad_descriptor_privacy_names_the_field(privacy, message) -> None:
    with pytest.raises(InvalidInputError, match=message):
        validate_descriptor({"id": "ds", "country": "FI", "privacy": privacy}, "dataset.json")


def test_demo_nodes_run_the_default_protected_profile(tmp_path) -> None:
    from onemg.demo.demo import DemoPlan, write_node_settings
    from onemg.settings import load_settings

    plan = DemoPlan(root=tmp_path)
    write_node_settings(plan, "FI")
    settings = load_settings(plan.node_dir("FI"), environ={})
    assert settings.privacy == PrivacySettings()
    assert settings.privacy.profile == "budget+perturb"
