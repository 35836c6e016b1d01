"""The MLM's pages and API over a real hub: login, sessions, CSRF, CSP, error pages, exports."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from pypdf import PdfReader

from tests.governance.conftest import DEMO_PASSWORD


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def _login(client: httpx.Client, username: str) -> None:
    token = _csrf(client.get("/login").text)
    r = client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token, "next": "/mlm"},
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/mlm"


@pytest.fixture
def client(live_hub: str):  # noqa: ANN201
    with httpx.Client(base_url=live_hub, headers={"accept": "text/html"}, timeout=60) as c:
        yield c


def test_model_page_is_public_with_a_strict_csp_and_no_inline_script(client) -> None:  # noqa: ANN001
    r = client.get("/mlm/model")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "Indicator 49" in r.text
    assert '<dfn class="term" title="Within one institution only' in r.text  # glossary tooltip
    for tag in re.findall(r"<script[^>]*>", r.text):
        assert "src=" in tag, f"inline script: {tag}"
    model = client.get("/api/mlm/model").json()
    assert len(model["domains"]) == 8
    assert sum(len(s["indicators"]) for d in model["domains"] for s in d["subdomains"]) == 49
    assert "/api/mlm/model" in client.get("/api/openapi.json").json()["paths"]
    js = client.get("/static/vendor/plotly.min.js")
    assert js.status_code == 200
    assert len(js.content) > 1_000_000
    assert ".js-plotly-plot .plotly .main-svg" in client.get("/static/vendor/plotly.css").text


def test_pages_need_login_and_the_cookie_is_safe(client) -> None:  # noqa: ANN001
    r = client.get("/mlm/assessments/1")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/mlm/assessments/1"
    token = _csrf(client.get("/login").text)
    r = client.post(
        "/login",
        data={"username": "coord-aurelia", "password": "wrong-password", "csrf_token": token},
    )
    assert r.status_code == 401
    assert "Wrong username or password" in r.text
    _login(client, "coord-aurelia")
    cookie = next(h for h in client.cookies.jar)
    assert cookie.name == "onemg_session"
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert client.get("/mlm").status_code == 200
    assert "Aurelia national assessment 2026" in client.get("/mlm").text


def test_forms_without_or_with_a_reused_csrf_token_are_refused(client) -> None:  # noqa: ANN001
    _login(client, "coord-aurelia")
    r = client.post("/mlm/assessments", data={"system_id": "demo-aurelia", "title": "x"})
    assert r.status_code == 403
    assert "this form has expired or was already sent" in r.text
    assert "Traceback" not in r.text
    assert r.headers["content-type"].startswith("text/html")
    token = _csrf(client.get("/mlm").text)
    form = {
        "system_id": "demo-aurelia",
        "title": "CSRF test",
        "csrf_token": token,
        "target_level": "3",
    }
    assert client.post("/mlm/assessments", data=form).status_code == 303
    assert client.post("/mlm/assessments", data=form).status_code == 403  # reused
    form["csrf_token"] = "forged"
    assert client.post("/mlm/assessments", data=form).status_code == 403


def test_error_page_is_html_for_people_and_json_for_the_api(client) -> None:  # noqa: ANN001
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert "This page does not exist" in r.text
    api = client.get("/api/mlm/assessments", headers={"accept": "application/json"})
    assert api.status_code == 401
    assert api.json()["error"]["errorCode"] == 401
    _login(client, "coord-borealia")
    r = client.get("/mlm/assessments/2")  # Aurelia's: invisible to Borealia
    assert r.status_code == 404
    assert "not exist, or you do not have access" in r.text


def _app(data_dir):  # noqa: ANN001, ANN202
    from onemg.network.config import NetworkConfig
    from onemg.settings import Settings
    from onemg.web.hub_app import create_hub_app

    return create_hub_app(Settings(data_dir=data_dir), NetworkConfig(), refresh_on_start=False)


async def test_session_cookie_is_secure_over_tls(demo_copy) -> None:  # noqa: ANN001
    transport = httpx.ASGITransport(app=_app(demo_copy))
    async with httpx.AsyncClient(transport=transport, base_url="https://hub.test") as c:
        r = await c.get("/login")
        header = r.headers["set-cookie"]
        assert header.startswith("__Host-onemg_session=")
        assert "Secure" in header
        assert "HttpOnly" in header
        assert "SameSite=lax" in header


async def test_unexpected_errors_show_no_internals(demo_copy) -> None:  # noqa: ANN001
    app = _app(demo_copy)

    def broken() -> None:
        raise RuntimeError("secret internal detail")

    app.state.mlm = broken
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
        r = await c.get("/mlm/model", headers={"accept": "text/html"})
        assert r.status_code == 500
        assert "Something went wrong on our side" in r.text
        assert "secret internal detail" not in r.text
        assert "Traceback" not in r.text


def test_exports_csv_json_and_a_pdf_with_charts_and_gap_list(client) -> None:  # noqa: ANN001
    _login(client, "coord-aurelia")
    doc = client.get("/mlm/assessments/2/export.json").json()
    assert doc["assessment"]["system"]["fictional"] is True
    assert doc["domainSummaries"]["derived"] is True
    assert doc["progress"]["previousAssessment"] == 1
    csv_text = client.get("/mlm/assessments/2/export.csv").text
    assert csv_text.splitlines()[0].startswith("system,assessment,model_version,indicator")
    assert len(csv_text.splitlines()) == 50
    pdf = client.get("/mlm/assessments/2/export.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Radar chart: all domains" in text
    assert "Indicator heat map" in text  # the heat map's own title, drawn in the chart
    assert "Ind. 01" in text  # a radar chart's axis label
    assert "Gap list" in text
    first_gap = doc["gaps"][0]["nextStep"]
    assert first_gap[:30] in text.replace("\n", " ")


def test_benchmark_suppresses_with_three_systems(client) -> None:  # noqa: ANN001
    _login(client, "coord-aurelia")
    r = client.get("/mlm/assessments/2/benchmark")
    assert r.status_code == 200
    assert "3 health system(s) share" in r.text
    assert "appear from 5 systems" in r.text  # distribution hidden below five
    data = client.get("/api/mlm/assessments/2/benchmark").json()
    assert data["systemsShared"] == 3
    assert all(row["distribution"] is None and row["highest"] is None for row in data["indicators"])
    assert all(row["median"] is not None for row in data["indicators"])
    europe = client.get("/mlm/benchmark")
    assert "cross-Europe views appear from 5" in europe.text


def test_json_api_with_a_hub_access_token(live_hub: str) -> None:
    with httpx.Client(base_url=live_hub, timeout=60) as c:
        login = c.post(
            "/oidc/login", json={"username": "expert-borealia-1", "password": DEMO_PASSWORD}
        )
        assert login.status_code == 200
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        mine = c.get("/api/mlm/assessments", headers=auth).json()
        assert {a["system"] for a in mine} == {"demo-borealia"}
        assert all(a["roles"] == ["expert"] for a in mine)
        assert c.get("/api/mlm/assessments/1", headers=auth).status_code == 404  # Aurelia's
        own = mine[-1]["id"]
        r = c.put(f"/api/mlm/assessments/{own}/ratings/01", headers=auth, json={"level": 4})
        assert r.status_code == 409  # finalised: read-only
        assert "read-only" in r.json()["error"]["errorMessage"]
        r = c.put(f"/api/mlm/assessments/{own}/ratings/01", json={"level": 4})
        assert r.status_code == 401
        bad = {"Authorization": "Bearer not-a-token"}
        assert c.get("/api/mlm/assessments", headers=bad).status_code == 401


def test_logout_ends_the_session_and_login_replaces_it(client) -> None:  # noqa: ANN001
    client.get("/login")
    before = client.cookies.get("onemg_session")
    _login(client, "coord-cascadia")
    after = client.cookies.get("onemg_session")
    assert before
    assert after
    assert before != after
    token = _csrf(client.get("/mlm").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    replay = httpx.Client(
        base_url=str(client.base_url),
        cookies={"onemg_session": after},
        headers={"accept": "text/html"},
    )
    with replay:
        r = replay.get("/mlm/benchmark")
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login")


def test_coordinator_sets_the_agreement_rule(client) -> None:  # noqa: ANN001
    _login(client, "coord-aurelia")
    form = {
        "system_id": "demo-aurelia",
        "title": "Strict rule",
        "target_level": "3",
        "agreement_pct": "100",
        "lenient_pct": "90",
        "tolerance": "0",
        "csrf_token": _csrf(client.get("/mlm").text),
    }
    r = client.post("/mlm/assessments", data=form)
    aid = int(r.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/mlm/assessments/{aid}").text
    assert "at least 100.0% of ratings within ±0 level" in page
    form.update(lenient_pct="120", csrf_token=_csrf(client.get("/mlm").text))
    r = client.post("/mlm/assessments", data=form)
    assert r.status_code == 400
    assert "lenient_pct" in r.text
