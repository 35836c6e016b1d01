"""SQL tables of the Stakeholder Coordination Portal (migration ``0010_stakeholders``).

Times are epoch seconds (UTC). A member row is keyed by the hub account's pseudonymous subject;
deleting a member deletes the row and everything they wrote (no "deleted" flags). List-valued
fields (groups, expertise, roles) are JSON arrays in text columns, portable across SQLite and
PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onemg.db.base import Base


class Member(Base):
    """A registered stakeholder (pending, approved or declined)."""

    __tablename__ = "stk_members"

    sub: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    groups: Mapped[str] = mapped_column(Text)
    expertise: Mapped[str] = mapped_column(Text)
    roles: Mapped[str] = mapped_column(Text)
    directory_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    named_in_reports: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    decided_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Draft(Base):
    """A draft document under review (its text lives in versions)."""

    __tablename__ = "stk_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    wp: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[int] = mapped_column(BigInteger)


class DraftVersion(Base):
    """One version of a draft's text (Markdown; a PDF's extracted text)."""

    __tablename__ = "stk_draft_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(
        ForeignKey("stk_drafts.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(128))


class Round(Base):
    """An early-review or validation round on one version of a draft."""

    __tablename__ = "stk_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(
        ForeignKey("stk_drafts.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("stk_draft_versions.id"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    groups: Mapped[str] = mapped_column(Text)
    comments_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[int] = mapped_column(BigInteger)
    opened_by: Mapped[str] = mapped_column(String(128))
    closed_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reminded_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Comment(Base):
    """A reviewer's comment on one paragraph (``paragraph`` "" = the whole document)."""

    __tablename__ = "stk_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("stk_rounds.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(128), index=True)
    paragraph: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)
    disposition: Mapped[str | None] = mapped_column(String(16), nullable=True)
    response: Mapped[str] = mapped_column(Text, default="")
    disposed_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Verdict(Base):
    """A validator's verdict on a validation round (one per validator)."""

    __tablename__ = "stk_verdicts"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("stk_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    author: Mapped[str] = mapped_column(String(128), primary_key=True)
    verdict: Mapped[str] = mapped_column(String(24))
    justification: Mapped[str] = mapped_column(Text)
    groups: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)


class Document(Base):
    """A library document; its files are versions."""

    __tablename__ = "stk_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    access: Mapped[str] = mapped_column(String(16))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("stk_rounds.id", ondelete="SET NULL"), nullable=True
    )
    #: The workshop (an event id of the community site) whose participants may read it.
    event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(128))


class DocumentVersion(Base):
    """One uploaded file of a document, with its download count."""

    __tablename__ = "stk_document_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("stk_documents.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_at: Mapped[int] = mapped_column(BigInteger)


class RelatedAction(Base):
    """A related pan-European action or initiative, with its link."""

    __tablename__ = "stk_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class WorkshopInvitation(Base):
    """A member's invitation to a workshop (an event of the community site)."""

    __tablename__ = "stk_workshop_invitations"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sub: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    invited_at: Mapped[int] = mapped_column(BigInteger)
    answered_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
