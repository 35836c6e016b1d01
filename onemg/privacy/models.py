"""SQL tables of the privacy capability (created by migration ``0011_privacy``).

Budget amounts are integers in micro-units (1e-6 nat or epsilon), so sums are exact on SQLite and
PostgreSQL alike and "spent exactly as specified" holds to the last unit.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from onemg.db.base import Base


class Ledger(Base):
    """What one user has spent of one budget (``risk`` or ``epsilon``) on one dataset."""

    __tablename__ = "privacy_ledger"

    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    ledger: Mapped[str] = mapped_column(String(16), primary_key=True)
    spent_micro: Mapped[int] = mapped_column(BigInteger)
    answers: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class Charge(Base):
    """One paid answer: asking the same thing again costs nothing (the answer is the same)."""

    __tablename__ = "privacy_charge"

    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    ledger: Mapped[str] = mapped_column(String(16), primary_key=True)
    answer_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    cost_micro: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[int] = mapped_column(BigInteger)


class CountSet(Base):
    """A noisy filtered count already given to a user: the people it counted, and its key.

    A later count whose people differ from one of these by fewer than k is given the same
    answer (:mod:`onemg.privacy.differencing`).
    """

    __tablename__ = "privacy_count_set"

    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: What is counted apart from the people (entry type, dataset version, variant rows).
    family: Mapped[str] = mapped_column(String(64), primary_key=True)
    answer_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The exact count the answer was drawn from.
    count: Mapped[int] = mapped_column(BigInteger)
    #: Number of people in the set (a cheap first test: |A ^ B| >= ||A| - |B||).
    size: Mapped[int] = mapped_column(BigInteger)
    #: The people, as the zlib-compressed little-endian bitset of the dataset's individuals.
    members: Mapped[bytes] = mapped_column(LargeBinary)
    at: Mapped[int] = mapped_column(BigInteger)
