"""SQL tables of the portal (migrations ``0005_portal`` and ``0007_portal_notify``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from onemg.db.base import Base


class BasketItem(Base):
    """One dataset in a researcher's basket (kept across sessions until they apply)."""

    __tablename__ = "portal_basket"

    sub: Mapped[str] = mapped_column(String(128), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    added_at: Mapped[int] = mapped_column(BigInteger)


class ApplicationWatch(Base):
    """The last state the hub saw of an application sent through it (for notifications)."""

    __tablename__ = "portal_application_watch"

    sub: Mapped[str] = mapped_column(String(128), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(32))
    seen_at: Mapped[int] = mapped_column(BigInteger)
