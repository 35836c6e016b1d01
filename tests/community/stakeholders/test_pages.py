"""The portal's pages over a real hub process: registration from the form with the mailed
confirmation link, decisions, CSRF, escaping of drafts and comments, access refusals."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import httpx
import pytest
from sqlalchemy import text

from onemg.portal.basket import Basket
from tests.community.stakeholders.conftest import PASSWORD, LiveHub
from tests.mailserver import text_of


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def _client(hub: LiveHub) -> httpx.Client:
    return httpx.Client(base_url=hub.url, headers={"accept": "text/html"}, timeout=60)


def _login(client: httpx.Client, username: str) -> None:
    token = _csrf(client.get("/login").text)
    r = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/stakeholders",
        },
    )
    assert r.status_code == 303, r.text[-500:]


def _post(
    client: httpx.Client, page: str, action: str, data: dict, files: dict | None = None
) -> httpx.Response:
    return client.post(
        action, data={**data, "csrf_token": _csrf(client.get(page).text)}, files=files
    )


REGISTRATION = {
    "username": "newcomer",
    "password": "a long enough password",
    "email": "new@example.org",
    "name": "Nora Newcomer",
    "organisation": "Patients United",
    "country": "PT",
    "groups": ["citizens"],
    "expertise": "rare diseases, consent",
    "roles": ["early_reviewer"],
    "consent": "1",
}


def test_register_confirm_and_be_approved_through_the_pages(live_hub: LiveHub) -> None:
    live_hub.account("coord", roles=("coordinator",))
    live_hub.account("plain")
    with _client(live_hub) as visitor:
        r = _post(
            visitor,
            "/stakeholders/register",
            "/stakeholders/register",
            {**REGISTRATION, "consent": ""},
        )
        assert r.status_code == 400
        assert "consent: tick the box" in r.text
        assert 'value="Nora Newcomer"' in r.text  # the form comes back filled in
        assert "a long enough password" not in r.text  # ...but never the password
        r = _post(visitor, "/stakeholders/register", "/stakeholders/register", REGISTRATION)
        assert r.status_code == 303
        assert r.headers["location"] == "/stakeholders/me?registered=1"
        me = visitor.get("/stakeholders/me").text
        assert "pending" in me
        assert "not confirmed yet" in me
        mail = live_hub.smtp.wait_for(1, to="new@example.org")[0]
        assert mail.get_body(preferencelist=("plain",)) is not None
        link = re.search(r"(http\S+/account/email/confirm\?token=\S+)", text_of(mail)).group(1)
    with _client(live_hub) as plain:
        _login(plain, "plain")
        assert plain.get("/stakeholders/registrations").status_code == 403
        r = _post(
            plain, "/stakeholders", "/stakeholders/registrations", {"decide": "approve:whoever"}
        )
        assert r.status_code == 403
    with _client(live_hub) as coord:
        _login(coord, "coord")
        page = coord.get("/stakeholders/registrations").text
        assert "Nora Newcomer" in page
        sub = re.search(r'value="approve:([0-9a-f]+)"', page).group(1)
        r = _post(
            coord,
            "/stakeholders/registrations",
            "/stakeholders/registrations",
            {"decide": f"approve:{sub}"},
        )
        assert r.status_code == 409
        assert "not confirmed their e-mail address" in r.text
        assert httpx.get(link, follow_redirects=False).status_code == 303  # confirms
        r = _post(
            coord,
            "/stakeholders/registrations",
            "/stakeholders/registrations",
            {"decide": f"approve:{sub}"},
        )
        assert r.status_code == 303
        assert "Nora Newcomer" not in coord.get("/stakeholders/registrations").text
    assert "stakeholder" in live_hub.web.site_roles.roles_of(sub)


def test_forms_need_a_fresh_csrf_token(live_hub: LiveHub) -> None:
    with _client(live_hub) as visitor:
        r = visitor.post("/stakeholders/register", data=REGISTRATION)
        assert r.status_code == 403
        assert "this form has expired" in r.text
        token = _csrf(visitor.get("/stakeholders/register").text)
        data = {**REGISTRATION, "csrf_token": token, "consent": ""}
        assert visitor.post("/stakeholders/register", data=data).status_code == 400
        assert visitor.post("/stakeholders/register", data=data).status_code == 403  # used
    assert live_hub.smtp.messages == []


def test_registrations_from_one_client_are_limited(live_hub: LiveHub) -> None:
    with _client(live_hub) as visitor:
        codes = []
        for n in range(7):
            r = _post(
                visitor,
                "/stakeholders/register",
                "/stakeholders/register",
                {**REGISTRATION, "username": f"bulk{n}", "email": f"b{n}@example.org"},
            )
            codes.append(r.status_code)
            visitor.cookies.clear()
    assert codes[:5] == [303] * 5
    assert codes[-1] == 429


def test_script_in_a_draft_or_a_comment_stays_inert(live_hub: LiveHub) -> None:
    live_hub.account("lead", roles=("wp_leader", "coordinator"))
    draft = (
        b"# Scope <script>alert('h')</script>\n\nA [link](javascript:alert(1)) and "
        b"<img src=x onerror=alert(2)>.\n"
    )
    with _client(live_hub) as lead:
        _login(lead, "lead")
        r = _post(
            lead,
            "/stakeholders/rounds",
            "/stakeholders/drafts",
            {"title": "<b>T</b>", "wp": "WP1"},
            files={"file": ("d.md", draft, "text/markdown")},
        )
        assert r.status_code == 303, r.text[-800:]
        draft_page = r.headers["location"]
        deadline = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 86400))
        r = _post(
            lead,
            draft_page,
            f"{draft_page}/rounds",
            {"kind": "early_review", "title": "R", "deadline": deadline, "zone": "UTC"},
        )
        assert r.status_code == 303, r.text[-800:]
        round_url = r.headers["location"]
        html = lead.get(round_url).text
    assert_inert(html)
    assert "&lt;script&gt;alert" in html  # shown as text


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """No script without src, no event-handler attribute, no javascript: link in ``html``."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag != "script" or attrs.get("src"), attrs
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for key in ("href", "src", "action"):
            assert not (attrs.get(key) or "").strip().lower().startswith("javascript:"), attrs


