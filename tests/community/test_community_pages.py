"""News and newsletter pages over a real hub process (``onemg hub serve``) and a real SMTP
server: reading, the editors' pages, CSRF, escaping, access control with audit, and the attacks
(forged tokens, header injection, script in a post, disguised uploads)."""

from __future__ import annotations

import io
import re

import feedparser
import httpx
import pytest
from PIL import Image as PilImage

from onemg.access.store import AuditStore
from onemg.community.newsletter.store import NewsletterStore
from tests.community.news_hub import PASSWORD, Hub
from tests.mailserver import text_of

HTML = {"accept": "text/html"}


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def _client(hub: Hub) -> httpx.Client:
    return httpx.Client(base_url=hub.url, headers=HTML, timeout=30)


def _login(client: httpx.Client, username: str) -> None:
    token = _csrf(client.get("/login").text)
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/news"},
    )
    assert r.status_code == 303, r.text


def _png() -> bytes:
    out = io.BytesIO()
    PilImage.new("RGB", (16, 9), (11, 79, 138)).save(out, "PNG")
    return out.getvalue()


def _audit(hub: Hub) -> list[tuple[str, str, str]]:
    web = hub.web()
    try:
        return [(e.action, e.resource, e.result) for e in AuditStore(web.engine).entries()]
    finally:
        web.dispose()


def test_visitors_read_pages_tags_and_the_feed(news_live: Hub) -> None:
    with _client(news_live) as c:
        r = c.get("/news")
        assert r.status_code == 200
        assert "unsafe-inline" not in r.headers["content-security-policy"]
        assert r.text.count('class="badge demo"') == 8
        assert "The Beyond 1 Million Genomes project begins" in r.text
        forum = c.get("/news", params={"tag": "stakeholder forum"}).text
        assert "Experts debate secure access" in forum
        assert "Country visit videos" not in forum
        assert c.get("/news", params={"page": 2}).status_code == 404  # eight posts: one page
        post = c.get("/news/country-visit-videos-now-online")
        assert post.status_code == 200
        assert '<time datetime="2021-08-17T10:00:00Z">17 August 2021, 12:00 CEST</time>' in (
            post.text
        )
        assert c.get("/news/no-such-post").status_code == 404
        feed = c.get("/news.atom")
        assert feed.headers["content-type"].startswith("application/atom+xml")
        parsed = feedparser.parse(feed.content)
        assert not parsed.bozo
        assert len(parsed.entries) == 8
        assert (
            parsed.entries[0].link
            == f"{news_live.url}/news/1-mg-b1mg-stakeholder-forum-13-october-2022"
        )


def test_editor_writes_uploads_publishes_and_every_decision_is_audited(news_live: Hub) -> None:
    with _client(news_live) as c:
        _login(c, "ed")
        form = c.get("/news/admin/new").text
        fields = {
            "csrf_token": _csrf(form),
            "title": "Forum <b>2023</b>",
            "date": "2023-01-26",
            "time": "09:30",
            "zone": "Europe/Brussels",
            "summary": "Summary with <img src=x onerror=alert(1)>",
            "body": "Hello <script>alert('x')</script>\n\n[click](javascript:alert(1))\n\n**bold**",
            "tags": "stakeholder forum, workshop",
            "links": "Forum | /events/1",
        }
        r = c.post(
            "/news/admin/new", data=fields, files={"image": ("chart.png", _png(), "image/png")}
        )
        # an image without its description is refused, and nothing is stored
        assert r.status_code == 400
        assert "image description: required" in r.text
        fields["csrf_token"] = _csrf(r.text)
        r = c.post(
            "/news/admin/new",
            data={**fields, "image_alt": "A blue rectangle"},
            files={"image": ("chart.png", _png(), "image/png")},
        )
        assert r.status_code == 303, r.text
        edit_url = r.headers["location"].split("?")[0]
        post_id = int(edit_url.rsplit("/", 1)[1])
        edit = c.get(edit_url).text
        image_url = re.search(r'src="(/news/images/[^"]+)"', edit).group(1)
        # drafts are not public
        slug = "forum-b-2023-b"
        assert httpx.get(f"{news_live.url}/news/{slug}", headers=HTML).status_code == 404
        assert httpx.get(news_live.url + image_url, headers=HTML).status_code == 404
        r = c.post(f"/news/admin/{post_id}/publish", data={"csrf_token": _csrf(edit)})
        assert r.status_code == 303
        page = httpx.get(f"{news_live.url}/news/{slug}", headers=HTML)
        assert page.status_code == 200
        body = page.text.split('<main id="main">')[1]
        assert "<script" not in body  # the script is inert text or gone
        assert "onerror" not in body.replace("&lt;img src=x onerror=alert(1)&gt;", "")
        assert "javascript:" not in body.replace("[click](javascript:alert(1))", "")
        assert "Forum &lt;b&gt;2023&lt;/b&gt;" in body
        assert "<strong>bold</strong>" in body
        assert "26 January 2023, 09:30 CET" in body
        image = httpx.get(news_live.url + image_url)
        assert image.headers["content-type"] == "image/png"
        assert image.headers["x-content-type-options"] == "nosniff"
        assert image.content == _png()
        # a disguised upload is refused by content
        edit = c.get(edit_url).text
        r = c.post(
            edit_url,
            data={**fields, "csrf_token": _csrf(edit), "image_alt": "x"},
            files={"image": ("x.png", b"<html><script>alert(1)</script>", "image/png")},
        )
        assert r.status_code == 400
        assert "not a readable image" in r.text
        # unpublish and delete
        edit = c.get(edit_url).text
        assert (
            c.post(f"/news/admin/{post_id}/unpublish", data={"csrf_token": _csrf(edit)}).status_code
            == 303
        )
        edit = c.get(edit_url).text
        assert (
            c.post(f"/news/admin/{post_id}/delete", data={"csrf_token": _csrf(edit)}).status_code
            == 303
        )
        assert c.get(edit_url).status_code == 404
        assert httpx.get(news_live.url + image_url).status_code == 404
    entries = _audit(news_live)
    resource = f"news/{post_id}"
    for action in ("news.create", "news.publish", "news.unpublish", "news.delete"):
        assert (action, resource, "granted") in entries, action


