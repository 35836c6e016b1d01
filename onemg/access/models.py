"""SQL tables of the access capability (created by migration ``0002_access``).

Times are epoch seconds (integers) so SQLite and PostgreSQL store and compare them the same way.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onemg.db.base import Base


class Account(Base):
    """A local hub account (the demo login; production delegates identity to LS AAI)."""

    __tablename__ = "access_accounts"

    sub: Mapped[str] = mapped_column(String(128), primary_key=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    affiliation: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    researcher_status_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    researcher_status_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    terms_accepted_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    #: Where the hub's mails to this person go (migration 0006); only the hub's mail uses it.
    email: Mapped[str | None] = mapped_column(String(320), nullable=True, index=True)
    email_verified_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Role(Base):
    """A DAC role held by a (pseudonymous) subject on this node."""

    __tablename__ = "access_roles"

    subject: Mapped[str] = mapped_column(String(128), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class Event(Base):
    """One application event; an application's state is the fold of its events."""

    __tablename__ = "access_events"
    __table_args__ = (UniqueConstraint("application_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[str] = mapped_column(Text)


class Entitlement(Base):
    """A subject's right to a dataset from ``start`` to ``end``, made by an approval."""

    __tablename__ = "access_entitlements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(128), index=True)
    dataset_id: Mapped[str] = mapped_column(String(255), index=True)
    start: Mapped[int] = mapped_column(BigInteger)
    end: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)


class AuditEntry(Base):
    """One hash-chained audit entry; ``seq`` is dense from 1 so a removed entry shows."""

    __tablename__ = "access_audit"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    user: Mapped[str | None] = mapped_column(String(128), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(255))
    result: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(String(255), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LoginThrottle(Base):
    """Failed logins per key (an account digest or a client address), shared by all workers."""

    __tablename__ = "access_login_throttle"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure: Mapped[int] = mapped_column(BigInteger)
    locked_until: Mapped[int] = mapped_column(BigInteger)


class SiteRole(Base):
    """A hub site role (stakeholder, WP leader, coordinator, editor) held by an account."""

    __tablename__ = "hub_site_roles"

    sub: Mapped[str] = mapped_column(String(128), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    granted_at: Mapped[int] = mapped_column(BigInteger)
