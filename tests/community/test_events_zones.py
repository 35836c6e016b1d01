"""Time zones of events: stored as UTC instants, shown in the reader's zone and in CET/CEST."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from onemg.community.events.zones import CET, format_instant, to_utc
from onemg.errors import InvalidInputError


def test_the_2022_forum_deadline_is_10_utc_and_reads_right_in_helsinki_and_new_york() -> None:
    # "Wed 12 October 2022, 12:00 CET": Central European local time, summer time that day.
    deadline = to_utc("2022-10-12 12:00", CET)
    assert deadline == datetime(2022, 10, 12, 10, 0, tzinfo=UTC)
    assert format_instant(deadline, CET) == "Wed 12 October 2022, 12:00 CEST"
    assert format_instant(deadline, "Europe/Helsinki") == "Wed 12 October 2022, 13:00 EEST"
    assert format_instant(deadline, "America/New_York") == "Wed 12 October 2022, 06:00 EDT"
    assert format_instant(deadline, "UTC") == "Wed 12 October 2022, 10:00 UTC"


def test_winter_time_is_one_hour_from_utc() -> None:
    noon = to_utc("2022-12-07 12:00", CET)
    assert noon == datetime(2022, 12, 7, 11, 0, tzinfo=UTC)
    assert format_instant(noon, CET) == "Wed 7 December 2022, 12:00 CET"
    assert format_instant(noon, "America/New_York") == "Wed 7 December 2022, 06:00 EST"


def test_between_the_us_and_eu_clock_changes_the_gap_is_five_hours() -> None:
    # The US moved to summer time on 13 March 2022, Europe only on 27 March.
    noon = to_utc("2022-03-20 12:00", CET)
    assert noon == datetime(2022, 3, 20, 11, 0, tzinfo=UTC)
    assert format_instant(noon, "America/New_York") == "Sun 20 March 2022, 07:00 EDT"


def test_a_time_skipped_by_the_spring_change_is_refused_with_the_fix() -> None:
    with pytest.raises(InvalidInputError, match=r"does not exist in Europe/Brussels"):
        to_utc("2022-03-27 02:30", CET)
    # either side of the gap is fine
    assert to_utc("2022-03-27 01:59", CET) == datetime(2022, 3, 27, 0, 59, tzinfo=UTC)
    assert to_utc("2022-03-27 03:00", CET) == datetime(2022, 3, 27, 1, 0, tzinfo=UTC)


def test_a_time_repeated_by_the_autumn_change_needs_its_offset() -> None:
    with pytest.raises(InvalidInputError, match=r"happens twice.*\+02:00 or .*\+01:00"):
        to_utc("2022-10-30 02:30", CET)
    assert to_utc("2022-10-30T02:30+02:00", CET) == datetime(2022, 10, 30, 0, 30, tzinfo=UTC)
    assert to_utc("2022-10-30T02:30+01:00", CET) == datetime(2022, 10, 30, 1, 30, tzinfo=UTC)


def test_bad_input_says_how_to_write_it() -> None:
    with pytest.raises(InvalidInputError, match="write it as 2022-10-12 12:00"):
        to_utc("12/10/2022 noon", CET)
    with pytest.raises(InvalidInputError, match="unknown time zone 'Europe/Atlantis'"):
        to_utc("2022-10-12 12:00", "Europe/Atlantis")
