"""The model as data: structure, counts, validation, versions and mappings."""

from __future__ import annotations

import copy
import json

import pytest

from onemg.errors import ConflictError, InvalidInputError
from onemg.governance.mlm.model import bundled_model, comparable, parse_model
from onemg.governance.mlm.service import CLI

#: Per domain: (subdomains, indicators), from the published B1MG MLM.
COUNTS = {
    "I": (3, 3),
    "II": (3, 5),
    "III": (5, 11),
    "IV": (3, 3),
    "V": (3, 7),
    "VI": (5, 5),
    "VII": (6, 6),
    "VIII": (5, 9),
}


def test_bundled_model_has_the_published_structure() -> None:
    model = bundled_model()
    assert [d.id for d in model.domains] == list(COUNTS)
    for d in model.domains:
        assert (len(d.subdomains), len(d.indicators)) == COUNTS[d.id], d.id
    assert sum(len(d.subdomains) for d in model.domains) == 33
    assert len(model.indicators) == 49
    assert len(model.by_id) == 49
    for ind in model.indicators:
        assert [lv.level for lv in ind.levels] == [1, 2, 3, 4, 5]
        descriptors = [lv.descriptor for lv in ind.levels]
        assert len(set(descriptors)) == 5, f"indicator {ind.id} repeats a descriptor"
    assert len(model.level_labels) == 5
    assert len(model.glossary) >= 10


def test_every_glossary_term_is_used_somewhere() -> None:
    model = bundled_model()
    text = " ".join(
        [i.statement for i in model.indicators]
        + [lv.descriptor for i in model.indicators for lv in i.levels]
    ).lower()
    for term, _ in model.glossary:
        assert term.lower() in text, term


def _doc() -> dict:
    return bundled_model().as_json()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["domains"][1]["subdomains"][0]["indicators"][0]["levels"].pop(),
            r"domains\[1\]\.subdomains\[0\]\.indicators\[0\].*levels must be exactly 1, 2, 3, 4, 5",
        ),
        (
            lambda d: d["domains"][0]["subdomains"][0].pop("name"),
            r"domains\[0\]\.subdomains\[0\]: missing field 'name'",
        ),
        (
            lambda d: d["domains"][2]["subdomains"][0]["indicators"][0].update(id="01"),
            r"indicator ids must be unique; repeated: \['01'\]",
        ),
        (lambda d: d.update(mapping={"99": "01"}, previous="2022.1"), r"unknown indicator id"),
        (lambda d: d.update(mapping={"01": "01"}), r"needs 'previous'"),
    ],
)
def test_malformed_models_say_where(mutate, message) -> None:  # noqa: ANN001
    doc = copy.deepcopy(_doc())
    mutate(doc)
    with pytest.raises(InvalidInputError, match=message):
        parse_model(doc)


def test_mapping_to_previous_version() -> None:
    old = bundled_model()
    doc = _doc()
    doc["version"], doc["previous"] = "2027.1", old.version
    # Version 2027.1 renumbers indicator 03 as 50 (same meaning) and drops nothing else.
    doc["domains"][0]["subdomains"][2]["indicators"][0]["id"] = "50"
    doc["mapping"] = {"50": "03"}
    new = parse_model(doc)
    pairs = comparable(new, old)
    assert pairs["50"] == "03"
    assert pairs["01"] == "01"
    assert "03" not in pairs
    assert len(pairs) == 49


def test_a_model_version_in_use_is_immutable(hub) -> None:  # noqa: ANN001
    service = hub.service
    coord = hub.user("coord")
    service.create_system(CLI, system_id="xa", name="Test system", country="XA")
    service.grant(CLI, "xa", "coord", "coordinator")
    changed = _doc()
    changed["domains"][0]["subdomains"][0]["indicators"][0]["statement"] = "Reworded"
    text = json.dumps(changed)
    # Not used yet: may be replaced.
    assert service.import_model(CLI, text, where="v.json").by_id["01"].statement == "Reworded"
    service.open_assessment(coord, system_id="xa", title="first")
    original = json.dumps(_doc())
    with pytest.raises(ConflictError, match="used by an assessment and cannot change"):
        service.import_model(CLI, original, where="v.json")
    # Importing the identical document again is harmless.
    service.import_model(CLI, text, where="v.json")
    assert service.model("2022.1").by_id["01"].statement == "Reworded"
    assert ("2022.1", True) in service.model_versions()