def test_a_stakeholder_cannot_download_a_wp_only_document(live_hub: LiveHub) -> None:
    live_hub.account("coord", roles=("coordinator",))
    live_hub.account("member", roles=("stakeholder",))
    with _client(live_hub) as coord:
        _login(coord, "coord")
        for access in ("wp", "stakeholders"):
            r = _post(
                coord,
                "/stakeholders/documents",
                "/stakeholders/documents",
                {"title": f"{access} notes", "access": access, "description": ""},
                files={"file": (f"{access}.html", b"<script>x</script>", "text/html")},
            )
            assert r.status_code == 303
        listing = coord.get("/stakeholders/documents").text
        ids = dict(
            re.findall(
                r'/stakeholders/documents/(\d+)/download\?version=1">version 1: '
                r"(\w+)\.html",
                listing,
            )
        )
        ids = {name: doc for doc, name in ids.items()}
    with _client(live_hub) as member:
        _login(member, "member")
        listing = member.get("/stakeholders/documents").text
        assert "stakeholders notes" in listing
        assert "wp notes" not in listing
        r = member.get(f"/stakeholders/documents/{ids['wp']}/download")
        assert r.status_code == 403
        assert "work package members only" in r.text
        r = member.get(f"/stakeholders/documents/{ids['stakeholders']}/download")
        assert r.status_code == 200
        # Uploaded HTML is served as a download, never rendered in the hub's origin.
        assert r.headers["content-disposition"].startswith("attachment;")
        assert "nosniff" in r.headers["x-content-type-options"]
    with _client(live_hub) as visitor:
        r = visitor.get(
            f"/stakeholders/documents/{ids['stakeholders']}/download", follow_redirects=False
        )
        assert r.status_code in (303, 403)


@pytest.mark.parametrize(
    "path",
    [
        "/stakeholders",
        "/stakeholders/register",
        "/stakeholders/directory",
        "/stakeholders/documents",
        "/stakeholders/actions",
    ],
)
def test_public_pages_have_the_strict_csp(live_hub: LiveHub, path: str) -> None:
    r = httpx.get(live_hub.url + path, headers={"accept": "text/html"})
    assert r.status_code == 200
    assert "unsafe-inline" not in r.headers["content-security-policy"]
    assert "<style" not in r.text


def test_deleting_the_account_signs_out_every_browser(live_hub: LiveHub) -> None:
    sub = live_hub.web.accounts.create("leaver", PASSWORD).sub
    Basket(live_hub.web.engine).add(sub, "fi", "synth-fi-s7")
    with _client(live_hub) as here, _client(live_hub) as elsewhere:
        _login(here, "leaver")
        _login(elsewhere, "leaver")
        assert elsewhere.get("/stakeholders/me").status_code == 200
        # Without the confirmation box nothing happens.
        r = _post(here, "/stakeholders/me", "/stakeholders/me/delete-account", {})
        assert r.status_code == 400
        assert "tick the box" in r.text
        assert elsewhere.get("/stakeholders/me").status_code == 200
        r = _post(here, "/stakeholders/me", "/stakeholders/me/delete-account", {"confirm": "1"})
        assert r.status_code == 200
        assert "Your account is deleted" in r.text
        # The other browser's session went with the account, and so did the basket.
        r = elsewhere.get("/stakeholders/me")
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login")
        assert Basket(live_hub.web.engine).items(sub) == []
        with live_hub.web.engine.connect() as c:
            left = c.execute(text("SELECT count(*) FROM web_sessions WHERE sub = :s"), {"s": sub})
            assert left.scalar_one() == 0
        # And the name cannot log in any more.
        token = _csrf(here.get("/login").text)
        r = here.post(
            "/login",
            data={"username": "leaver", "password": PASSWORD, "csrf_token": token, "next": "/"},
        )
        assert r.status_code in (400, 401)
        assert here.get("/stakeholders/me").status_code == 303
