"""Review rounds, the heart of the portal: drafts and their versions, early review (comments on
paragraphs and their dispositions) and validation (verdicts), with the access rules.

Who sees what:

- a round's **participants** are approved members who volunteered for the round's role (early
  reviewer, validator) and belong to one of its groups (when it names any);
- a round (its text, comments, verdicts and report) is visible to its participants, the
  stakeholder coordinators and the draft's WP leader; with ``comments_shared`` on, every
  approved stakeholder may read it too (but only participants comment);
- the WP leader who owns the draft (or a coordinator) records dispositions and closes rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from onemg.community.stakeholders import drafts as dr
from onemg.community.stakeholders.context import Deps, Viewer, require
from onemg.community.stakeholders.store import (
    CommentRecord,
    DraftRecord,
    RoundRecord,
    VerdictRecord,
    VersionRecord,
)
from onemg.community.stakeholders.vocab import (
    DISPOSITION_LABELS,
    GROUP_LABELS,
    ROUND_KINDS,
    VERDICT_LABELS,
    pick,
    pick_many,
)
from onemg.errors import AccessDeniedError, InvalidInputError, WorkflowError

#: Deadlines typed without a zone are read in the project's zone (CET/CEST).
DEFAULT_ZONE = "Europe/Brussels"
_WP = r"WP\d{1,2}"


def parse_deadline(text: str, zone: str = DEFAULT_ZONE) -> int:
    """An ISO date-time (``2026-12-20T12:00``) in ``zone`` as epoch seconds."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            f"deadline {text!r}: give a date and time like 2026-12-20T12:00"
        ) from None
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        raise InvalidInputError(f"time zone {zone!r} is not known (e.g. Europe/Brussels)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return int(moment.timestamp())


@dataclass(frozen=True)
class RoundView:
    """A round as one viewer may see it."""

    round: RoundRecord
    draft: DraftRecord
    version: VersionRecord
    sections: tuple[dr.Section, ...]
    comments: tuple[CommentRecord, ...]
    verdicts: tuple[VerdictRecord, ...]
    participant: bool
    can_dispose: bool
    can_close: bool
    open_now: bool


class Reviews:
    """Drafts, rounds, comments, dispositions and verdicts."""

    def __init__(self, deps: Deps) -> None:
        self._d = deps

    # --- drafts ---------------------------------------------------------------------------
    def create_draft(
        self,
        viewer: Viewer | None,
        *,
        title: str,
        wp: str,
        filename: str,
        data: bytes,
        note: str = "",
    ) -> int:
        """A WP leader (or coordinator) uploads a draft: Markdown or PDF; its id."""
        actor = require(viewer, "wp_leader", "coordinator")
        import re

        title = " ".join(title.split())
        if not 1 <= len(title) <= 300:
            raise InvalidInputError("title: give the draft a title (up to 300 characters)")
        wp = wp.strip().upper()
        if not re.fullmatch(_WP, wp):
            raise InvalidInputError(f"work package {wp!r}: write it like WP1")
        source, text = self._read(filename, data)
        draft_id = self._d.store.add_draft(title=title, wp=wp, owner=actor.sub, at=self._d.now())
        self._d.store.add_version(
            draft_id, source=source, text=text, note=note, by=actor.sub, at=self._d.now()
        )
        self._d.record(actor.sub, "stakeholders.draft", f"draft:{draft_id}", "created")
        return draft_id

    def add_version(
        self, viewer: Viewer | None, draft_id: int, *, filename: str, data: bytes, note: str = ""
    ) -> VersionRecord:
        """A new version of a draft (by its WP leader or a coordinator)."""
        draft = self._d.store.draft(draft_id)
        actor = self._owner(viewer, draft)
        source, text = self._read(filename, data)
        version = self._d.store.add_version(
            draft_id, source=source, text=text, note=note, by=actor.sub, at=self._d.now()
        )
        self._d.record(
            actor.sub, "stakeholders.draft", f"draft:{draft_id}", f"version {version.number}"
        )
        return version

    @staticmethod
    def _read(filename: str, data: bytes) -> tuple[str, str]:
        if filename.lower().endswith(".pdf") or data[:5] == b"%PDF-":
            return "pdf", dr.pdf_to_markdown(data, filename)
        if filename.lower().endswith((".md", ".markdown", ".txt")):
            return "markdown", dr.check_markdown(data, filename)
        raise InvalidInputError(f"{filename or 'the file'}: upload Markdown (.md) or a PDF")

    def _owner(self, viewer: Viewer | None, draft: DraftRecord) -> Viewer:
        if viewer is not None and (viewer.coordinator or viewer.sub == draft.owner):
            return viewer
        raise AccessDeniedError(
            "only the draft's WP leader or a stakeholder coordinator may do this"
        )

    def drafts(self, viewer: Viewer | None) -> list[tuple[DraftRecord, list[RoundRecord]]]:
        """The drafts the viewer may see, each with the rounds they may see."""
        out = []
        for draft in self._d.store.drafts():
            rounds = [
                r for r in self._d.store.rounds(draft_id=draft.id) if self.may_see(viewer, r, draft)
            ]
            if rounds or self._is_owner_side(viewer, draft):
                out.append((draft, rounds))
        return out

    def draft(
        self, viewer: Viewer | None, draft_id: int
    ) -> tuple[DraftRecord, list[VersionRecord], list[RoundRecord]]:
        """A draft with its versions and the rounds the viewer may see."""
        draft = self._d.store.draft(draft_id)
        rounds = [
            r for r in self._d.store.rounds(draft_id=draft_id) if self.may_see(viewer, r, draft)
        ]
        if not rounds and not self._is_owner_side(viewer, draft):
            raise AccessDeniedError(
                "this draft is shared with its review rounds' participants only"
            )
        return draft, self._d.store.versions(draft_id), rounds

    def diff(self, viewer: Viewer | None, draft_id: int, old: int, new: int) -> list[dr.DiffLine]:
        """The differences between two version numbers of a draft."""
        _, versions, _ = self.draft(viewer, draft_id)
        by_number = {v.number: v for v in versions}
        if old not in by_number or new not in by_number:
            raise InvalidInputError(
                f"versions {old} and {new}: this draft has versions 1 to {len(versions)}"
            )
        return dr.diff_versions(by_number[old].text, by_number[new].text)

    @staticmethod
    def _is_owner_side(viewer: Viewer | None, draft: DraftRecord) -> bool:
        return viewer is not None and (viewer.coordinator or viewer.sub == draft.owner)

    # --- rounds ---------------------------------------------------------------------------
    def open_round(
        self,
        viewer: Viewer | None,
        draft_id: int,
        *,
        kind: str,
        title: str,
        deadline: int,
        groups: list[str],
        comments_shared: bool = False,
    ) -> int:
        """Open an early-review or validation round on the draft's newest version; its id."""
        draft = self._d.store.draft(draft_id)
        actor = self._owner(viewer, draft)
        pick("round kind", kind, ROUND_KINDS)
        if deadline <= self._d.now():
            raise InvalidInputError("deadline: choose a moment in the future")
        title = " ".join(title.split()) or draft.title
        version = self._d.store.versions(draft_id)[-1]
        round_id = self._d.store.add_round(
            draft_id=draft_id,
            version_id=version.id,
            kind=kind,
            title=title[:300],
            groups=pick_many("stakeholder group", groups, GROUP_LABELS),
            comments_shared=comments_shared,
            deadline=deadline,
            opened_at=self._d.now(),
            opened_by=actor.sub,
        )
        self._d.record(
            actor.sub, "stakeholders.round", f"round:{round_id}", "opened", f"kind={kind}"
        )
        return round_id

    def is_participant(self, sub: str | None, rnd: RoundRecord) -> bool:
        """Whether ``sub`` is one of the round's reviewers or validators."""
        member = self._d.store.member(sub) if sub else None
        return (
            member is not None
            and member.status == "approved"
            and ROUND_KINDS[rnd.kind] in member.roles
            and (not rnd.groups or bool(set(rnd.groups) & set(member.groups)))
        )

    def participants(self, rnd: RoundRecord) -> list[str]:
        """The subjects of the round's participants."""
        return [
            m.sub
            for m in self._d.store.members(status="approved")
            if self.is_participant(m.sub, rnd)
        ]

    def may_see(
        self, viewer: Viewer | None, rnd: RoundRecord, draft: DraftRecord | None = None
    ) -> bool:
        """Whether ``viewer`` may read the round (its text, comments and report)."""
        if viewer is None:
            return False
        draft = draft or self._d.store.draft(rnd.draft_id)
        if self._is_owner_side(viewer, draft) or self.is_participant(viewer.sub, rnd):
            return True
        return rnd.comments_shared and viewer.has("stakeholder")

    def rounds_for(self, viewer: Viewer | None) -> list[RoundRecord]:
        """The rounds the viewer may see, newest first."""
        return [r for r in self._d.store.rounds() if self.may_see(viewer, r)]

    def view(self, viewer: Viewer | None, round_id: int) -> RoundView:
        """The round as ``viewer`` sees it; AccessDeniedError (audited) when they may not."""
        rnd = self._d.store.round(round_id)
        draft = self._d.store.draft(rnd.draft_id)
        if not self.may_see(viewer, rnd, draft):
            self._d.record(
                viewer.sub if viewer else None,
                "stakeholders.round.read",
                f"round:{round_id}",
                "denied",
                "not a participant",
            )
            raise AccessDeniedError("this review round is open to its participants only")
        version = self._d.store.version(rnd.version_id)
        owner_side = self._is_owner_side(viewer, draft)
        return RoundView(
            round=rnd,
            draft=draft,
            version=version,
            sections=dr.split_sections(version.text),
            comments=tuple(self._d.store.comments(round_id)),
            verdicts=tuple(self._d.store.verdicts(round_id)),
            participant=self.is_participant(viewer.sub if viewer else None, rnd),
            can_dispose=owner_side,
            can_close=owner_side and rnd.status == "open",
            open_now=rnd.status == "open" and self._d.now() < rnd.deadline,
        )

    def _writable(self, viewer: Viewer | None, round_id: int) -> tuple[Viewer, RoundRecord]:
        rnd = self._d.store.round(round_id)
        if viewer is None or not self.is_participant(viewer.sub, rnd):
            self._d.record(
                viewer.sub if viewer else None,
                "stakeholders.round.write",
                f"round:{round_id}",
                "denied",
                "not a participant",
            )
            raise AccessDeniedError("only this round's participants may contribute")
        if rnd.status != "open":
            raise WorkflowError("this round is closed")
        if self._d.now() >= rnd.deadline:
            raise WorkflowError("the deadline of this round has passed")
        return viewer, rnd

    def comment(self, viewer: Viewer | None, round_id: int, *, paragraph: str, body: str) -> int:
        """A participant comments on a paragraph (``""``: the whole document); its id."""
        actor, rnd = self._writable(viewer, round_id)
        body = body.strip()
        if not 1 <= len(body) <= 10_000:
            raise InvalidInputError("comment: write your comment (up to 10 000 characters)")
        paragraph = paragraph.strip()
        if paragraph and paragraph not in dr.paragraph_keys(
            self._d.store.version(rnd.version_id).text
        ):
            raise InvalidInputError(f"paragraph {paragraph!r} is not in this draft")
        cid = self._d.store.add_comment(
            round_id=round_id, author=actor.sub, paragraph=paragraph, body=body, at=self._d.now()
        )
        self._d.record(
            actor.sub, "stakeholders.comment", f"round:{round_id}", "added", f"comment={cid}"
        )
        return cid

    def dispose(
        self, viewer: Viewer | None, comment_id: int, *, disposition: str, response: str
    ) -> None:
        """The WP leader (or a coordinator) records a comment's disposition, with a response."""
        comment = self._d.store.comment(comment_id)
        rnd = self._d.store.round(comment.round_id)
        actor = self._owner(viewer, self._d.store.draft(rnd.draft_id))
        pick("disposition", disposition, DISPOSITION_LABELS)
        response = response.strip()
        if disposition != "accepted" and not response:
            raise InvalidInputError("response: say why (needed unless the comment is accepted)")
        self._d.store.dispose(
            comment_id, disposition=disposition, response=response[:10_000], at=self._d.now()
        )
        self._d.record(
            actor.sub,
            "stakeholders.disposition",
            f"round:{rnd.id}",
            disposition,
            f"comment={comment_id}",
        )

    def give_verdict(
        self, viewer: Viewer | None, round_id: int, *, verdict: str, justification: str
    ) -> None:
        """A validator gives (or changes) their verdict on a validation round."""
        actor, rnd = self._writable(viewer, round_id)
        if rnd.kind != "validation":
            raise WorkflowError("verdicts are given in validation rounds; comment here instead")
        pick("verdict", verdict, VERDICT_LABELS)
        justification = justification.strip()
        if not 1 <= len(justification) <= 10_000:
            raise InvalidInputError("justification: explain your verdict")
        member = self._d.store.member(actor.sub)
        self._d.store.put_verdict(
            VerdictRecord(
                round_id=round_id,
                author=actor.sub,
                verdict=verdict,
                justification=justification,
                groups=member.groups if member else (),
                created_at=self._d.now(),
            )
        )
        self._d.record(actor.sub, "stakeholders.verdict", f"round:{round_id}", verdict)

    def close(self, viewer: Viewer | None, round_id: int) -> None:
        """Close a round; every comment needs its disposition first."""
        rnd = self._d.store.round(round_id)
        actor = self._owner(viewer, self._d.store.draft(rnd.draft_id))
        if rnd.status != "open":
            raise WorkflowError("this round is already closed")
        waiting = [c.id for c in self._d.store.comments(round_id) if c.disposition is None]
        if waiting:
            raise WorkflowError(
                f"{len(waiting)} comment(s) have no disposition yet; record "
                "them before closing the round"
            )
        self._d.store.update_round(round_id, status="closed", closed_at=self._d.now())
        self._d.record(actor.sub, "stakeholders.round", f"round:{round_id}", "closed")
