"""Configuration: one typed object built at the entry points and passed down.

Values come from, in increasing priority: the defaults below, ``<data_dir>/onemg.toml`` (or the
file named by ``--config`` / ``ONEMG_CONFIG``), then environment variables ``ONEMG_<FIELD>`` for
top-level fields (e.g. ``ONEMG_DATABASE_URL``). Nothing is read at import time.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onemg.errors import InvalidInputError


@dataclass(frozen=True)
class BeaconSettings:
    """How the node presents itself over Beacon v2 and how it protects small counts."""

    beacon_id: str = "eu.onemg.node"
    name: str = "onemg national node"
    organization_id: str = "onemg"
    organization_name: str = "onemg national node operator"
    environment: str = "dev"
    #: Counts below this are never reported exactly at boolean/count granularity.
    k_anonymity: int = 5
    #: Largest page a record request may ask for.
    max_page_size: int = 1000


#: Visa types a trusted issuer may assert unless its entry lists others (what a hub asserts).
#: ControlledAccessGrants for a node's datasets come only from the node's own committee.
DEFAULT_VISA_TYPES: tuple[str, ...] = ("ResearcherStatus", "AcceptedTermsAndPolicies",
                                       "AffiliationAndRole")


@dataclass(frozen=True)
class TrustedIssuer:
    """An (iss, jku) pair this node accepts passports from, and the visa types it may assert."""

    iss: str
    jku: str
    visa_types: tuple[str, ...] = DEFAULT_VISA_TYPES

    def __post_init__(self) -> None:
        # TOML gives a list; a bare string would silently become its characters.
        if isinstance(self.visa_types, str) or not all(
                isinstance(v, str) and v for v in self.visa_types):
            raise InvalidInputError(
                f"trusted issuer {self.iss}: visa_types must be a list of visa type names, "
                f"e.g. {list(DEFAULT_VISA_TYPES)}")
        object.__setattr__(self, "visa_types", tuple(self.visa_types))


@dataclass(frozen=True)
class AccessSettings:
    """Controlled-access settings: trusted issuers, visa issuing and the DAC workflow."""

    trusted_issuers: tuple[TrustedIssuer, ...] = ()
    #: The audience a passport must name to be accepted by this node (its public base URL).
    audience: str | None = None
    #: Seconds of clock skew tolerated on exp/iat/nbf.
    leeway_s: int = 30
    #: Days between committee approval and the entitlement taking effect.
    veto_window_days: int = 0
    #: Base URL the node's visa issuer and DAC run under.
    public_url: str = "http://127.0.0.1:8101/"


@dataclass(frozen=True)
class RetrievalSettings:
    """The encrypted archive and htsget (see docs/retrieval.md)."""

    #: Passphrase of the archive's Crypt4GH private key (else ``ONEMG_ARCHIVE_PASSPHRASE``).
    archive_passphrase: str | None = None
    #: Seconds a signed htsget block URL stays valid.
    block_url_ttl_s: int = 300
    #: Most regions one htsget request may name (more: PayloadTooLarge).
    max_regions: int = 100


@dataclass(frozen=True)
class CatalogueSettings:
    """How the node describes its datasets in DCAT-AP (``/api/catalogue``; docs/catalogue.md).

    A dataset descriptor's own ``publisher``, ``contact``, ``keywords``, ``healthCategory`` and
    ``legalBasis`` fields win over these node-wide defaults.
    """

    #: The publishing organisation (default: ``[beacon] organization_name``).
    publisher_name: str | None = None
    publisher_url: str | None = None
    #: Where people ask about the datasets (a vCard contact point).
    contact_name: str = "Data access committee"
    contact_email: str = "dac@example.org"
    #: The draft HealthDCAT-AP health category (human genomic data, as the GDI nodes use).
    health_category: str = (
        "http://13.81.34.152:1101/resource/authority/healthcategories/HGPD")
    #: DPV legal basis: GDPR Art. 9(2)(j), scientific research.
    legal_basis: str = "https://w3id.org/dpv/legal/eu/gdpr#A9-2-j"
    #: The hub: seconds between harvests of every member's catalogue.
    harvest_interval_s: float = 3600.0


#: The privacy profiles of ``[privacy] profile`` (docs/privacy.md): configurations (a)-(e).
PRIVACY_PROFILES: tuple[str, ...] = ("none", "k-floor", "budget", "perturb", "budget+perturb")


@dataclass(frozen=True)
class PrivacySettings:
    """Defences against re-identification below the record tier (docs/privacy.md).

    ``profile`` selects the mechanisms: ``none`` (exact answers, no floor: a baseline for
    measurements only), ``k-floor`` (counts below ``[beacon] k_anonymity`` suppressed),
    ``budget`` (k-floor plus per-user risk budgets), ``perturb`` (noisy rare-allele answers and
    noisy filtered counts) and ``budget+perturb`` (both; the default). A dataset descriptor's
    ``privacy`` object overrides any of these knobs for that dataset, and per tier.
    """

    profile: str = "budget+perturb"
    #: Risk budget per user and dataset, in nats of membership evidence (ln 5: whatever the
    #: attack, its power is at most 5 x its false-positive rate).
    budget: float = 1.6094
    #: Answers resting on alleles rarer than this (allele frequency in the dataset) are "rare".
    rare_af: float = 0.01
    #: Privacy loss (epsilon) of one perturbed rare-allele answer; charged to ``budget``.
    rare_epsilon: float = 0.2
    #: Epsilon of one noisy filtered (cohort) count, charged to ``count_budget``.
    count_epsilon: float = 1.0
    #: Epsilon budget per user and dataset for filtered counts.
    count_budget: float = 50.0
    #: Anonymous callers get variant answers only for alleles at least this frequent (0: off).
    public_min_af: float = 0.01

    def __post_init__(self) -> None:
        if self.profile not in PRIVACY_PROFILES:
            raise InvalidInputError(
                f"[privacy] profile {self.profile!r} is not one of {list(PRIVACY_PROFILES)}")
        for name in ("budget", "rare_epsilon", "count_epsilon", "count_budget"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise InvalidInputError(f"[privacy] {name} must be a positive number, "
                                        f"got {value!r}")
        for name in ("rare_af", "public_min_af"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not 0 <= value <= 1:
                raise InvalidInputError(f"[privacy] {name} must be an allele frequency in "
                                        f"[0, 1], got {value!r}")

    @property
    def budgets(self) -> bool:
        """Whether risk budgets are kept."""
        return self.profile in ("budget", "budget+perturb")

    @property
    def perturb(self) -> bool:
        """Whether rare-allele answers and filtered counts are perturbed."""
        return self.profile in ("perturb", "budget+perturb")

    @property
    def floor(self) -> bool:
        """Whether the k floor applies (every profile but ``none``)."""
        return self.profile != "none"


@dataclass(frozen=True)
class MailSettings:
    """Outgoing e-mail of the hub (notifications, newsletter, confirmations; docs/mail.md).

    Without ``smtp_host`` mail goes to ``<data_dir>/outbox/*.eml`` instead of a server. The SMTP
    password is read from ``ONEMG_SMTP_PASSWORD`` only, never from a file, so it is not copied
    around with the settings.
    """

    smtp_host: str | None = None
    smtp_port: int = 587
    starttls: bool = True
    username: str | None = None
    sender: str = "1+MG hub <noreply@localhost>"
    #: The hub's public base URL, used in links inside mails.
    public_url: str = "http://127.0.0.1:8100/"
    timeout_s: float = 10.0
    #: Seconds between the hub's checks for application state changes to notify (0: never).
    notify_interval_s: float = 60.0


@dataclass(frozen=True)
class ComputeSettings:
    """Where batch genotype work runs: VCF Zarr and index builds (Dask; docs/scale.md).

    With ``scheduler_address`` the work goes to that running Dask scheduler (a multi-machine
    cluster whose workers see the same file system). Otherwise ``workers > 0`` starts a Dask
    ``LocalCluster`` of that many worker processes for the duration of the job, and
    ``workers = 0`` runs the same task functions one after another in this process.
    """

    #: A running Dask scheduler, e.g. ``tcp://10.0.0.5:8786`` (``workers`` is then ignored).
    scheduler_address: str | None = None
    #: Local Dask worker processes when no scheduler is given; 0 = this process, no Dask.
    workers: int = 0
    #: Threads per local worker (the kernels are CPU-bound: one per core is the norm).
    threads_per_worker: int = 1
    #: Memory limit per local worker, in Dask's syntax ("4GiB", "auto", "0" for none).
    memory_limit: str = "4GiB"
    #: How often a task may be lost with its worker before the job fails (Dask's
    #: ``distributed.scheduler.allowed-failures``; local clusters only).
    allowed_failures: int = 3
    #: Seconds to wait for ``scheduler_address`` to answer.
    connect_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if self.workers < 0 or self.threads_per_worker < 1 or self.allowed_failures < 0:
            raise InvalidInputError(
                "[compute]: workers and allowed_failures must be >= 0 and threads_per_worker "
                f">= 1 (got {self.workers}, {self.allowed_failures}, "
                f"{self.threads_per_worker}); fix onemg.toml")


@dataclass(frozen=True)
class Settings:
    """Everything a node, the hub or a CLI command needs to know."""

    data_dir: Path = Path("node-data")
    #: SQLAlchemy URL; default is a SQLite file in ``data_dir``.
    database_url: str | None = None
    country: str | None = None
    beacon: BeaconSettings = field(default_factory=BeaconSettings)
    access: AccessSettings = field(default_factory=AccessSettings)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    catalogue: CatalogueSettings = field(default_factory=CatalogueSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    compute: ComputeSettings = field(default_factory=ComputeSettings)

    @property
    def db_url(self) -> str:
        """The effective database URL."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'node.db').resolve()}"

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)


def _section(cls: type, values: Mapping[str, Any], where: str) -> Any:
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(values) - known
    if unknown:
        raise InvalidInputError(
            f"{where}: unknown setting(s) {sorted(unknown)}; known ones are {sorted(known)}"
        )
    kwargs = dict(values)
    if cls is AccessSettings and "trusted_issuers" in kwargs:
        kwargs["trusted_issuers"] = tuple(
            TrustedIssuer(**item) for item in kwargs["trusted_issuers"]
        )
    return cls(**kwargs)


def settings_from_mapping(
    raw: Mapping[str, Any],
    *,
    data_dir: Path | str,
    source: Path | str = "<settings>",
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build :class:`Settings` from parsed TOML (``raw``), the environment and overrides.

    The one loader of the node, the hub and the CLI: ``[beacon]``, ``[access]``, ``[retrieval]``,
    ``[catalogue]``, ``[mail]``, ``[privacy]``, ``[compute]`` and top-level fields from ``raw``;
    then ``ONEMG_<FIELD>`` environment variables for top-level fields (``ONEMG_DATABASE_URL``)
    and ``ONEMG_PRIVACY_PROFILE`` for ``[privacy] profile`` (to run one node in each
    configuration of a measurement); then ``overrides`` that are not ``None``.
    """
    env = os.environ if environ is None else environ
    raw = dict(raw)
    beacon = _section(BeaconSettings, raw.pop("beacon", {}), f"{source} [beacon]")
    access = _section(AccessSettings, raw.pop("access", {}), f"{source} [access]")
    retrieval = _section(RetrievalSettings, raw.pop("retrieval", {}), f"{source} [retrieval]")
    catalogue = _section(CatalogueSettings, raw.pop("catalogue", {}), f"{source} [catalogue]")
    mail = _section(MailSettings, raw.pop("mail", {}), f"{source} [mail]")
    privacy_raw = dict(raw.pop("privacy", {}))
    if env.get("ONEMG_PRIVACY_PROFILE"):
        privacy_raw["profile"] = env["ONEMG_PRIVACY_PROFILE"]
    privacy = _section(PrivacySettings, privacy_raw, f"{source} [privacy]")
    compute = _section(ComputeSettings, raw.pop("compute", {}), f"{source} [compute]")
    top = {f.name for f in dataclasses.fields(Settings)} - {"beacon", "access", "retrieval",
                                                           "catalogue", "mail", "privacy",
                                                           "compute",
                                                           "data_dir"}
    unknown = set(raw) - top
    if unknown:
        raise InvalidInputError(
            f"{source}: unknown setting(s) {sorted(unknown)}; known ones are {sorted(top)}"
        )
    for name in top:
        value = env.get(f"ONEMG_{name.upper()}")
        if value:
            raw[name] = value
    raw.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(data_dir=Path(data_dir), beacon=beacon, access=access, retrieval=retrieval,
                    catalogue=catalogue, mail=mail, privacy=privacy, compute=compute, **raw)


def load_settings(
    data_dir: Path | str,
    *,
    config_file: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build :class:`Settings` for ``data_dir`` from the config file, environment and overrides."""
    env = os.environ if environ is None else environ
    data_dir = Path(data_dir)
    path = Path(config_file or env.get("ONEMG_CONFIG") or data_dir / "onemg.toml")
    raw: dict[str, Any] = {}
    if path.exists():
        raw = read_toml(path)
    return settings_from_mapping(raw, data_dir=data_dir, source=path, environ=env, **overrides)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML settings file; a syntax error names the file and asks for a fix."""
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"{path}: not valid TOML ({exc}); fix the file") from exc
