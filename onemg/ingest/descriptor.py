"""The dataset descriptor (``dataset.json``): its schema, checked once when an ingest reads it.

A typo in a descriptor used to be stored as given: ``"access": {"count": "PUBLICK"}`` made the
dataset's count and record tiers unreachable for everyone, and a missing ``country`` showed as a
blank in every answer. Every field is now checked against :class:`DatasetDescriptor`, and the
error names the field (``access.count``), what was found and what is allowed. Unknown keys are
refused too: a misspelt optional key (``"acess"``) would otherwise silently fall back to defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from onemg.errors import InvalidInputError
from onemg.genomics.assembly import GRCH38_NAMES, LIFTOVER_HINT, is_grch38_name

Tier = Literal["PUBLIC", "REGISTERED", "CONTROLLED"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccessTiers(_Strict):
    """The tier each Beacon granularity needs (docs/beacon.md, "Access levels")."""

    boolean: Tier = "PUBLIC"
    count: Tier = "PUBLIC"
    record: Tier = "CONTROLLED"
    #: Tier needed for negated/range filters below record level (default: the record tier).
    differencing: Tier | None = None

    @field_validator("boolean", "count", "record", "differencing", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        # "public" and "PUBLIC" are the same tier; "PUBLICK" is not.
        return value.upper() if isinstance(value, str) else value


Profile = Literal["none", "k-floor", "budget", "perturb", "budget+perturb"]


class PrivacyKnobs(_Strict):
    """Overrides of ``[privacy]`` settings (``onemg.settings.PrivacySettings``; docs/privacy.md)."""

    profile: Profile | None = None
    budget: float | None = Field(default=None, gt=0)
    rare_af: float | None = Field(default=None, ge=0, le=1)
    rare_epsilon: float | None = Field(default=None, gt=0)
    count_epsilon: float | None = Field(default=None, gt=0)
    count_budget: float | None = Field(default=None, gt=0)
    public_min_af: float | None = Field(default=None, ge=0, le=1)


class PrivacyOverride(PrivacyKnobs):
    """A dataset's privacy settings: knobs for every caller, then per tier the caller holds.

    Example: ``{"profile": "budget+perturb", "tiers": {"PUBLIC": {"public_min_af": 0.05}}}``.
    """

    tiers: dict[Tier, PrivacyKnobs] | None = None


class DataFiles(_Strict):
    """Files of a synth-style country folder, relative to ``dataset.json``.

    A dataset is either ``genotypes`` (VCF/BCF/VCF Zarr; ingest converts and indexes them) or
    a ready Beacon ``index`` with its ``samples`` (ids in index order), as ``onemg synth
    --format index`` writes; ``trees`` names the tree sequences that index came from.
    """

    genotypes: str | None = None
    metadata: str | None = None
    index: str | None = None
    samples: str | None = None
    trees: str | None = None


class Publisher(_Strict):
    """Who publishes the dataset in the DCAT-AP catalogue (default: the node's publisher)."""

    name: str = Field(min_length=1)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")


class Contact(_Strict):
    """Whom to ask about the dataset (a vCard contact point in the catalogue)."""

    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", description="e.g. dac@example.org")
    name: str | None = None


class DatasetDescriptor(_Strict):
    """What ``dataset.json`` may hold. Only ``country`` is required (besides a dataset id)."""

    id: str | None = None
    title: str = ""
    description: str = ""
    country: str = Field(
        pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code of the node's country, e.g. FI"
    )
    synthetic: bool = False
    createDateTime: str | None = None  # noqa: N815 - Beacon field names
    updateDateTime: str | None = None  # noqa: N815
    version: str | None = None
    assemblyId: str = "GRCh38"  # noqa: N815
    counts: dict[str, int] | None = None
    dataUseConditions: dict[str, Any] | None = None  # noqa: N815
    access: AccessTiers = AccessTiers()
    #: Privacy defences of this dataset (overrides ``[privacy]`` settings; docs/privacy.md).
    privacy: PrivacyOverride | None = None
    files: DataFiles | None = None
    #: The dense genotypes behind the dataset; ``none``: a Beacon index only (nothing for
    #: htsget to retrieve).
    genotypeStore: Literal["vcf", "bcf", "vcz", "none"] | None = None  # noqa: N815
    # DCAT-AP catalogue fields (docs/catalogue.md); unset ones come from [catalogue] settings.
    keywords: list[Annotated[str, Field(min_length=1)]] | None = None
    publisher: Publisher | None = None
    contact: Contact | None = None
    healthCategory: str | None = Field(default=None, pattern=r"^https?://\S+$")  # noqa: N815
    legalBasis: str | None = Field(default=None, pattern=r"^https?://\S+$")  # noqa: N815

    @field_validator("assemblyId")
    @classmethod
    def _grch38(cls, value: str) -> str:
        if not is_grch38_name(value):
            raise ValueError(
                f"this node serves GRCh38 only ({', '.join(GRCH38_NAMES)}); "
                f"{LIFTOVER_HINT}, and set assemblyId to GRCh38"
            )
        return value


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error["loc"]) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        known = ", ".join(DatasetDescriptor.model_fields) if len(error["loc"]) == 1 else None
        hint = f"; known keys: {known}" if known else ""
        return f"`{where}`: unknown key (a typo?){hint}"
    if kind == "missing":
        field = DatasetDescriptor.model_fields.get(str(error["loc"][0]))
        what = f" ({field.description})" if field is not None and field.description else ""
        return f"`{where}`: required but missing{what}"
    if kind == "literal_error" and "profile" in error["loc"]:
        return (f"`{where}`: {error['input']!r} is not one of none, k-floor, budget, perturb, "
                "budget+perturb")
    if kind == "literal_error":
        return f"`{where}`: {error['input']!r} is not one of PUBLIC, REGISTERED, CONTROLLED"
    msg = str(error["msg"]).removeprefix("Value error, ")
    return f"`{where}`: {msg} (found {error['input']!r})"


def validate_descriptor(raw: dict[str, Any], path: Path | str) -> dict[str, Any]:
    """Check ``raw`` against :class:`DatasetDescriptor`; return it with tiers normalised.

    The returned dict keeps the descriptor as written (stored as ``descriptor.json``) except
    that ``access`` is completed with its defaults and upper-cased.

    Raises:
        InvalidInputError: every problem, each naming its field, in one message.
    """
    try:
        model = DatasetDescriptor.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise InvalidInputError(f"{path}: {problems}") from None
    return {**raw, "access": model.access.model_dump(exclude_none=True)}
