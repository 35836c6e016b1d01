"""Workshops: coordinators invite members with matching expertise to an event of the community
site (:mod:`onemg.community.events`); members accept or decline; the workshop's materials (the
library's ``workshop`` documents) are for those who accepted.

The events part is reached through ``deps.events`` (its :class:`EventService`: ``get`` and
``upcoming_and_past``), so the portal holds only the event's id, never a copy of the event.
"""

from __future__ import annotations

from typing import Any

from onemg.community.stakeholders.context import Deps, Viewer, require
from onemg.community.stakeholders.registration import Registrations
from onemg.community.stakeholders.store import InvitationRecord, MemberRecord
from onemg.errors import InvalidInputError, NotFoundError, UnavailableError

ANSWERS = ("accepted", "declined")


class Workshops:
    """Invitations to workshops and who takes part."""

    def __init__(self, deps: Deps, registrations: Registrations) -> None:
        self._d = deps
        self._registrations = registrations

    def _events(self) -> Any:
        if self._d.events is None:
            raise UnavailableError("workshops need the events part of the community site")
        return self._d.events()

    def event(self, event_id: str) -> Any:
        """The event ``event_id`` (NotFoundError when there is none)."""
        return self._events().get(event_id)

    def upcoming(self) -> list[Any]:
        """Events not yet over, soonest first (those a coordinator may invite to)."""
        return self._events().upcoming_and_past()[0]

    def candidates(self, viewer: Viewer | None, expertise: str) -> list[MemberRecord]:
        """Approved workshop experts whose expertise matches the words (coordinators)."""
        require(viewer, "coordinator")
        return self._registrations.matching(expertise, role="workshop_expert")

    def invite(
        self, viewer: Viewer | None, event_id: str, subs: list[str], *, link: str = ""
    ) -> int:
        """Invite members to the workshop ``event_id`` and mail them; how many were new.

        Raises:
            AccessDeniedError: not a coordinator.
            InvalidInputError: someone is not an approved workshop expert.
        """
        actor = require(viewer, "coordinator")
        event = self.event(event_id)
        if not subs:
            raise InvalidInputError("choose at least one member to invite")
        for sub in subs:
            member = self._d.store.member(sub)
            if (
                member is None
                or member.status != "approved"
                or ("workshop_expert" not in member.roles)
            ):
                raise InvalidInputError(
                    "only approved members who volunteered as workshop experts can be invited"
                )
        new = 0
        for sub in subs:
            if not self._d.store.invite(event_id, sub, at=self._d.now()):
                continue
            new += 1
            self._d.record(
                actor.sub, "stakeholders.workshop", f"event:{event_id}", "invited", f"subject={sub}"
            )
            self._d.mail(
                sub,
                f"Invitation: {event.name}",
                f"A stakeholder coordinator invites you as an external expert to "
                f'"{event.name}".\n\nAccept or decline here: '
                f"{link.rstrip('/')}/stakeholders/me\n",
            )
        return new

    def answer(self, viewer: Viewer | None, event_id: str, answer: str) -> None:
        """A member accepts or declines their invitation."""
        if viewer is None:
            raise NotFoundError("you have no invitation to this workshop")
        if answer not in ANSWERS:
            raise InvalidInputError("answer: accept or decline")
        self._d.store.answer(event_id, viewer.sub, status=answer, at=self._d.now())
        self._d.record(viewer.sub, "stakeholders.workshop", f"event:{event_id}", answer)

    def invitations_of(self, sub: str) -> list[tuple[InvitationRecord, Any]]:
        """A member's invitations with their events (None when the event is gone)."""
        out = []
        for inv in self._d.store.invitations(sub=sub):
            try:
                out.append((inv, self.event(inv.event_id)))
            except (NotFoundError, UnavailableError):
                out.append((inv, None))
        return out

    def invitations(self, viewer: Viewer | None, event_id: str) -> list[InvitationRecord]:
        """Everyone invited to a workshop (coordinators)."""
        require(viewer, "coordinator")
        return self._d.store.invitations(event_id=event_id)

    def takes_part(self, sub: str | None, event_id: str) -> bool:
        """Whether ``sub`` accepted an invitation to the workshop."""
        return sub is not None and any(
            i.status == "accepted" for i in self._d.store.invitations(event_id=event_id, sub=sub)
        )
