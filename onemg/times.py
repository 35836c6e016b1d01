"""Times as API answers show them: ISO 8601 in UTC, never epoch numbers.

Stores keep epoch seconds (cheap to compare); answers, like the audit log, say when in a form a
person and any ISO 8601 parser can read: ``2026-12-04T07:30:00Z``.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(seconds: float | None) -> str | None:
    """``seconds`` since the epoch as ISO 8601 UTC (``Z``); milliseconds only when present."""
    if seconds is None:
        return None
    when = datetime.fromtimestamp(seconds, UTC)
    spec = "seconds" if float(seconds).is_integer() else "milliseconds"
    return when.isoformat(timespec=spec).replace("+00:00", "Z")


#: The zone the community site shows times in besides UTC (the 1+MG secretariat's, CET/CEST).
SITE_ZONE = "Europe/Brussels"


def in_zone(seconds: float, zone: str = SITE_ZONE) -> str:
    """``seconds`` since the epoch as a person reads it in ``zone``, the zone named.

    ``in_zone(1665655200)`` is ``"13 October 2022, 12:00 CEST"``: the abbreviation comes from the
    tz database, so summer time is right on either side of the change.
    """
    from zoneinfo import ZoneInfo

    when = datetime.fromtimestamp(seconds, UTC).astimezone(ZoneInfo(zone))
    return f"{when.day} {when:%B %Y, %H:%M} {when.tzname()}"


def instant_in_zone(date: str, time: str, zone: str) -> int:
    """The UTC instant (epoch seconds) of wall-clock ``date`` ``time`` in ``zone``.

    ``date`` is YYYY-MM-DD and ``time`` HH:MM; a wall-clock time that a summer-time change
    makes ambiguous is read as the first of the two (``fold=0``).

    Raises:
        InvalidInputError: a field is not in the expected form, or the zone is unknown.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from onemg.errors import InvalidInputError

    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"time zone {zone!r}: not known; use e.g. Europe/Brussels or UTC"
        ) from None
    try:
        wall = datetime.strptime(f"{date} {time or '00:00'}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise InvalidInputError(
            f"date {date!r} / time {time!r}: use YYYY-MM-DD and HH:MM (24-hour clock)"
        ) from None
    return int(wall.replace(tzinfo=tz).timestamp())
