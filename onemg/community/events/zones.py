"""Time zones of events: local times in, UTC instants stored, times shown in the reader's zone.

An organiser says "Wed 12 October 2022, 12:00" in the event's zone (``Europe/Brussels`` for
"CET": Central European local time, which on that day was summer time, CEST, UTC+2). It is
stored as the UTC instant (10:00 UTC) and shown to each reader in their chosen zone, and always
in Central European time too, with the abbreviation the zone really had on that date.

Local times that do not exist (the hour skipped when clocks go forward) or that happen twice
(the hour repeated when clocks go back) are refused with a message saying how to fix them,
unless the input names its UTC offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from onemg.errors import InvalidInputError

#: The project's reference zone ("CET" on the 1+MG pages): Central European local time.
CET = "Europe/Brussels"


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (InvalidInputError naming it when unknown)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Brussels or "
            "America/New_York"
        ) from None


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name (sorted), for the reader's choice."""
    skip = ("Etc/", "SystemV/", "US/", "posix/", "right/")
    names = sorted(n for n in available_timezones() if "/" in n and not n.startswith(skip))
    return (*names, "UTC")


def to_utc(local: str | datetime, tz: str) -> datetime:
    """The UTC instant of ``local`` (ISO 8601, ``2022-10-12 12:00``) in zone ``tz``.

    An input with an explicit offset (``2022-10-30T02:30+01:00``) is taken as it says.

    Raises:
        InvalidInputError: unparsable text, an unknown zone, or a local time that does not
            exist or is ambiguous in ``tz`` (the message says which and what to write instead).
    """
    zi = zone(tz)
    if isinstance(local, str):
        try:
            when = datetime.fromisoformat(local.strip())
        except ValueError:
            raise InvalidInputError(
                f"{local!r} is not a date and time; write it as 2022-10-12 12:00"
            ) from None
    else:
        when = local
    if when.tzinfo is not None:
        return when.astimezone(UTC)
    first, second = when.replace(tzinfo=zi, fold=0), when.replace(tzinfo=zi, fold=1)
    instant = first.astimezone(UTC)
    if instant.astimezone(zi).replace(tzinfo=None) != when:
        raise InvalidInputError(
            f"{when:%Y-%m-%d %H:%M} does not exist in {tz} (the clocks skip that hour); "
            "choose a time after the change"
        )
    if first.utcoffset() != second.utcoffset():
        return _refuse_ambiguous(when, tz, first, second)
    return instant


def _refuse_ambiguous(when: datetime, tz: str, first: datetime, second: datetime) -> datetime:
    offsets = " or ".join(f"{d.isoformat(timespec='minutes')}" for d in (first, second))
    raise InvalidInputError(
        f"{when:%Y-%m-%d %H:%M} happens twice in {tz} (the clocks go back); write it with "
        f"its UTC offset: {offsets}"
    )


def midnight_utc(day: date, tz: str) -> datetime:
    """The UTC instant at which ``day`` starts in ``tz``."""
    return datetime(day.year, day.month, day.day, tzinfo=zone(tz)).astimezone(UTC)


def from_epoch(seconds: int) -> datetime:
    """An aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(seconds, UTC)


def in_zone(instant: datetime, tz: str) -> datetime:
    """``instant`` as wall-clock time in ``tz``."""
    return instant.astimezone(zone(tz))


def format_instant(instant: datetime, tz: str) -> str:
    """``Wed 12 October 2022, 12:00 CEST`` for ``instant`` in ``tz``."""
    local = in_zone(instant, tz)
    return f"{local:%a} {local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def format_day(day: date) -> str:
    """``Thu 13 October 2022``."""
    return f"{day:%a} {day.day} {day:%B %Y}"


def last_day(starts: datetime, ends: datetime, tz: str) -> date:
    """The last local day of a whole-day range that ends (exclusively) at ``ends``."""
    return (
        (in_zone(ends, tz) - timedelta(seconds=1)).date()
        if ends > starts
        else in_zone(starts, tz).date()
    )
