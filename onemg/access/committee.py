"""What a committee member sees of an application: who applied, and the DUO advice with reasons.

The node knows applicants by their pseudonymous subject only. Where the committee can read the
hub's account directory (``--hub-data-dir``: the hub and node run side by side, as in the demo or
a national deployment hosting both), the applicant's username and affiliation are shown as the
hub knows them; otherwise the view says they are unknown here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onemg.access.applications import Application
from onemg.access.duo import Advice
from onemg.access.schemas import advice_view, application_view


@dataclass(frozen=True)
class Applicant:
    """An applicant as the hub knows them."""

    name: str | None = None
    affiliation: str | None = None


def hub_directory(
    hub_data_dir: Path, database_url: str | None = None
) -> Callable[[str], Applicant]:
    """``subject -> Applicant`` from a hub's account database."""
    from onemg.access.store import AccountStore
    from onemg.datadir import require
    from onemg.db import make_engine
    from onemg.settings import load_settings

    settings = load_settings(require(hub_data_dir, "hub"), database_url=database_url)
    store = AccountStore(make_engine(settings.db_url))

    def lookup(sub: str) -> Applicant:
        record = store.by_sub(sub)
        return Applicant(record.username, record.affiliation) if record else Applicant()

    return lookup


def committee_view(
    app: Application, *, now: int, applicant: Applicant, advice: Mapping[str, Advice]
) -> dict[str, Any]:
    """The application's JSON view plus the applicant's name and affiliation and DUO advice."""
    return {
        **application_view(app, now=now),
        "applicantName": applicant.name,
        "applicantAffiliation": applicant.affiliation,
        "duoAdvice": {ds: advice_view(a) for ds, a in advice.items()},
    }
