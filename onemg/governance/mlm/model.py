"""The Maturity Level Model as data: domains -> subdomains -> indicators -> five levels.

A model version is a JSON document (the bundled ones live in ``data/``). :func:`parse_model`
validates it once, where it enters, and returns frozen value objects the rest of the MLM trusts.
A version may name its ``previous`` version and a ``mapping`` {new indicator id: previous id},
so that results of assessments made against either version can be compared.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

from onemg.errors import InvalidInputError

LEVELS = (1, 2, 3, 4, 5)
#: The model shipped with onemg and loaded when a hub has none.
BUNDLED_VERSIONS = ("2022.1",)


@dataclass(frozen=True)
class Level:
    """One maturity level of an indicator and what it looks like."""

    level: int
    descriptor: str


@dataclass(frozen=True)
class Indicator:
    """A measurable statement scored on five levels."""

    id: str
    statement: str
    levels: tuple[Level, ...]
    domain_id: str
    subdomain_id: str

    def descriptor(self, level: int) -> str:
        """The descriptor of ``level`` (1-5)."""
        return self.levels[level - 1].descriptor


@dataclass(frozen=True)
class Subdomain:
    """A group of indicators within a domain."""

    id: str
    name: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Domain:
    """One of the model's domains."""

    id: str
    name: str
    subdomains: tuple[Subdomain, ...]

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """The domain's indicators in model order."""
        return tuple(i for s in self.subdomains for i in s.indicators)


@dataclass(frozen=True)
class Model:
    """One immutable version of the Maturity Level Model."""

    version: str
    title: str
    notice: str
    level_labels: tuple[str, ...]
    glossary: tuple[tuple[str, str], ...]
    domains: tuple[Domain, ...]
    previous: str | None
    mapping: tuple[tuple[str, str], ...]
    document: str  # canonical JSON the version was parsed from

    @cached_property
    def indicators(self) -> tuple[Indicator, ...]:
        """All indicators in model order."""
        return tuple(i for d in self.domains for i in d.indicators)

    @cached_property
    def by_id(self) -> dict[str, Indicator]:
        """Indicators by id."""
        return {i.id: i for i in self.indicators}

    def domain(self, domain_id: str) -> Domain:
        """The domain ``domain_id``."""
        for d in self.domains:
            if d.id == domain_id:
                return d
        raise InvalidInputError(f"model {self.version} has no domain {domain_id!r}")

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical document: two versions with one name must match it."""
        return hashlib.sha256(self.document.encode()).hexdigest()

    def as_json(self) -> dict[str, Any]:
        """The model as a JSON document (the format :func:`parse_model` reads)."""
        return json.loads(self.document)


def _req(obj: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise InvalidInputError(f"{where}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise InvalidInputError(f"{where}.{key}: expected a non-empty {kind.__name__}")
    return value


def _indicator(raw: Any, where: str, domain_id: str, sub_id: str) -> Indicator:
    ind_id = _req(raw, "id", str, where)
    levels = _req(raw, "levels", list, where)
    if [lv.get("level") if isinstance(lv, dict) else None for lv in levels] != list(LEVELS):
        raise InvalidInputError(
            f"{where} ({ind_id}): levels must be exactly 1, 2, 3, 4, 5 in order"
        )
    return Indicator(
        id=ind_id,
        statement=_req(raw, "statement", str, where),
        levels=tuple(
            Level(lv["level"], _req(lv, "descriptor", str, f"{where}.levels[{n}]"))
            for n, lv in enumerate(levels)
        ),
        domain_id=domain_id,
        subdomain_id=sub_id,
    )


def parse_model(raw: Any, *, where: str = "model") -> Model:
    """Validate a model document and build the :class:`Model`.

    Raises:
        InvalidInputError: naming the field (e.g. ``model.domains[2].subdomains[0]``) at fault.
    """
    version = _req(raw, "version", str, where)
    labels = _req(raw, "levels", list, where)
    if [lv.get("level") if isinstance(lv, dict) else None for lv in labels] != list(LEVELS):
        raise InvalidInputError(f"{where}.levels: give labels for levels 1 to 5 in order")
    domains = []
    for d_n, d_raw in enumerate(_req(raw, "domains", list, where)):
        dw = f"{where}.domains[{d_n}]"
        d_id = _req(d_raw, "id", str, dw)
        subs = []
        for s_n, s_raw in enumerate(_req(d_raw, "subdomains", list, dw)):
            sw = f"{dw}.subdomains[{s_n}]"
            s_id = _req(s_raw, "id", str, sw)
            inds = tuple(
                _indicator(i_raw, f"{sw}.indicators[{i_n}]", d_id, s_id)
                for i_n, i_raw in enumerate(_req(s_raw, "indicators", list, sw))
            )
            if not inds:
                raise InvalidInputError(f"{sw}: a subdomain needs at least one indicator")
            subs.append(Subdomain(s_id, _req(s_raw, "name", str, sw), inds))
        domains.append(Domain(d_id, _req(d_raw, "name", str, dw), tuple(subs)))
    ids = [i.id for d in domains for i in d.indicators]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InvalidInputError(f"{where}: indicator ids must be unique; repeated: {dupes}")
    glossary = tuple(
        (_req(g, "term", str, f"{where}.glossary"), _req(g, "definition", str, f"{where}.glossary"))
        for g in raw.get("glossary", [])
    )
    mapping = raw.get("mapping") or {}
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise InvalidInputError(f"{where}.mapping: expected {{new indicator id: previous id}}")
    unknown = sorted(set(mapping) - set(ids))
    if unknown:
        raise InvalidInputError(
            f"{where}.mapping: unknown indicator id(s) {unknown} in this version"
        )
    previous = raw.get("previous")
    if mapping and not previous:
        raise InvalidInputError(f"{where}: a mapping needs 'previous' (the version it maps to)")
    return Model(
        version=version,
        title=_req(raw, "title", str, where),
        notice=str(raw.get("notice", "")),
        level_labels=tuple(lv["label"] for lv in labels),
        glossary=glossary,
        domains=tuple(domains),
        previous=previous,
        mapping=tuple(sorted(mapping.items())),
        document=json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
    )


def load_model_text(text: str, *, where: str) -> Model:
    """Parse a model from JSON text (``where`` names the source in errors)."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    return parse_model(raw, where=where)


def bundled_model(version: str = BUNDLED_VERSIONS[-1]) -> Model:
    """A model version shipped in the package."""
    if version not in BUNDLED_VERSIONS:
        raise InvalidInputError(f"no bundled model {version!r}; bundled: {list(BUNDLED_VERSIONS)}")
    name = f"mlm-{version}.json"
    text = resources.files("onemg.governance.mlm").joinpath("data", name).read_text("utf-8")
    return load_model_text(text, where=name)


def comparable(current: Model, previous: Model) -> dict[str, str]:
    """{indicator id in ``current``: id in ``previous``} for indicators comparable over time.

    Same version: identity. ``current`` naming ``previous`` with a mapping: the mapping, plus
    unmapped ids present in both. Otherwise: the ids the two versions share.
    """
    shared = {i: i for i in current.by_id if i in previous.by_id}
    if current.version == previous.version:
        return shared
    if current.previous == previous.version:
        mapped = dict(current.mapping)
        return {
            **{k: v for k, v in shared.items() if k not in mapped},
            **{k: v for k, v in mapped.items() if v in previous.by_id},
        }
    return shared
