"""SQL persistence of the Stakeholder Coordination Portal (the only module here with SQL).

Methods return frozen records; :mod:`.service` and its parts own the rules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy import exc as sa_exc

from onemg.community.stakeholders import models as m
from onemg.db import make_sessionmaker
from onemg.errors import ConflictError, NotFoundError


@dataclass(frozen=True)
class MemberRecord:
    """A registered stakeholder."""

    sub: str
    name: str
    organisation: str
    country: str
    groups: tuple[str, ...]
    expertise: tuple[str, ...]
    roles: tuple[str, ...]
    directory_opt_in: bool
    named_in_reports: bool
    consent_at: int
    status: str
    created_at: int
    decided_at: int | None


@dataclass(frozen=True)
class DraftRecord:
    """A draft document."""

    id: int
    title: str
    wp: str
    owner: str
    created_at: int


@dataclass(frozen=True)
class VersionRecord:
    """One version of a draft."""

    id: int
    draft_id: int
    number: int
    source: str
    text: str
    note: str
    created_at: int
    created_by: str


@dataclass(frozen=True)
class RoundRecord:
    """A review round."""

    id: int
    draft_id: int
    version_id: int
    kind: str
    title: str
    groups: tuple[str, ...]
    comments_shared: bool
    deadline: int
    status: str
    opened_at: int
    opened_by: str
    closed_at: int | None
    reminded_at: int | None


@dataclass(frozen=True)
class CommentRecord:
    """A comment and its disposition."""

    id: int
    round_id: int
    author: str
    paragraph: str
    body: str
    created_at: int
    disposition: str | None
    response: str
    disposed_at: int | None


@dataclass(frozen=True)
class VerdictRecord:
    """A validator's verdict."""

    round_id: int
    author: str
    verdict: str
    justification: str
    groups: tuple[str, ...]
    created_at: int


@dataclass(frozen=True)
class DocumentRecord:
    """A library document and its versions (newest last; file bytes not loaded)."""

    id: int
    title: str
    description: str
    access: str
    round_id: int | None
    event_id: str | None
    created_at: int
    created_by: str
    versions: tuple[FileRecord, ...] = ()


@dataclass(frozen=True)
class FileRecord:
    """One file version of a document (``data`` only when asked for)."""

    id: int
    document_id: int
    number: int
    filename: str
    content_type: str
    sha256: str
    size: int
    downloads: int
    uploaded_at: int
    data: bytes | None = None


@dataclass(frozen=True)
class ActionRecord:
    """A related pan-European action."""

    id: int
    title: str
    url: str
    summary: str
    position: int


@dataclass(frozen=True)
class InvitationRecord:
    """A member's workshop invitation."""

    event_id: str
    sub: str
    status: str
    invited_at: int
    answered_at: int | None


_LISTS = ("groups", "expertise", "roles")


def _rec(cls: type, row: Any, **override: Any) -> Any:
    values = {}
    for f in fields(cls):
        if f.name in override or not hasattr(row, f.name):
            continue
        value = getattr(row, f.name)
        values[f.name] = tuple(json.loads(value)) if f.name in _LISTS else value
    return cls(**values, **override)


