"""SQL tables of the Maturity Level Model (created by migration ``0003_mlm``).

Times are epoch seconds. Ratings, consensus and roadmap rows are keyed by indicator id within an
assessment; an assessment names the model version it was made against.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onemg.db.base import Base


class ModelVersion(Base):
    """A model version known to this hub (its canonical JSON document)."""

    __tablename__ = "mlm_models"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[int] = mapped_column(BigInteger)
    in_use: Mapped[bool] = mapped_column(Boolean, default=False)


class HealthSystem(Base):
    """A country's, or a region's, health system."""

    __tablename__ = "mlm_systems"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(200), nullable=True)
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[int] = mapped_column(BigInteger)


class SystemRole(Base):
    """A person's role for one health system: coordinator or viewer."""

    __tablename__ = "mlm_system_roles"

    system_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sub: Mapped[str] = mapped_column(String(128), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class Assessment(Base):
    """One assessment round of a health system against a model version."""

    __tablename__ = "mlm_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(String(64), index=True)
    model_version: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    round: Mapped[int] = mapped_column(Integer, default=1)
    round2_indicators: Mapped[str] = mapped_column(Text, default="[]")
    rule: Mapped[str] = mapped_column(Text)
    target_level: Mapped[int] = mapped_column(Integer, default=3)
    opened_at: Mapped[int] = mapped_column(BigInteger)
    opened_by: Mapped[str] = mapped_column(String(128))
    finalised_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    snapshot: Mapped[str | None] = mapped_column(Text, nullable=True)
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    shared_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class PanelMember(Base):
    """An expert invited to rate an assessment; ``submitted_round`` is the last round submitted."""

    __tablename__ = "mlm_panel"

    assessment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sub: Mapped[str] = mapped_column(String(128), primary_key=True)
    invited_at: Mapped[int] = mapped_column(BigInteger)
    submitted_round: Mapped[int] = mapped_column(Integer, default=0)


class Rating(Base):
    """One expert's rating of one indicator in one Delphi round (level None: don't know)."""

    __tablename__ = "mlm_ratings"

    assessment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sub: Mapped[str] = mapped_column(String(128), primary_key=True)
    indicator_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[str] = mapped_column(Text, default="[]")
    updated_at: Mapped[int] = mapped_column(BigInteger)


class Evidence(Base):
    """A document an expert uploaded as evidence for a rating."""

    __tablename__ = "mlm_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[int] = mapped_column(Integer, index=True)
    sub: Mapped[str] = mapped_column(String(128))
    indicator_id: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[int] = mapped_column(BigInteger)


class Consensus(Base):
    """The panel's agreed level of one indicator, with its rationale."""

    __tablename__ = "mlm_consensus"

    assessment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    rationale: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[int] = mapped_column(BigInteger)


class RoadmapItem(Base):
    """An action on a gap: roadmap stage, owner and due date."""

    __tablename__ = "mlm_roadmap"

    assessment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    stage: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(200), default="")
    due: Mapped[str] = mapped_column(String(10), default="")
    updated_at: Mapped[int] = mapped_column(BigInteger)
