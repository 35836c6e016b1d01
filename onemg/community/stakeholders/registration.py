"""Stakeholder registration: the form's rules, e-mail confirmation, the coordinators' decision,
profile changes, the directory, and withdrawal that really deletes.

A registration is kept as ``pending`` until a coordinator approves or declines it; approval
needs the person's e-mail address confirmed (the hub account's signed link,
:mod:`onemg.web.account`) and grants the hub's
``stakeholder`` site role (:func:`onemg.access.site_roles.change_site_role`, audited).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from onemg.access.site_roles import change_site_role
from onemg.community.stakeholders.context import Deps, Viewer, require
from onemg.community.stakeholders.store import MemberRecord
from onemg.community.stakeholders.vocab import (
    COUNTRY_LABELS,
    GROUP_LABELS,
    ROLE_LABELS,
    pick_many,
)
from onemg.errors import InvalidInputError, NotFoundError, UnavailableError, WorkflowError

_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Profile:
    """What a person tells the portal about themselves (checked by :func:`check_profile`)."""

    name: str
    organisation: str
    country: str
    groups: tuple[str, ...]
    expertise: tuple[str, ...]
    roles: tuple[str, ...]
    directory_opt_in: bool = False
    named_in_reports: bool = False


def split_expertise(text: str) -> tuple[str, ...]:
    """Areas of expertise from a comma- or line-separated list (trimmed, distinct, in order)."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,;\n]", text):
        part = " ".join(part.split())[:80]
        if part and part.lower() not in {k.lower() for k in seen}:
            seen[part] = None
    return tuple(seen)[:20]


def check_profile(profile: Profile) -> Profile:
    """The profile with its fields trimmed and checked.

    Raises:
        InvalidInputError: a field is missing or unknown (the message names it).
    """
    name = " ".join(profile.name.split())
    organisation = " ".join(profile.organisation.split())
    if not 1 <= len(name) <= 200:
        raise InvalidInputError("name: write your name (up to 200 characters)")
    if not 1 <= len(organisation) <= 300:
        raise InvalidInputError("organisation: write your organisation (up to 300 characters)")
    country = profile.country.strip().upper()
    if not _COUNTRY.match(country):
        raise InvalidInputError("country: choose your country from the list")
    if not profile.groups:
        raise InvalidInputError("stakeholder groups: choose at least one group")
    return Profile(
        name=name,
        organisation=organisation,
        country=country,
        groups=pick_many("stakeholder group", list(profile.groups), GROUP_LABELS),
        expertise=tuple(e for e in profile.expertise if e)[:20],
        roles=pick_many("role", list(profile.roles), ROLE_LABELS),
        directory_opt_in=profile.directory_opt_in,
        named_in_reports=profile.named_in_reports,
    )


