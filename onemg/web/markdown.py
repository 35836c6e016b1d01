"""Text written by people (news, newsletter editions, draft documents) made safe to show.

Markdown is rendered by markdown-it-py (CommonMark plus tables, raw HTML off) and the result is
cleaned again by nh3, so neither a Markdown trick nor a bug in the renderer can put script,
styles or event handlers on a page. The same text becomes the plain-text part of a mail with
:func:`markdown_to_text`.
"""

from __future__ import annotations

import functools
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

#: Tags kept in metadata written by others (dataset descriptions): inline text only.
METADATA_TAGS = frozenset({"p", "br", "em", "strong", "ul", "ol", "li", "a", "code"})
#: Tags kept in Markdown written by the site's editors and authors.
DOCUMENT_TAGS = METADATA_TAGS | frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "img",
    "table", "thead", "tbody", "tr", "th", "td",
})
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"},
               "th": {"align"}, "td": {"align"}}


def sanitise_html(html: str, *, tags: frozenset[str] = METADATA_TAGS) -> Markup:
    """``html`` with only harmless ``tags`` kept (links get ``rel=noopener noreferrer``)."""
    return Markup(nh3.clean(html or "", tags=set(tags),
                            attributes={t: a for t, a in _ATTRIBUTES.items() if t in tags},
                            url_schemes={"http", "https", "mailto"},
                            link_rel="noopener noreferrer nofollow"))


@functools.cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> Markup:
    """Markdown ``text`` as sanitised HTML, ready for a template."""
    return sanitise_html(_renderer().render(text or ""), tags=DOCUMENT_TAGS)


def markdown_to_text(text: str) -> str:
    """A plain-text rendering of Markdown ``text`` for the text part of a mail.

    Markdown is already readable as text; links ``[label](url)`` become ``label <url>`` and
    image syntax becomes its alt text, so the text part carries every link.
    """
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text or "")
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)", r"\1 <\2>", text)
    return text.strip() + "\n"
