"""The hub's member registry configuration, read once from a TOML file.

A hub config file looks like this (every ``[network]`` key is optional)::

    data_dir = "hub-data"         # accounts, audit log, signing key (relative to this file)
    database_url = "postgresql://onemg@db/hub"   # optional; default SQLite hub-data/node.db
                                  # (ONEMG_DATABASE_URL overrides it, as for a node)

    [beacon]                      # how the hub presents itself (onemg.settings.BeaconSettings)
    beacon_id = "eu.onemg.hub"
    name = "1+MG Beacon Network"

    [network]
    member_timeout_s = 2.0        # per member, per request
    deadline_s = 4.0              # the whole fan-out; the hub answers by then
    failure_threshold = 3         # consecutive failures that open a member's circuit
    cooldown_s = 15.0             # open circuit -> one half-open trial after this long
    refresh_interval_s = 300.0    # how often cached /info, /map, ... are refreshed
    broker = true                 # login + passport broker (default: true iff [access] exists)

    [catalogue]                   # DCAT-AP (docs/catalogue.md); the hub uses harvest_interval_s
    harvest_interval_s = 3600.0

    [access]                      # the hub as passport broker (issuer = public_url)
    public_url = "http://127.0.0.1:8100/"

    [[members]]
    id = "fi"
    base_url = "http://127.0.0.1:8101/api"
    country = "FI"
    beacon_id = "eu.onemg.node.fi"   # optional: answers naming another beaconId are rejected
    timeout_s = 2.0                   # optional per-member override
    audience = "http://127.0.0.1:8101/"  # optional: passport audience (default: base URL origin)
    enabled = true
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from onemg.errors import InvalidInputError
from onemg.settings import Settings, read_toml, settings_from_mapping


@dataclass(frozen=True)
class MemberConfig:
    """One national node the hub federates, and how far the hub trusts it."""

    id: str
    base_url: str
    country: str
    #: The beaconId the member must answer with; ``None`` learns it from the member's /info.
    beacon_id: str | None = None
    #: Per-request timeout for this member; ``None`` uses the network default.
    timeout_s: float | None = None
    #: Audience of member-scoped passports; default is the origin of ``base_url`` plus "/".
    audience: str | None = None
    verify_tls: bool = True
    enabled: bool = True

    @property
    def api_url(self) -> str:
        """``base_url`` without a trailing slash; entry paths are appended to it."""
        return self.base_url.rstrip("/")

    @property
    def passport_audience(self) -> str:
        """The ``aud`` a credential minted for this member must carry."""
        if self.audience:
            return self.audience
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}/"


@dataclass(frozen=True)
class NetworkConfig:
    """The member list and the fan-out policy of a hub."""

    members: tuple[MemberConfig, ...] = ()
    member_timeout_s: float = 2.0
    deadline_s: float = 4.0
    failure_threshold: int = 3
    cooldown_s: float = 15.0
    refresh_interval_s: float = 300.0
    #: Serve login + the passport broker and send members member-scoped passports
    #: (default: on when the config has an ``[access]`` section).
    broker: bool = False

    def __post_init__(self) -> None:
        ids = [m.id for m in self.members]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise InvalidInputError(
                f"network config: member id(s) {duplicates} appear more than once; "
                "give every [[members]] entry a unique id"
            )
        if self.deadline_s <= 0 or self.member_timeout_s <= 0:
            raise InvalidInputError(
                "network config: deadline_s and member_timeout_s must be positive seconds"
            )
        if self.failure_threshold < 1:
            raise InvalidInputError("network config: failure_threshold must be at least 1")

    def timeout_for(self, member: MemberConfig) -> float:
        """The effective per-request timeout of ``member`` (never beyond the deadline)."""
        return min(member.timeout_s or self.member_timeout_s, self.deadline_s)

    @property
    def enabled_members(self) -> tuple[MemberConfig, ...]:
        """Members the hub queries."""
        return tuple(m for m in self.members if m.enabled)


def _build(cls: type, values: Mapping[str, Any], where: str) -> Any:
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(values) - known
    if unknown:
        raise InvalidInputError(
            f"{where}: unknown key(s) {sorted(unknown)}; known ones are {sorted(known)}"
        )
    try:
        return cls(**values)
    except TypeError as exc:
        raise InvalidInputError(f"{where}: {exc}; see docs/network.md for the format") from exc


def _member(values: Mapping[str, Any], index: int, path: Path | str) -> MemberConfig:
    where = f"{path} [[members]] #{index + 1}"
    member = _build(MemberConfig, values, where)
    scheme = urlsplit(member.base_url).scheme
    if scheme not in ("http", "https"):
        raise InvalidInputError(
            f"{where}: base_url {member.base_url!r} must be an http(s) URL such as "
            "'http://127.0.0.1:8101/api'"
        )
    if not member.country or len(member.country) != 2 or not member.country.isalpha():
        raise InvalidInputError(
            f"{where}: country {member.country!r} must be a two-letter ISO 3166 code like 'FI'"
        )
    return dataclasses.replace(member, country=member.country.upper())


def parse_hub_config(
    raw: Mapping[str, Any],
    *,
    source: Path | str = "<hub config>",
    environ: Mapping[str, str] | None = None,
) -> tuple[Settings, NetworkConfig]:
    """Build the hub's :class:`Settings` and :class:`NetworkConfig` from parsed TOML.

    The settings part (``data_dir``, ``database_url``, ``[beacon]``, ``[access]``,
    ``[catalogue]``, ``[mail]``) goes through
    the node's loader (:func:`onemg.settings.settings_from_mapping`), environment included.
    """
    raw = dict(raw)
    known = {"beacon", "network", "members", "access", "catalogue", "mail", "data_dir",
             "database_url"}
    unknown = set(raw) - known
    if unknown:
        raise InvalidInputError(
            f"{source}: unknown section(s) {sorted(unknown)}; a hub config has data_dir, "
            "database_url, [beacon], [access], [catalogue], [mail], [network] and [[members]]"
        )
    if "trusted_issuers" in raw.get("access", {}):
        raise InvalidInputError(f"{source} [access]: a hub trusts no visa issuers itself")
    members = tuple(_member(m, i, source) for i, m in enumerate(raw.get("members", [])))
    network_raw = {"broker": "access" in raw, **raw.get("network", {}), "members": members}
    network = _build(NetworkConfig, network_raw, f"{source} [network]")
    # A relative data_dir (the hub's accounts, audit log and signing key) is relative to the
    # config file, so the hub finds its data whatever directory it is started from.
    base = Path(source).parent if isinstance(source, Path) else Path(".")
    data_dir = base / Path(raw.get("data_dir", "hub-data"))
    own = {k: raw[k] for k in ("beacon", "access", "catalogue", "mail", "database_url")
           if k in raw}
    settings = settings_from_mapping(own, data_dir=data_dir, source=source, environ=environ)
    return settings, network


def load_hub_config(
    path: Path | str, *, environ: Mapping[str, str] | None = None
) -> tuple[Settings, NetworkConfig]:
    """Read a hub TOML file (see the module docstring for its format)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"hub config {path} does not exist; pass --config hub.toml")
    return parse_hub_config(read_toml(path), source=path, environ=environ)