def test_non_editors_get_403_and_forms_need_a_csrf_token(news_live: Hub) -> None:
    anonymous = httpx.get(f"{news_live.url}/news/admin", headers=HTML)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=")
    with _client(news_live) as c:
        _login(c, "reader")
        assert c.get("/news/admin").status_code == 403
        assert c.get("/newsletter/admin").status_code == 403
        token = _csrf(c.get("/newsletter").text)
        r = c.post(
            "/news/admin/new",
            data={"csrf_token": token, "title": "Mine", "date": "2024-01-01", "summary": "s"},
        )
        assert r.status_code == 403
        assert c.post("/news/admin/1/publish", data={"csrf_token": token}).status_code == 403
    assert ("news.create", "news/new", "denied") in _audit(news_live)
    with _client(news_live) as c:
        _login(c, "ed")
        r = c.post("/news/admin/1/unpublish", data={"csrf_token": "made-up"})
        assert r.status_code == 403
        assert "this form has expired" in r.text
        assert "The Beyond 1 Million" in httpx.get(f"{news_live.url}/news", headers=HTML).text


def test_subscribe_confirm_and_one_click_unsubscribe_over_http(news_live: Hub) -> None:
    with _client(news_live) as c:
        r = c.post(
            "/newsletter/subscribe",
            data={"csrf_token": _csrf(c.get("/newsletter").text), "email": "dora@example.org"},
        )
        assert r.status_code == 303
        r = c.post(
            "/newsletter/subscribe",
            data={"csrf_token": _csrf(c.get("/newsletter").text), "email": "not an address"},
        )
        assert r.status_code == 400
        assert "write it like name@example.org" in r.text
    mail = news_live.smtp.wait_for(1, to="dora@example.org")[0]
    link = next(w for w in text_of(mail).split() if "/newsletter/confirm?token=" in w)
    token = link.split("token=")[1]
    # forged and other-purpose tokens are refused at once
    assert httpx.get(link[:-3] + "xyz", headers=HTML).status_code == 403
    assert (
        httpx.post(
            f"{news_live.url}/newsletter/unsubscribe",
            params={"token": token},
            data={"List-Unsubscribe": "One-Click"},
        ).status_code
        == 403
    )
    with _client(news_live) as c:
        page = c.get(link.replace(f"http://127.0.0.1:{news_live.port}", ""))
        assert page.status_code == 200
        r = c.post("/newsletter/confirm", data={"csrf_token": _csrf(page.text), "token": token})
        assert r.status_code == 200
        assert "Your address is confirmed" in r.text
    web = news_live.web()
    try:
        store = NewsletterStore(web.engine)
        subscriber = store.subscriber(email="dora@example.org")
        assert subscriber.state == "confirmed"
    finally:
        web.dispose()
    # an editor writes an edition; a subject with a line break is refused
    with _client(news_live) as c:
        _login(c, "ed")
        admin = c.get("/newsletter/admin").text
        r = c.post(
            "/newsletter/admin/editions",
            data={"csrf_token": _csrf(admin), "subject": "Hi\r\nBcc: all@example.org", "body": "x"},
        )
        assert r.status_code == 400
        assert "subject: must be one line" in r.text
        r = c.post(
            "/newsletter/admin/editions",
            data={"csrf_token": _csrf(r.text), "subject": "Edition one", "body": "Hello **all**"},
        )
        assert r.status_code == 303
    result = news_live.cli("community", "newsletter", "send", "1")
    assert result.returncode == 0, result.stderr
    assert "this run sent 1" in result.stdout
    edition = news_live.smtp.wait_for(2, to="dora@example.org")[1]
    assert "Bcc" not in str(edition)
    url = edition["List-Unsubscribe"].strip("<>")
    # RFC 8058: a POST without cookies or CSRF token, with the signed token, unsubscribes
    assert httpx.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert httpx.post(url.split("?")[0], data={"List-Unsubscribe": "One-Click"}).status_code == 403
    web = news_live.web()
    try:
        assert NewsletterStore(web.engine).subscriber(email="dora@example.org").state == (
            "unsubscribed"
        )
    finally:
        web.dispose()
    archive = httpx.get(f"{news_live.url}/newsletter/editions/1", headers=HTML)
    assert archive.status_code == 200
    assert "<strong>all</strong>" in archive.text


@pytest.mark.parametrize("path", ["/newsletter/editions/99", "/newsletter/confirm?token=abc"])
def test_bad_links_give_a_page_a_person_understands(news_live: Hub, path: str) -> None:
    r = httpx.get(news_live.url + path, headers=HTML)
    assert r.status_code in (403, 404)
    assert "<h1>Error</h1>" in r.text or "Error" in r.text