class Registrations:
    """Registration, confirmation, decisions, profiles, directory and withdrawal."""

    def __init__(self, deps: Deps) -> None:
        self._d = deps

    # --- registering ----------------------------------------------------------------------
    def register(self, sub: str, profile: Profile, *, consent: bool) -> MemberRecord:
        """Record the registration of account ``sub`` (pending a coordinator's decision).

        Raises:
            InvalidInputError: no explicit GDPR consent, or a bad field.
            ConflictError: the account has registered already.
        """
        if not consent:
            raise InvalidInputError(
                "consent: tick the box to agree that the portal keeps your registration data; "
                "without it we cannot register you"
            )
        p = check_profile(profile)
        now = self._d.now()
        record = MemberRecord(
            sub=sub,
            name=p.name,
            organisation=p.organisation,
            country=p.country,
            groups=p.groups,
            expertise=p.expertise,
            roles=p.roles,
            directory_opt_in=p.directory_opt_in,
            named_in_reports=p.named_in_reports,
            consent_at=now,
            status="pending",
            created_at=now,
            decided_at=None,
        )
        self._d.store.add_member(record)
        self._d.record(
            sub,
            "stakeholders.register",
            f"stakeholder:{sub}",
            "pending",
            f"roles={','.join(p.roles)}",
        )
        return record

    # --- coordinators' decisions ---------------------------------------------------------
    def pending(self, viewer: Viewer | None) -> list[tuple[MemberRecord, bool]]:
        """Pending registrations with whether each e-mail address is confirmed."""
        require(viewer, "coordinator")
        return [
            (r, self._d.accounts.verified_email(r.sub) is not None)
            for r in self._d.store.members(status="pending")
        ]

    def decide(self, viewer: Viewer | None, sub: str, *, approve: bool) -> None:
        """Approve (grants the ``stakeholder`` role) or decline a pending registration.

        Raises:
            AccessDeniedError: the viewer is not a coordinator (the refusal is audited).
            WorkflowError: not pending, or the e-mail address is not confirmed yet.
        """
        if viewer is None or not viewer.coordinator:
            self._d.record(
                viewer.sub if viewer else None,
                "stakeholders.decide",
                f"stakeholder:{sub}",
                "denied",
                "not a coordinator",
            )
        actor = require(viewer, "coordinator")
        member = self._d.store.member(sub)
        if member is None:
            raise NotFoundError("no such registration (withdrawn?)")
        if member.status != "pending":
            raise WorkflowError(f"this registration was already {member.status}")
        if approve and self._d.accounts.verified_email(sub) is None:
            raise WorkflowError(
                "the person has not confirmed their e-mail address yet; approve once they have"
            )
        status = "approved" if approve else "declined"
        self._d.store.update_member(sub, status=status, decided_at=self._d.now())
        self._d.record(actor.sub, "stakeholders.decide", f"stakeholder:{sub}", status)
        if approve:
            change_site_role(
                self._d.site_roles,
                self._d.audit,
                actor=actor.sub,
                subject=sub,
                role="stakeholder",
                granted=True,
                origin="hub-stakeholders",
                clock=self._d.clock,
            )
        self._d.mail(
            sub,
            f"Your registration was {status} (1+MG portal)",
            f"A stakeholder coordinator {status} your registration with the 1+MG "
            "Stakeholder Coordination Portal.\n",
        )

    # --- one's own registration ------------------------------------------------------------
    def member(self, sub: str) -> MemberRecord | None:
        """The registration of ``sub``, if any."""
        return self._d.store.member(sub)

    def update_profile(self, sub: str, profile: Profile) -> None:
        """Change one's own profile; a change of volunteered roles is audited."""
        before = self._d.store.member(sub)
        if before is None:
            raise NotFoundError("register first: you have no stakeholder registration")
        p = check_profile(profile)
        self._d.store.update_member(sub, **{k: getattr(p, k) for k in p.__dataclass_fields__})
        if p.roles != before.roles:
            self._d.record(
                sub,
                "stakeholders.volunteer",
                f"stakeholder:{sub}",
                "changed",
                f"roles={','.join(p.roles)}",
            )

    def withdraw(self, sub: str) -> int:
        """Withdraw consent: delete the registration and all the person wrote; rows deleted."""
        n = self._d.store.forget_member(sub)
        if "stakeholder" in self._d.site_roles.roles_of(sub):
            change_site_role(
                self._d.site_roles,
                self._d.audit,
                actor=sub,
                subject=sub,
                role="stakeholder",
                granted=False,
                origin="hub-stakeholders",
                clock=self._d.clock,
            )
        self._d.record(sub, "stakeholders.withdraw", f"stakeholder:{sub}", "deleted", f"rows={n}")
        return n

    def delete_account(self, sub: str) -> list[Any]:
        """Withdraw, delete the person's event registrations and the hub account itself.

        Returns the event registrations promoted from a waiting list meanwhile (the caller
        mails them, as the events part does for any cancellation).
        """
        self.withdraw(sub)
        promoted: list[Any] = []
        if self._d.events is not None:
            try:
                promoted = self._d.events().forget(sub=sub)
            except UnavailableError:
                pass  # no events part on this hub: nothing to forget there
        self._d.site_roles.forget(sub)
        self._d.accounts.delete(sub)
        self._d.record(sub, "account.delete", f"user:{sub}", "deleted")
        return promoted

    # --- directory ------------------------------------------------------------------------
    def directory(
        self, viewer: Viewer | None, *, group: str = "", country: str = "", expertise: str = ""
    ) -> list[MemberRecord]:
        """Approved members who opted in, filtered by group, country and expertise."""
        if group and group not in GROUP_LABELS:
            raise InvalidInputError(f"group {group!r} is not known")
        if country and country not in COUNTRY_LABELS and not _COUNTRY.match(country):
            raise InvalidInputError(f"country {country!r}: use a two-letter code")
        needle = expertise.strip().lower()
        return [
            r
            for r in self._d.store.members(status="approved")
            if r.directory_opt_in
            and (not group or group in r.groups)
            and (not country or r.country == country)
            and (not needle or any(needle in e.lower() for e in r.expertise))
        ]

    def matching(self, expertise: str, *, role: str = "workshop_expert") -> list[MemberRecord]:
        """Approved members who volunteered for ``role`` with expertise matching the words."""
        words = [w for w in re.split(r"[,\s]+", expertise.lower()) if len(w) > 2]
        return [
            r
            for r in self._d.store.members(status="approved")
            if role in r.roles
            and (not words or any(w in e.lower() for e in r.expertise for w in words))
        ]
