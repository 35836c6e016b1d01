"""Browser tests' shared parts: Debian's Chromium through Playwright, and the axe-core check.

Playwright never downloads a browser here: it drives ``/usr/bin/chromium`` (installed by
``scripts/ensure-system-deps test``). axe-core comes inside the axe-playwright-python wheel.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser() -> Iterator[object]:
    """A headless Chromium, closed after the test."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.fail("Chromium is missing: run scripts/ensure-system-deps test")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def assert_accessible(page) -> None:  # noqa: ANN001
    """No serious or critical axe-core violation on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: {bad}"
