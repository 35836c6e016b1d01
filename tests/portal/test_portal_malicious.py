"""A malicious dataset descriptor, rendered by the real hub in Chromium: nothing in it runs.

A node publishes a dataset whose title and description hold script and markup (what a hostile
or careless data provider could write). The hub shows it on ``/datasets`` and its dataset page;
the browser must run none of it: no dialog opens, no script sets its flag, no event handler or
``javascript:`` link survives, and the harmless markup and the words still show.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest

from onemg.demo.processes import free_port
from onemg.network.config import MemberConfig, NetworkConfig
from onemg.settings import AccessSettings, Settings, load_settings
from onemg.web.hub_app import create_hub_app
from onemg.web.node_app import create_node_app
from tests.beacon.node_data import datasets, write_source
from tests.browser import assert_accessible

pytestmark = pytest.mark.slow
EVIL_TITLE = "Cohort <script>window.__pwned = 'title'; alert('title')</script> of FI"
EVIL_DESCRIPTION = (
    "<p>Blood pressure <strong>cohort</strong>.</p>"
    "<script>window.__pwned = 'script'; alert('script')</script>"
    "<img src=x onerror=\"window.__pwned = 'img'; alert('img')\">"
    "<a href=\"javascript:window.__pwned='link'\" id=evil-link>details</a>"
    "<svg onload=\"window.__pwned='svg'\"></svg><iframe src=\"javascript:alert('frame')\">"
    "</iframe>"
)


def _serve(app) -> tuple[object, threading.Thread, str]:  # noqa: ANN001
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("a test server did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def evil_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real node publishing the malicious dataset, and a real hub over it; the hub's URL."""
    from onemg.ingest import ingest, resolve_inputs

    node = tmp_path_factory.mktemp("evil_node")
    folder = write_source(datasets()[0], tmp_path_factory.mktemp("evil_src") / "ds-evil")
    descriptor = json.loads((folder / "dataset.json").read_text())
    descriptor.update(id="ds-evil", title=EVIL_TITLE, description=EVIL_DESCRIPTION)
    (folder / "dataset.json").write_text(json.dumps(descriptor))
    ingest(
        resolve_inputs(source_dir=folder),
        data_dir=node,
        database_url=f"sqlite:///{node / 'node.db'}",
    )
    servers = []
    node_app = create_node_app(load_settings(node, environ={}))
    servers.append(_serve(node_app))
    node_url = servers[0][2]
    hub_dir = tmp_path_factory.mktemp("evil_hub")
    hub_port = free_port()
    settings = Settings(data_dir=hub_dir).replace(
        access=AccessSettings(public_url=f"http://127.0.0.1:{hub_port}/")
    )
    config = NetworkConfig(
        members=(MemberConfig(id="fi", base_url=f"{node_url}/api", country="FI"),)
    )
    servers.append(_serve(create_hub_app(settings, config)))
    try:
        yield servers[1][2]
    finally:
        for server, thread, _ in servers:
            server.should_exit = True  # type: ignore[attr-defined]
            thread.join(10)


def test_malicious_descriptor_is_inert_in_the_browser(browser, evil_hub: str) -> None:  # noqa: ANN001
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ("/datasets", "/datasets/ds-evil", "/datasets?q=blood"):
        page.goto(evil_hub + path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.__pwned === undefined"), path
        assert page.locator("main script, main iframe, main svg, main [onerror]").count() == 0
        # The title's markup is text, shown as written, not parsed.
        assert "<script>window.__pwned = 'title'" in page.inner_text("main"), path
    # The description keeps its harmless markup and words; the link lost its javascript: URL.
    page.goto(evil_hub + "/datasets/ds-evil")
    assert page.locator("main p:has-text('Blood pressure') strong").inner_text() == "cohort"
    link = page.locator("main a:has-text('details')")
    assert link.count() == 1  # the words stay
    assert not (link.get_attribute("href") or "").strip().lower().startswith("javascript:")
    link.click()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__pwned === undefined")
    assert dialogs == []
    assert_accessible(page)
