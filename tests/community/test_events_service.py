"""Registration rules on SQLite and a real PostgreSQL: places, waiting list, promotion,
deadlines, ownership, and two registrations racing for the last place."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from onemg.access.store import AuditStore
from onemg.community.events.service import RegistrationRefusedError
from onemg.errors import AccessDeniedError, ConflictError, InvalidInputError, RateLimitedError
from tests.community.conftest import Clock, forum

OPEN = datetime(2022, 10, 1, 12, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def setup(events_factory, db_url: str):  # noqa: ANN001, ANN201
    clock = Clock(OPEN)
    service, web = events_factory(db_url, clock=clock)
    forum(service)
    return service, web, clock


def test_places_then_waiting_list_then_promotion_in_order(setup) -> None:  # noqa: ANN001
    service, web, _ = setup
    a = service.register("forum", email="a@example.org", name="A", session_key="rare-disease")
    b = service.register("forum", email="b@example.org", name="B", session_key="rare-disease")
    # the rare-disease session (2 places) is full: C waits although the event has room
    c = service.register("forum", email="c@example.org", name="C", session_key="rare-disease")
    d = service.register("forum", email="d@example.org", name="D", session_key="cancer")
    # the event (3 places) is full now: E waits for a cancer place
    e = service.register("forum", email="e@example.org", name="E", session_key="cancer")
    assert [r.status for r in (a, b, c, d, e)] == ["confirmed"] * 2 + ["waiting"] + [
        "confirmed",
        "waiting",
    ]
    assert [service.position(r) for r in (c, e)] == [1, 2]
    assert service.sessions_of("forum")[0].key == "rare-disease"
    assert {r.email for r in service.participants("forum")} == {
        "a@example.org",
        "b@example.org",
        "d@example.org",
    }
    assert [r.email for r in service.participants("forum", session_key="cancer")] == [
        "d@example.org"
    ]

    # B cancels: C (first in line, same session) is promoted in the same transaction
    cancelled, promoted = service.cancel(b.id, link_email="B@example.org")
    assert cancelled.status == "cancelled"
    assert [p.email for p in promoted] == ["c@example.org"]
    assert service.registration(c.id).status == "confirmed"
    assert service.registration(e.id).status == "waiting"
    assert service.position(service.registration(e.id)) == 1
    # cancelling twice changes nothing and promotes nobody
    assert service.cancel(b.id, link_email="b@example.org")[1] == []
    # D cancels: E (waiting for cancer) gets the place
    assert [p.email for p in service.cancel(d.id, link_email="d@example.org")[1]] == [
        "e@example.org"
    ]
    places = service.places("forum")
    assert places.event_taken == 3
    actions = [(r.action, r.result) for r in AuditStore(web.engine).entries()]
    assert ("events.promote", "granted") in actions
    assert actions.count(("events.register", "granted")) == 5


def test_a_waiting_registration_that_cancels_frees_nothing(setup) -> None:  # noqa: ANN001
    service, _, _ = setup
    service.register("forum", email="a@example.org", name="A", session_key="cancer")
    w1 = service.register("forum", email="b@example.org", name="B", session_key="cancer")
    w2 = service.register("forum", email="c@example.org", name="C", session_key="cancer")
    assert service.cancel(w1.id, link_email="b@example.org")[1] == []
    assert service.position(service.registration(w2.id)) == 1


def test_registration_is_refused_before_opening_after_deadline_and_when_full(
    events_factory, db_url: str
) -> None:  # noqa: ANN001
    clock = Clock(datetime(2022, 8, 31, 12, 0, tzinfo=UTC).timestamp())
    service, _ = events_factory(db_url, clock=clock)
    forum(service)
    with pytest.raises(RegistrationRefusedError, match="opens on Thu 1 September 2022, 09:00 CEST"):
        service.register("forum", email="a@example.org", name="A", session_key="cancer")
    # one second before the deadline (10:00 UTC) it works; at the deadline it is refused
    clock.now = datetime(2022, 10, 12, 9, 59, 59, tzinfo=UTC).timestamp()
    service.register("forum", email="a@example.org", name="A", session_key="cancer")
    clock.now = datetime(2022, 10, 12, 10, 0, tzinfo=UTC).timestamp()
    with pytest.raises(
        RegistrationRefusedError,
        match=r"closed on Wed 12 October 2022, 12:00 CEST \(the deadline\)",
    ):
        service.register("forum", email="b@example.org", name="B", session_key="cancer")
    clock.now = OPEN
    forum(service, "no-queue", waiting_list=False, capacity=1, sessions=[])
    service.register("no-queue", email="a@example.org", name="A")
    with pytest.raises(RegistrationRefusedError, match="is full and has no waiting list"):
        service.register("no-queue", email="b@example.org", name="B")


def test_bad_requests_are_refused_with_what_to_fix(setup) -> None:  # noqa: ANN001
    service, _, _ = setup
    with pytest.raises(InvalidInputError, match="choose one of the parallel sessions"):
        service.register("forum", email="a@example.org", name="A")
    with pytest.raises(InvalidInputError, match="'opera'"):
        service.register("forum", email="a@example.org", name="A", session_key="opera")
    with pytest.raises(InvalidInputError, match="not valid"):
        service.register("forum", email="not-an-address", name="A", session_key="cancer")
    service.register("forum", email="a@example.org", name="A", session_key="cancer")
    with pytest.raises(ConflictError, match="already registered"):
        service.register("forum", email="A@Example.org", name="A", session_key="rare-disease")
    with pytest.raises(InvalidInputError, match="does not exist in Europe/Brussels"):
        forum(service, "gap", start="2022-03-27 02:30", end="2022-03-27 05:00")


def test_only_the_registrant_can_cancel(setup) -> None:  # noqa: ANN001
    service, web, _ = setup
    mine = service.register(
        "forum", email="a@example.org", name="A", session_key="cancer", sub="sub-a"
    )
    with pytest.raises(AccessDeniedError, match="not yours"):
        service.cancel(mine.id, actor_sub="sub-b")
    with pytest.raises(AccessDeniedError, match="not yours"):
        service.cancel(mine.id, link_email="b@example.org")
    with pytest.raises(AccessDeniedError):
        service.cancel(mine.id)
    assert service.registration(mine.id).status == "confirmed"
    assert service.cancel(mine.id, actor_sub="sub-a")[0].status == "cancelled"
    denied = [
        r
        for r in AuditStore(web.engine).entries()
        if r.action == "events.cancel" and r.result == "denied"
    ]
    assert len(denied) == 3


@pytest.mark.parametrize("waiting_list", [True, False])
def test_two_registrations_racing_for_the_last_place_get_it_exactly_once(
    events_factory, db_url: str, waiting_list: bool
) -> None:  # noqa: ANN001
    clock = Clock(OPEN)
    service, _ = events_factory(db_url, clock=clock)
    rounds = 8
    for n in range(rounds):
        forum(service, f"race-{n}", capacity=1, sessions=[], waiting_list=waiting_list)
    outcomes: dict[int, list[str]] = {n: [] for n in range(rounds)}
    lock = threading.Lock()

    def attempt(n: int, who: str, barrier: threading.Barrier) -> None:
        barrier.wait()
        try:
            reg = service.register(f"race-{n}", email=f"{who}@example.org", name=who)
            result = reg.status
        except RegistrationRefusedError:
            result = "refused"
        with lock:
            outcomes[n].append(result)

    for n in range(rounds):
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=attempt, args=(n, who, barrier)) for who in "xy"]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    loser = "waiting" if waiting_list else "refused"
    for n in range(rounds):
        assert sorted(outcomes[n]) == sorted(["confirmed", loser]), outcomes
        assert service.places(f"race-{n}").event_taken == 1


def test_confirmation_mails_to_one_address_are_limited(setup) -> None:  # noqa: ANN001
    service, _, clock = setup
    for _ in range(3):
        service.allow_confirmation_mail("victim@example.org")
    with pytest.raises(RateLimitedError, match="already sent 3 confirmation mails"):
        service.allow_confirmation_mail("Victim@Example.org ")
    service.allow_confirmation_mail("someone-else@example.org")
    clock.now += 3601
    service.allow_confirmation_mail("victim@example.org")


def test_forgetting_a_person_deletes_their_registrations_and_moves_the_queue(setup) -> None:  # noqa: ANN001
    service, _, _ = setup
    service.register("forum", email="a@example.org", name="A", session_key="cancer", sub="s-a")
    waiting = service.register("forum", email="b@example.org", name="B", session_key="cancer")
    promoted = service.forget(sub="s-a")
    assert [p.id for p in promoted] == [waiting.id]
    assert service.store.registrations_by(sub="s-a") == []
    assert [r.email for r in service.registrations("forum")] == ["b@example.org"]
    assert service.forget(email="B@example.org") == []
    assert service.registrations("forum") == []
    with pytest.raises(InvalidInputError, match="give an account or an e-mail"):
        service.forget()
