"""The news: what a post is, how an editor's form becomes one, and the rules for showing it.

Posts are Markdown, rendered and sanitised at display time (:func:`onemg.web.markdown.
render_markdown`), so a stored post can never carry script onto a page. Dates are UTC instants;
pages show them in the site's zone with the zone named, the Atom feed in UTC.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from onemg.errors import InvalidInputError

#: Tags editors are offered (others may be typed); lower case, as shown.
SUGGESTED_TAGS = (
    "stakeholder forum",
    "deliverables",
    "newsletter",
    "country visit",
    "stakeholder portal",
    "workshop",
    "project",
)
PER_PAGE = 10
MAX_TAGS = 8
_TAG = re.compile(r"^[a-z0-9][a-z0-9 \-]{0,38}[a-z0-9]$|^[a-z0-9]$")
_URL = re.compile(r"^(https?://[^\s<>\"]+|/[^\s<>\"]*)$")


@dataclass(frozen=True)
class Link:
    """A related event or document: its label and URL (absolute http(s), or a path here)."""

    label: str
    url: str


@dataclass(frozen=True)
class Image:
    """An uploaded image of a post, served at ``/news/images/<name>``."""

    name: str
    content_type: str
    alt: str
    size: int

    @property
    def url(self) -> str:
        """Where the image is served (same origin)."""
        return f"/news/images/{self.name}"


@dataclass(frozen=True)
class Post:
    """A news post as pages and the feed see it."""

    id: int
    slug: str
    title: str
    dated_at: int
    summary: str
    body: str
    tags: tuple[str, ...]
    links: tuple[Link, ...]
    published: bool
    demo: bool
    created_at: int
    updated_at: int
    images: tuple[Image, ...] = field(default=())

    @property
    def url(self) -> str:
        """The post's page."""
        return f"/news/{self.slug}"


@dataclass(frozen=True)
class PostInput:
    """A validated post, ready to store."""

    title: str
    dated_at: int
    summary: str
    body: str
    tags: tuple[str, ...]
    links: tuple[Link, ...]
    demo: bool = False


def slugify(title: str) -> str:
    """A URL-safe slug of ``title`` (ASCII, lower case, hyphens)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:80].rstrip("-") or "post"


def parse_tags(text: str) -> tuple[str, ...]:
    """Comma-separated tags, normalised (lower case, single spaces), without duplicates."""
    tags: list[str] = []
    for raw in text.split(","):
        tag = " ".join(raw.lower().split())
        if not tag:
            continue
        if not _TAG.match(tag):
            raise InvalidInputError(
                f"tag {tag!r}: use letters, digits, spaces and hyphens (at most 40 characters)"
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInputError(f"tags: at most {MAX_TAGS} per post (got {len(tags)})")
    return tuple(tags)


def parse_links(text: str) -> tuple[Link, ...]:
    """Related links, one ``label | URL`` per line (an event or a document, here or elsewhere)."""
    links = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label, sep, url = line.rpartition("|")
        label, url = label.strip(), url.strip()
        if not sep or not label:
            raise InvalidInputError(
                f"related links, line {n}: write 'label | URL', e.g. "
                "'Stakeholder Forum 2022 | /events/12'"
            )
        if not _URL.match(url):
            raise InvalidInputError(
                f"related links, line {n}: {url!r} is not a link; use an https:// URL or a path "
                "on this site starting with /"
            )
        links.append(Link(label[:200], url))
    return tuple(links)


def format_links(links: tuple[Link, ...]) -> str:
    """The links back in the form's ``label | URL`` lines."""
    return "\n".join(f"{link.label} | {link.url}" for link in links)


def _one_line(name: str, value: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise InvalidInputError(f"{name}: required")
    if "\r" in value or "\n" in value:
        raise InvalidInputError(f"{name}: must be one line")
    if len(value) > limit:
        raise InvalidInputError(f"{name}: at most {limit} characters (got {len(value)})")
    return value


def validate_post(
    *,
    title: str,
    dated_at: int,
    summary: str,
    body: str,
    tags: str,
    links: str,
    demo: bool = False,
) -> PostInput:
    """A post from an editor's form fields.

    Raises:
        InvalidInputError: a field is missing or malformed (the message names it).
    """
    summary = summary.strip()
    if not summary:
        raise InvalidInputError("summary: required (one or two sentences for the list and feed)")
    if len(summary) > 1000:
        raise InvalidInputError(f"summary: at most 1000 characters (got {len(summary)})")
    if len(body) > 100_000:
        raise InvalidInputError(f"body: at most 100000 characters (got {len(body)})")
    return PostInput(
        title=_one_line("title", title, 200),
        dated_at=dated_at,
        summary=summary,
        body=body.replace("\r\n", "\n").strip() + "\n",
        tags=parse_tags(tags),
        links=parse_links(links),
        demo=demo,
    )


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    """How many list pages ``total`` posts fill (at least one)."""
    return max(1, -(-total // per_page))
