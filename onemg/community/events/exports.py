"""The attendee list as CSV, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a
formula by Excel, LibreOffice and Google Sheets (CSV injection, OWASP); such cells get a leading
apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io

from onemg.community.events.records import Event, Registration
from onemg.times import iso_utc

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ("name", "email", "status", "workshop_session", "registered_at_utc", "waiting_position")


def safe_cell(value: object) -> str:
    """``value`` as text that a spreadsheet will not evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def attendees_csv(event: Event, registrations: list[Registration]) -> str:
    """Confirmed attendees then the waiting list (in order), one row each."""
    sessions = {s.id: s.title for s in event.sessions}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    position = 0
    for reg in sorted(registrations, key=lambda r: (r.status != "confirmed", r.queued_at, r.id)):
        position += reg.status == "waiting"
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    reg.name,
                    reg.email,
                    reg.status,
                    sessions.get(reg.session_id or -1, ""),
                    iso_utc(reg.queued_at.timestamp()),
                    position if reg.status == "waiting" else "",
                )
            ]
        )
    return out.getvalue()
