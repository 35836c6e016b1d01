"""The news as an Atom feed (RFC 4287), built with the standard library's ElementTree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from onemg.community.news.service import Post
from onemg.times import iso_utc
from onemg.web.markdown import render_markdown

ATOM = "http://www.w3.org/2005/Atom"


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def atom_feed(posts: Sequence[Post], *, base_url: str, title: str = "1+MG news") -> bytes:
    """The feed document for ``posts`` (newest first); ``base_url`` is the hub's public URL.

    Each entry carries the RFC 4287 required ``id`` (a stable tag: URI), ``title`` and
    ``updated``, plus ``published``, the summary, the sanitised HTML body and its link.
    """
    ET.register_namespace("", ATOM)
    base = base_url.rstrip("/")
    host = base.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    feed = ET.Element(f"{{{ATOM}}}feed")
    _el(feed, "id", f"{base}/news.atom")
    _el(feed, "title", title)
    newest = max((p.updated_at for p in posts), default=0)
    _el(feed, "updated", iso_utc(newest))
    _el(feed, "link", rel="self", href=f"{base}/news.atom", type="application/atom+xml")
    _el(feed, "link", rel="alternate", href=f"{base}/news", type="text/html")
    author = _el(feed, "author")
    _el(author, "name", "1+MG")
    for post in posts:
        entry = _el(feed, "entry")
        # A tag: URI minted once per post (RFC 4151): stays the same when the post is edited.
        _el(entry, "id", f"tag:{host},2020:news:{post.id}")
        _el(entry, "title", post.title + (" (demo content)" if post.demo else ""))
        _el(entry, "updated", iso_utc(post.updated_at))
        _el(entry, "published", iso_utc(post.dated_at))
        _el(entry, "link", rel="alternate", href=base + post.url, type="text/html")
        _el(entry, "summary", post.summary)
        _el(entry, "content", str(render_markdown(post.body)), type="html")
        for tag in post.tags:
            _el(entry, "category", term=tag)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
