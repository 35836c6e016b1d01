"""SQL persistence of the Maturity Level Model (the only MLM module that imports SQLAlchemy).

Every method returns frozen records; the service owns the rules (who may do what, when).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy import exc as sa_exc

from onemg.db import make_sessionmaker
from onemg.errors import ConflictError, NotFoundError
from onemg.governance.mlm import tables as t


@dataclass(frozen=True)
class SystemRecord:
    """A health system."""

    id: str
    name: str
    country: str
    region: str | None
    fictional: bool
    created_at: int


@dataclass(frozen=True)
class AssessmentRecord:
    """An assessment round as stored."""

    id: int
    system_id: str
    model_version: str
    title: str
    status: str
    round: int
    round2_indicators: tuple[str, ...]
    rule: dict[str, Any]
    target_level: int
    opened_at: int
    opened_by: str
    finalised_at: int | None
    snapshot: str | None
    snapshot_sha256: str | None
    shared_at: int | None


@dataclass(frozen=True)
class PanelRecord:
    """A panel member."""

    assessment_id: int
    sub: str
    invited_at: int
    submitted_round: int


@dataclass(frozen=True)
class RatingRecord:
    """One rating (``level`` None: don't know)."""

    assessment_id: int
    sub: str
    indicator_id: str
    round: int
    level: int | None
    comment: str
    links: tuple[str, ...]
    updated_at: int


@dataclass(frozen=True)
class EvidenceRecord:
    """An uploaded evidence document (``data`` only when asked for)."""

    id: int
    assessment_id: int
    sub: str
    indicator_id: str
    filename: str
    content_type: str
    sha256: str
    uploaded_at: int
    data: bytes | None = None


@dataclass(frozen=True)
class ConsensusRecord:
    """The agreed level of one indicator."""

    assessment_id: int
    indicator_id: str
    level: int
    rationale: str
    recorded_by: str
    recorded_at: int


@dataclass(frozen=True)
class RoadmapRecord:
    """A roadmap item on a gap."""

    assessment_id: int
    indicator_id: str
    stage: str
    owner: str
    due: str
    updated_at: int


def _rec(cls: type, row: Any, **override: Any) -> Any:
    values = {
        f.name: getattr(row, f.name)
        for f in fields(cls)
        if f.name not in override and hasattr(row, f.name)
    }
    return cls(**values, **override)


def _assessment(row: t.Assessment) -> AssessmentRecord:
    return _rec(
        AssessmentRecord,
        row,
        rule=json.loads(row.rule),
        round2_indicators=tuple(json.loads(row.round2_indicators)),
    )


def _rating(row: t.Rating) -> RatingRecord:
    return _rec(RatingRecord, row, links=tuple(json.loads(row.links)))


class MlmStore:
    """Model versions, health systems, assessments, ratings, consensus and roadmap items."""

    def __init__(self, engine: Engine) -> None:
        self._session = make_sessionmaker(engine)

    # --- model versions -------------------------------------------------------------------
    def model_document(self, version: str) -> tuple[str, str, bool] | None:
        """(document, digest, in_use) of ``version``, if stored."""
        with self._session() as s:
            row = s.get(t.ModelVersion, version)
            return (row.document, row.digest, row.in_use) if row else None

    def model_versions(self) -> list[tuple[str, bool, int]]:
        """(version, in_use, imported_at) of every stored version."""
        with self._session() as s:
            rows = s.scalars(select(t.ModelVersion).order_by(t.ModelVersion.imported_at))
            return [(r.version, r.in_use, r.imported_at) for r in rows]

    def put_model(self, version: str, document: str, digest: str, at: int) -> None:
        """Insert or replace a model version (the service refuses to replace one in use)."""
        with self._session.begin() as s:
            row = s.get(t.ModelVersion, version)
            if row is None:
                s.add(
                    t.ModelVersion(
                        version=version,
                        document=document,
                        digest=digest,
                        imported_at=at,
                        in_use=False,
                    )
                )
            else:
                row.document, row.digest, row.imported_at = document, digest, at

    def mark_model_in_use(self, version: str) -> None:
        """Freeze ``version``: an assessment uses it."""
        with self._session.begin() as s:
            s.execute(
                update(t.ModelVersion).where(t.ModelVersion.version == version).values(in_use=True)
            )

    # --- health systems and roles ---------------------------------------------------------
    def add_system(self, record: SystemRecord) -> None:
        """Insert a health system; ConflictError when the id is taken."""
        try:
            with self._session.begin() as s:
                s.add(t.HealthSystem(**record.__dict__))
        except sa_exc.IntegrityError as exc:
            raise ConflictError(f"health system {record.id!r} already exists") from exc

    def system(self, system_id: str) -> SystemRecord:
        """The health system ``system_id``."""
        with self._session() as s:
            row = s.get(t.HealthSystem, system_id)
            if row is None:
                raise NotFoundError(
                    f"no health system {system_id!r}; list them with 'onemg mlm system list'"
                )
            return _rec(SystemRecord, row)

    def systems(self) -> list[SystemRecord]:
        """Every health system by name."""
        with self._session() as s:
            return [
                _rec(SystemRecord, r)
                for r in s.scalars(select(t.HealthSystem).order_by(t.HealthSystem.name))
            ]

    def grant(self, system_id: str, sub: str, role: str) -> None:
        """Give ``sub`` ``role`` for ``system_id`` (idempotent)."""
        with self._session.begin() as s:
            if s.get(t.SystemRole, (system_id, sub, role)) is None:
                s.add(t.SystemRole(system_id=system_id, sub=sub, role=role))

    def roles(self, sub: str) -> dict[str, frozenset[str]]:
        """{system id: roles} held by ``sub``."""
        out: dict[str, set[str]] = {}
        with self._session() as s:
            for r in s.scalars(select(t.SystemRole).where(t.SystemRole.sub == sub)):
                out.setdefault(r.system_id, set()).add(r.role)
        return {k: frozenset(v) for k, v in out.items()}

    # --- assessments ----------------------------------------------------------------------
    def add_assessment(self, **values: Any) -> int:
        """Insert an assessment; return its id."""
        values["rule"] = json.dumps(values["rule"])
        values["round2_indicators"] = "[]"
        with self._session.begin() as s:
            row = t.Assessment(**values)
            s.add(row)
            s.flush()
            return row.id

    def assessment(self, assessment_id: int) -> AssessmentRecord:
        """The assessment ``assessment_id``."""
        with self._session() as s:
            row = s.get(t.Assessment, assessment_id)
            if row is None:
                raise NotFoundError(f"no assessment {assessment_id}")
            return _assessment(row)

    def assessments(self, *, system_id: str | None = None) -> list[AssessmentRecord]:
        """Assessments, oldest first (optionally of one system)."""
        q = select(t.Assessment).order_by(t.Assessment.opened_at, t.Assessment.id)
        if system_id is not None:
            q = q.where(t.Assessment.system_id == system_id)
        with self._session() as s:
            return [_assessment(r) for r in s.scalars(q)]

    def update_assessment(
        self, assessment_id: int, *, expect_status: str | None = None, **values: Any
    ) -> None:
        """Set columns; with ``expect_status`` only while the status still is that (no races)."""
        if "round2_indicators" in values:
            values["round2_indicators"] = json.dumps(list(values["round2_indicators"]))
        q = update(t.Assessment).where(t.Assessment.id == assessment_id)
        if expect_status is not None:
            q = q.where(t.Assessment.status == expect_status)
        with self._session.begin() as s:
            if s.execute(q.values(**values)).rowcount == 0:
                raise ConflictError(f"assessment {assessment_id} changed meanwhile; reload it")

    # --- panel and ratings ----------------------------------------------------------------
    def add_panel_member(self, assessment_id: int, sub: str, at: int) -> None:
        """Invite ``sub``; ConflictError when already on the panel."""
        try:
            with self._session.begin() as s:
                s.add(
                    t.PanelMember(
                        assessment_id=assessment_id, sub=sub, invited_at=at, submitted_round=0
                    )
                )
        except sa_exc.IntegrityError as exc:
            raise ConflictError("this person is already on the panel") from exc

    def panel(self, assessment_id: int) -> list[PanelRecord]:
        """The panel, in invitation order."""
        with self._session() as s:
            q = select(t.PanelMember).where(t.PanelMember.assessment_id == assessment_id)
            return [_rec(PanelRecord, r) for r in s.scalars(q.order_by(t.PanelMember.invited_at))]

    def set_submitted(self, assessment_id: int, sub: str, round_: int) -> None:
        """Record that ``sub`` submitted ``round_``."""
        with self._session.begin() as s:
            s.execute(
                update(t.PanelMember)
                .where(t.PanelMember.assessment_id == assessment_id, t.PanelMember.sub == sub)
                .values(submitted_round=round_)
            )

    def put_ratings(self, records: list[RatingRecord]) -> None:
        """Insert or replace ratings, all in one transaction."""
        with self._session.begin() as s:
            for record in records:
                s.execute(
                    delete(t.Rating).where(
                        t.Rating.assessment_id == record.assessment_id,
                        t.Rating.sub == record.sub,
                        t.Rating.indicator_id == record.indicator_id,
                        t.Rating.round == record.round,
                    )
                )
            s.flush()
            s.add_all(
                t.Rating(**{**r.__dict__, "links": json.dumps(list(r.links))}) for r in records
            )

    def ratings(
        self, assessment_id: int, *, sub: str | None = None, round_: int | None = None
    ) -> list[RatingRecord]:
        """Ratings of an assessment (optionally one expert's, one round's)."""
        q = select(t.Rating).where(t.Rating.assessment_id == assessment_id)
        if sub is not None:
            q = q.where(t.Rating.sub == sub)
        if round_ is not None:
            q = q.where(t.Rating.round == round_)
        with self._session() as s:
            return [_rating(r) for r in s.scalars(q)]

    def add_evidence(self, **values: Any) -> int:
        """Store an uploaded document; return its id."""
        with self._session.begin() as s:
            row = t.Evidence(**values)
            s.add(row)
            s.flush()
            return row.id

    def evidence(self, assessment_id: int, *, sub: str | None = None) -> list[EvidenceRecord]:
        """Evidence documents of an assessment (without their bytes)."""
        q = select(t.Evidence).where(t.Evidence.assessment_id == assessment_id)
        if sub is not None:
            q = q.where(t.Evidence.sub == sub)
        with self._session() as s:
            return [
                _rec(EvidenceRecord, r, data=None) for r in s.scalars(q.order_by(t.Evidence.id))
            ]

    def evidence_file(self, evidence_id: int) -> EvidenceRecord:
        """One evidence document with its bytes."""
        with self._session() as s:
            row = s.get(t.Evidence, evidence_id)
            if row is None:
                raise NotFoundError(f"no evidence document {evidence_id}")
            return _rec(EvidenceRecord, row)

    # --- consensus and roadmap ------------------------------------------------------------
    def put_consensus(self, records: list[ConsensusRecord]) -> None:
        """Insert or replace consensus levels, all in one transaction."""
        with self._session.begin() as s:
            for record in records:
                s.execute(
                    delete(t.Consensus).where(
                        t.Consensus.assessment_id == record.assessment_id,
                        t.Consensus.indicator_id == record.indicator_id,
                    )
                )
            s.flush()
            s.add_all(t.Consensus(**r.__dict__) for r in records)

    def consensus(self, assessment_id: int) -> list[ConsensusRecord]:
        """Consensus levels recorded for an assessment."""
        with self._session() as s:
            q = select(t.Consensus).where(t.Consensus.assessment_id == assessment_id)
            return [_rec(ConsensusRecord, r) for r in s.scalars(q)]

    def put_roadmap(self, record: RoadmapRecord) -> None:
        """Insert or replace a roadmap item."""
        with self._session.begin() as s:
            s.execute(
                delete(t.RoadmapItem).where(
                    t.RoadmapItem.assessment_id == record.assessment_id,
                    t.RoadmapItem.indicator_id == record.indicator_id,
                )
            )
            s.add(t.RoadmapItem(**record.__dict__))

    def roadmap(self, assessment_id: int) -> list[RoadmapRecord]:
        """Roadmap items of an assessment."""
        with self._session() as s:
            q = select(t.RoadmapItem).where(t.RoadmapItem.assessment_id == assessment_id)
            return [_rec(RoadmapRecord, r) for r in s.scalars(q)]
