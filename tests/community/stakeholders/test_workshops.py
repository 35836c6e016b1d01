"""Workshop invitations on the community site's events: coordinators invite matching experts,
members accept or decline, materials are for those who accepted."""

from __future__ import annotations

import pytest

from onemg.errors import AccessDeniedError, InvalidInputError, UnavailableError
from tests.community.stakeholders.conftest import Hub


def test_without_the_events_part_workshops_say_so(hub: Hub) -> None:
    with pytest.raises(UnavailableError, match="need the events part"):
        hub.portal.workshops.upcoming()
    assert hub.portal.workshops.invitations_of("nobody") == []


def test_invite_matching_experts_who_accept_and_then_read_the_materials(hub: Hub) -> None:
    events_wiring = pytest.importorskip("onemg.community.events.wiring")
    events = events_wiring.build_service(hub.web)
    hub.portal.deps.events = lambda: events
    events.create(
        id="ws-rare",
        name="Rare disease data workshop",
        timezone="Europe/Brussels",
        start="2099-03-01T09:00",
        end="2099-03-01T17:00",
        wp="WP1",
    )
    coord = hub.account("coord", roles=("coordinator",))
    expert = hub.member(
        "expert",
        coordinator=coord,
        roles=("workshop_expert",),
        expertise=("rare diseases", "consent"),
    )
    other = hub.member(
        "other", coordinator=coord, roles=("workshop_expert",), expertise=("cancer",)
    )
    reviewer = hub.member(
        "reviewer", coordinator=coord, roles=("early_reviewer",), expertise=("rare diseases",)
    )
    workshops = hub.portal.workshops
    assert [e.id for e in workshops.upcoming()] == ["ws-rare"]
    assert [m.sub for m in workshops.candidates(coord, "rare")] == [expert.sub]
    with pytest.raises(AccessDeniedError):
        workshops.candidates(expert, "rare")
    with pytest.raises(AccessDeniedError):
        workshops.invite(expert, "ws-rare", [other.sub])
    with pytest.raises(InvalidInputError, match="volunteered as workshop experts"):
        workshops.invite(coord, "ws-rare", [reviewer.sub])
    before = len(hub.smtp.messages)
    assert workshops.invite(coord, "ws-rare", [expert.sub], link="http://hub/") == 1
    assert workshops.invite(coord, "ws-rare", [expert.sub]) == 0  # once
    mail = hub.smtp.wait_for(before + 1)[-1]
    assert mail["Subject"] == "Invitation: Rare disease data workshop"

    doc = hub.portal.library.upload(
        coord,
        title="Workshop agenda",
        description="",
        access="workshop",
        round_id=None,
        event_id="ws-rare",
        filename="agenda.txt",
        data=b"09:00 welcome",
    )
    with pytest.raises(AccessDeniedError):
        hub.portal.library.download(expert, doc)
    workshops.answer(expert, "ws-rare", "accepted")
    assert hub.portal.library.download(expert, doc).data == b"09:00 welcome"
    with pytest.raises(AccessDeniedError):
        hub.portal.library.download(other, doc)
    workshops.answer(expert, "ws-rare", "declined")
    with pytest.raises(AccessDeniedError):
        hub.portal.library.download(expert, doc)
    assert [(i.sub, i.status) for i in workshops.invitations(coord, "ws-rare")] == [
        (expert.sub, "declined")
    ]
    ((invitation, event),) = workshops.invitations_of(expert.sub)
    assert event.name == "Rare disease data workshop"


def test_account_deletion_also_deletes_event_registrations(hub: Hub) -> None:
    events_wiring = pytest.importorskip("onemg.community.events.wiring")
    events = events_wiring.build_service(hub.web)
    hub.portal.deps.events = lambda: events
    events.create(
        id="forum",
        name="Stakeholder forum",
        timezone="Europe/Brussels",
        start="2099-10-13T09:00",
        end="2099-10-13T17:00",
        registration=True,
        capacity=1,
    )
    coord = hub.account("coord", roles=("coordinator",))
    gone = hub.member("gone", coordinator=coord)
    events.register("forum", email="gone@example.org", name="Gone", sub=gone.sub)
    nxt = events.register("forum", email="next@example.org", name="Next")
    assert nxt.status == "waiting"
    promoted = hub.portal.registrations.delete_account(gone.sub)
    assert [r.email for r in promoted] == ["next@example.org"]
    assert [r.email for r in events.registrations("forum")] == ["next@example.org"]
