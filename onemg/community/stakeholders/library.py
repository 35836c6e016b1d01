"""The document library: versioned files with access levels and download counts.

Access levels: ``public`` (everyone), ``stakeholders`` (approved stakeholders, WP leaders and
coordinators), ``round`` (the participants and owners of one review round), ``workshop`` (the
members who accepted an invitation to one workshop: its materials) and ``wp`` (work package
members: holders of the WP leader role, and coordinators). Coordinators and WP leaders
upload; every refused download and every download of a non-public file is audited.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re

from onemg.community.stakeholders.context import Deps, Viewer, require
from onemg.community.stakeholders.reviews import Reviews
from onemg.community.stakeholders.store import DocumentRecord, FileRecord
from onemg.community.stakeholders.vocab import ACCESS_LABELS, pick
from onemg.community.stakeholders.workshops import Workshops
from onemg.errors import AccessDeniedError, InvalidInputError

MAX_FILE_BYTES = 20_000_000
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


class Library:
    """Documents, their versions and who may download them."""

    def __init__(self, deps: Deps, reviews: Reviews, workshops: Workshops) -> None:
        self._d = deps
        self._reviews = reviews
        self._workshops = workshops

    def may_read(self, viewer: Viewer | None, doc: DocumentRecord) -> bool:
        """Whether ``viewer`` may see and download ``doc``."""
        if doc.access == "public":
            return True
        if viewer is None:
            return False
        if viewer.has("coordinator"):
            return True
        if doc.access == "stakeholders":
            return viewer.has("stakeholder", "wp_leader")
        if doc.access == "wp":
            return viewer.has("wp_leader")
        if doc.access == "round" and doc.round_id is not None:
            return self._reviews.may_see(viewer, self._d.store.round(doc.round_id))
        if doc.access == "workshop" and doc.event_id is not None:
            return self._workshops.takes_part(viewer.sub, doc.event_id)
        return False

    def documents(self, viewer: Viewer | None) -> list[DocumentRecord]:
        """The documents ``viewer`` may see."""
        return [d for d in self._d.store.documents() if self.may_read(viewer, d)]

    def upload(
        self,
        viewer: Viewer | None,
        *,
        title: str,
        description: str,
        access: str,
        round_id: int | None,
        filename: str,
        data: bytes,
        event_id: str | None = None,
    ) -> int:
        """Add a document with its first file (coordinators and WP leaders); its id."""
        actor = require(viewer, "coordinator", "wp_leader")
        pick("access level", access, ACCESS_LABELS)
        title = " ".join(title.split())
        if not 1 <= len(title) <= 300:
            raise InvalidInputError("title: give the document a title")
        if access == "round":
            if round_id is None:
                raise InvalidInputError(
                    "round: choose the review round whose participants may read the document"
                )
            self._d.store.round(round_id)
        if access == "workshop":
            if not event_id:
                raise InvalidInputError(
                    "workshop: choose the workshop whose participants may read the document"
                )
            self._workshops.event(event_id)
        name, ctype = self._check_file(filename, data)
        doc_id = self._d.store.add_document(
            title=title,
            description=description.strip()[:5000],
            access=access,
            round_id=round_id if access == "round" else None,
            event_id=event_id if access == "workshop" else None,
            by=actor.sub,
            at=self._d.now(),
        )
        self._d.store.add_file(
            doc_id,
            filename=name,
            content_type=ctype,
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
            at=self._d.now(),
        )
        self._d.record(
            actor.sub, "stakeholders.document", f"document:{doc_id}", "created", f"access={access}"
        )
        return doc_id

    def add_version(
        self, viewer: Viewer | None, document_id: int, *, filename: str, data: bytes
    ) -> int:
        """Upload a new version of a document; its number."""
        actor = require(viewer, "coordinator", "wp_leader")
        self._d.store.document(document_id)
        name, ctype = self._check_file(filename, data)
        number = self._d.store.add_file(
            document_id,
            filename=name,
            content_type=ctype,
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
            at=self._d.now(),
        )
        self._d.record(
            actor.sub, "stakeholders.document", f"document:{document_id}", f"version {number}"
        )
        return number

    def download(
        self, viewer: Viewer | None, document_id: int, number: int | None = None
    ) -> FileRecord:
        """A file version with its bytes (newest by default), counting the download."""
        doc = self._d.store.document(document_id)
        who = viewer.sub if viewer else None
        if not self.may_read(viewer, doc):
            self._d.record(
                who,
                "stakeholders.document.read",
                f"document:{document_id}",
                "denied",
                f"access={doc.access}",
            )
            raise AccessDeniedError(
                f"this document is for {ACCESS_LABELS[doc.access].lower()} only"
            )
        if not doc.versions:
            raise InvalidInputError("this document has no file yet")
        record = self._d.store.take_file(document_id, number or doc.versions[-1].number)
        if doc.access != "public":
            self._d.record(
                who,
                "stakeholders.document.read",
                f"document:{document_id}",
                "granted",
                f"version={record.number}",
            )
        return record

    @staticmethod
    def _check_file(filename: str, data: bytes) -> tuple[str, str]:
        name = _SAFE_NAME.sub("_", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:200]
        if not name.strip("._ "):
            raise InvalidInputError("file: choose a file to upload")
        if not data:
            raise InvalidInputError(f"{name}: the file is empty")
        if len(data) > MAX_FILE_BYTES:
            raise InvalidInputError(f"{name}: larger than {MAX_FILE_BYTES // 1_000_000} MB")
        return name, mimetypes.guess_type(name)[0] or "application/octet-stream"
