"""Fixtures of the community-site tests: the events service over a real database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from onemg.community.events.service import EventService, SessionDraft
from onemg.community.events.wiring import build_service
from onemg.settings import Settings
from onemg.web.pages import WebServices
from tests.community.news_hub import news_hub, news_live, serve_hub  # noqa: F401  (news tests)


class Clock:
    """A settable clock (epoch seconds)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def events_factory(tmp_path: Path) -> Iterator[Callable[..., tuple[EventService, WebServices]]]:
    """Build an :class:`EventService` on a database URL (None: SQLite in a temp directory)."""
    made: list[WebServices] = []

    def make(url: str | None = None, *, clock: Callable[[], float] | None = None):  # noqa: ANN202
        web = WebServices.for_settings(
            Settings(data_dir=tmp_path / f"hub{len(made)}", database_url=url)
        )
        made.append(web)
        service = build_service(web)
        if clock is not None:
            service.clock = clock
        return service, web

    yield make
    for web in made:
        web.dispose()


def forum(service: EventService, event_id: str = "forum", **overrides: object) -> None:
    """A timed forum on 13 Oct 2022 with a deadline of Wed 12 Oct 2022, 12:00 Brussels time."""
    fields: dict[str, object] = {
        "id": event_id,
        "name": "Stakeholder Forum",
        "timezone": "Europe/Brussels",
        "start": "2022-10-13 09:30",
        "end": "2022-10-13 16:30",
        "wp": "WP1",
        "organiser": "1+MG/B1MG",
        "contact_email": "coordination@example.org",
        "registration": True,
        "registration_opens": "2022-09-01 09:00",
        "registration_deadline": "2022-10-12 12:00",
        "capacity": 3,
        "sessions": [
            SessionDraft("rare-disease", "Rare disease", 2),
            SessionDraft("cancer", "Cancer", 1),
        ],
    }
    fields.update(overrides)
    service.create(**fields)  # type: ignore[arg-type]
