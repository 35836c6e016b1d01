"""The portal's services in one object (built once per hub app, see :mod:`.wiring`)."""

from __future__ import annotations

from onemg.community.stakeholders.actions import Actions
from onemg.community.stakeholders.context import Deps
from onemg.community.stakeholders.library import Library
from onemg.community.stakeholders.registration import Registrations
from onemg.community.stakeholders.reviews import Reviews
from onemg.community.stakeholders.workshops import Workshops


class StakeholderPortal:
    """Registration, workshops, review rounds, the library and related actions."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.registrations = Registrations(deps)
        self.reviews = Reviews(deps)
        self.workshops = Workshops(deps, self.registrations)
        self.library = Library(deps, self.reviews, self.workshops)
        self.actions = Actions(deps)