def _json(values: Sequence[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


class StakeholderStore:
    """Members, drafts, rounds, comments, verdicts, documents, actions and invitations."""

    def __init__(self, engine: Engine) -> None:
        self._session = make_sessionmaker(engine)

    # --- members ------------------------------------------------------------------------
    def add_member(self, record: MemberRecord) -> None:
        """Insert a registration; ConflictError when the account already registered."""
        values = {**record.__dict__, **{k: _json(getattr(record, k)) for k in _LISTS}}
        try:
            with self._session.begin() as s:
                s.add(m.Member(**values))
        except sa_exc.IntegrityError as exc:
            raise ConflictError("this account has already registered as a stakeholder") from exc

    def member(self, sub: str) -> MemberRecord | None:
        """The member ``sub``, or None."""
        with self._session() as s:
            row = s.get(m.Member, sub)
            return _rec(MemberRecord, row) if row else None

    def members(self, *, status: str | None = None) -> list[MemberRecord]:
        """Members (with ``status``, if given), by name."""
        q = select(m.Member).order_by(m.Member.name)
        if status is not None:
            q = q.where(m.Member.status == status)
        with self._session() as s:
            return [_rec(MemberRecord, r) for r in s.scalars(q)]

    def update_member(self, sub: str, **values: Any) -> None:
        """Change fields of member ``sub`` (lists given as sequences)."""
        for key in _LISTS:
            if key in values:
                values[key] = _json(values[key])
        with self._session.begin() as s:
            done = s.execute(update(m.Member).where(m.Member.sub == sub).values(**values))
            if done.rowcount == 0:
                raise NotFoundError("no stakeholder registration for this account")

    def forget_member(self, sub: str) -> int:
        """Delete the member row and everything they wrote; the number of rows deleted."""
        with self._session.begin() as s:
            n = 0
            for table, column in (
                (m.Comment, m.Comment.author),
                (m.Verdict, m.Verdict.author),
                (m.WorkshopInvitation, m.WorkshopInvitation.sub),
                (m.Member, m.Member.sub),
            ):
                n += s.execute(delete(table).where(column == sub)).rowcount
            return n

    # --- drafts and versions ------------------------------------------------------------
    def add_draft(self, *, title: str, wp: str, owner: str, at: int) -> int:
        """A new draft's id."""
        with self._session.begin() as s:
            row = m.Draft(title=title, wp=wp, owner=owner, created_at=at)
            s.add(row)
            s.flush()
            return row.id

    def draft(self, draft_id: int) -> DraftRecord:
        """The draft ``draft_id``."""
        with self._session() as s:
            row = s.get(m.Draft, draft_id)
            if row is None:
                raise NotFoundError(f"no draft {draft_id}")
            return _rec(DraftRecord, row)

    def drafts(self) -> list[DraftRecord]:
        """Every draft, newest first."""
        with self._session() as s:
            rows = s.scalars(select(m.Draft).order_by(m.Draft.id.desc()))
            return [_rec(DraftRecord, r) for r in rows]

    def add_version(
        self, draft_id: int, *, source: str, text: str, note: str, by: str, at: int
    ) -> VersionRecord:
        """Append a version to a draft (numbered 1, 2, ...)."""
        with self._session.begin() as s:
            last = (
                s.scalar(
                    select(func.max(m.DraftVersion.number)).where(
                        m.DraftVersion.draft_id == draft_id
                    )
                )
                or 0
            )
            row = m.DraftVersion(
                draft_id=draft_id,
                number=last + 1,
                source=source,
                text=text,
                note=note,
                created_at=at,
                created_by=by,
            )
            s.add(row)
            s.flush()
            return _rec(VersionRecord, row)

    def versions(self, draft_id: int) -> list[VersionRecord]:
        """The versions of a draft, oldest first."""
        with self._session() as s:
            rows = s.scalars(
                select(m.DraftVersion)
                .where(m.DraftVersion.draft_id == draft_id)
                .order_by(m.DraftVersion.number)
            )
            return [_rec(VersionRecord, r) for r in rows]

    def version(self, version_id: int) -> VersionRecord:
        """The version ``version_id``."""
        with self._session() as s:
            row = s.get(m.DraftVersion, version_id)
            if row is None:
                raise NotFoundError(f"no draft version {version_id}")
            return _rec(VersionRecord, row)

    # --- rounds ---------------------------------------------------------------------------
    def add_round(self, **values: Any) -> int:
        """A new round's id."""
        values["groups"] = _json(values["groups"])
        with self._session.begin() as s:
            row = m.Round(status="open", **values)
            s.add(row)
            s.flush()
            return row.id

    def round(self, round_id: int) -> RoundRecord:
        """The round ``round_id``."""
        with self._session() as s:
            row = s.get(m.Round, round_id)
            if row is None:
                raise NotFoundError(f"no review round {round_id}")
            return _rec(RoundRecord, row)

    def rounds(
        self, *, draft_id: int | None = None, status: str | None = None
    ) -> list[RoundRecord]:
        """Rounds (of one draft, in one status), newest first."""
        q = select(m.Round).order_by(m.Round.id.desc())
        if draft_id is not None:
            q = q.where(m.Round.draft_id == draft_id)
        if status is not None:
            q = q.where(m.Round.status == status)
        with self._session() as s:
            return [_rec(RoundRecord, r) for r in s.scalars(q)]

    def update_round(self, round_id: int, **values: Any) -> None:
        """Change fields of a round."""
        with self._session.begin() as s:
            s.execute(update(m.Round).where(m.Round.id == round_id).values(**values))

    # --- comments and verdicts --------------------------------------------------------------
    def add_comment(self, *, round_id: int, author: str, paragraph: str, body: str, at: int) -> int:
        """A new comment's id."""
        with self._session.begin() as s:
            row = m.Comment(
                round_id=round_id,
                author=author,
                paragraph=paragraph,
                body=body,
                created_at=at,
                disposition=None,
                response="",
            )
            s.add(row)
            s.flush()
            return row.id

    def comment(self, comment_id: int) -> CommentRecord:
        """The comment ``comment_id``."""
        with self._session() as s:
            row = s.get(m.Comment, comment_id)
            if row is None:
                raise NotFoundError(f"no comment {comment_id}")
            return _rec(CommentRecord, row)

    def comments(self, round_id: int, *, author: str | None = None) -> list[CommentRecord]:
        """A round's comments (by one author, if given), oldest first."""
        q = select(m.Comment).where(m.Comment.round_id == round_id).order_by(m.Comment.id)
        if author is not None:
            q = q.where(m.Comment.author == author)
        with self._session() as s:
            return [_rec(CommentRecord, r) for r in s.scalars(q)]

    def dispose(self, comment_id: int, *, disposition: str, response: str, at: int) -> None:
        """Record the disposition of a comment."""
        with self._session.begin() as s:
            s.execute(
                update(m.Comment)
                .where(m.Comment.id == comment_id)
                .values(disposition=disposition, response=response, disposed_at=at)
            )

    def put_verdict(self, record: VerdictRecord) -> None:
        """Insert or replace a validator's verdict."""
        with self._session.begin() as s:
            row = s.get(m.Verdict, (record.round_id, record.author))
            values = {**record.__dict__, "groups": _json(record.groups)}
            if row is None:
                s.add(m.Verdict(**values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)

    def verdicts(self, round_id: int) -> list[VerdictRecord]:
        """A round's verdicts."""
        with self._session() as s:
            rows = s.scalars(
                select(m.Verdict)
                .where(m.Verdict.round_id == round_id)
                .order_by(m.Verdict.created_at)
            )
            return [_rec(VerdictRecord, r) for r in rows]

    # --- documents ------------------------------------------------------------------------
    def add_document(
        self,
        *,
        title: str,
        description: str,
        access: str,
        round_id: int | None,
        by: str,
        at: int,
        event_id: str | None = None,
    ) -> int:
        """A new document's id."""
        with self._session.begin() as s:
            row = m.Document(
                title=title,
                description=description,
                access=access,
                round_id=round_id,
                event_id=event_id,
                created_at=at,
                created_by=by,
            )
            s.add(row)
            s.flush()
            return row.id

    def add_file(
        self,
        document_id: int,
        *,
        filename: str,
        content_type: str,
        sha256: str,
        data: bytes,
        at: int,
    ) -> int:
        """Append a file version to a document; its number."""
        with self._session.begin() as s:
            last = (
                s.scalar(
                    select(func.max(m.DocumentVersion.number)).where(
                        m.DocumentVersion.document_id == document_id
                    )
                )
                or 0
            )
            s.add(
                m.DocumentVersion(
                    document_id=document_id,
                    number=last + 1,
                    filename=filename,
                    content_type=content_type,
                    sha256=sha256,
                    size=len(data),
                    data=data,
                    downloads=0,
                    uploaded_at=at,
                )
            )
            return last + 1

    def documents(self) -> list[DocumentRecord]:
        """Every document with its versions (no bytes), by title."""
        with self._session() as s:
            docs = list(s.scalars(select(m.Document).order_by(m.Document.title)))
            files = s.execute(
                select(
                    *(
                        getattr(m.DocumentVersion, f.name)
                        for f in fields(FileRecord)
                        if f.name != "data"
                    )
                ).order_by(m.DocumentVersion.number)
            ).all()
        by_doc: dict[int, list[FileRecord]] = {}
        for f in files:
            by_doc.setdefault(f.document_id, []).append(_rec(FileRecord, f))
        return [_rec(DocumentRecord, d, versions=tuple(by_doc.get(d.id, ()))) for d in docs]

    def document(self, document_id: int) -> DocumentRecord:
        """One document with its versions (no bytes)."""
        for doc in self.documents():
            if doc.id == document_id:
                return doc
        raise NotFoundError(f"no document {document_id}")

    def take_file(self, document_id: int, number: int) -> FileRecord:
        """A file version with its bytes, counting the download."""
        with self._session.begin() as s:
            row = s.scalar(
                select(m.DocumentVersion).where(
                    m.DocumentVersion.document_id == document_id, m.DocumentVersion.number == number
                )
            )
            if row is None:
                raise NotFoundError(f"document {document_id} has no version {number}")
            row.downloads += 1
            s.flush()
            return _rec(FileRecord, row)

    # --- related actions and workshop invitations ----------------------------------------
    def actions(self) -> list[ActionRecord]:
        """The related actions in their curated order."""
        with self._session() as s:
            rows = s.scalars(
                select(m.RelatedAction).order_by(m.RelatedAction.position, m.RelatedAction.id)
            )
            return [_rec(ActionRecord, r) for r in rows]

    def add_action(self, *, title: str, url: str, summary: str, position: int) -> int:
        """Add a related action; its id."""
        with self._session.begin() as s:
            row = m.RelatedAction(title=title, url=url, summary=summary, position=position)
            s.add(row)
            s.flush()
            return row.id

    def remove_action(self, action_id: int) -> None:
        """Remove a related action."""
        with self._session.begin() as s:
            s.execute(delete(m.RelatedAction).where(m.RelatedAction.id == action_id))

    def invite(self, event_id: str, sub: str, *, at: int) -> bool:
        """Invite ``sub`` to a workshop; False when already invited."""
        with self._session.begin() as s:
            if s.get(m.WorkshopInvitation, (event_id, sub)) is not None:
                return False
            s.add(m.WorkshopInvitation(event_id=event_id, sub=sub, status="invited", invited_at=at))
            return True

    def answer(self, event_id: str, sub: str, *, status: str, at: int) -> None:
        """Record a member's answer to an invitation."""
        with self._session.begin() as s:
            row = s.get(m.WorkshopInvitation, (event_id, sub))
            if row is None:
                raise NotFoundError("you have no invitation to this workshop")
            row.status, row.answered_at = status, at

    def invitations(
        self, *, event_id: str | None = None, sub: str | None = None
    ) -> list[InvitationRecord]:
        """Invitations to one workshop or of one member."""
        q = select(m.WorkshopInvitation).order_by(m.WorkshopInvitation.invited_at)
        if event_id is not None:
            q = q.where(m.WorkshopInvitation.event_id == event_id)
        if sub is not None:
            q = q.where(m.WorkshopInvitation.sub == sub)
        with self._session() as s:
            return [_rec(InvitationRecord, r) for r in s.scalars(q)]
