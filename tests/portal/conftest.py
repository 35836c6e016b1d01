"""Fixtures of the portal tests: a real network (two onemg nodes and a hub, as processes)."""

from __future__ import annotations

from tests.network.conftest import real_network  # noqa: F401  (the session-wide demo network)
