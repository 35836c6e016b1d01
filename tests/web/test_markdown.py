"""Markdown and metadata HTML are rendered inert: no script, handler, style or javascript: URL."""

from __future__ import annotations

import re

import pytest

from onemg.web.markdown import markdown_to_text, render_markdown, sanitise_html

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<style>body{display:none}</style>",
    '<iframe src="https://evil.example"></iframe>',
    "![x](javascript:alert(1))",
]


def _live_markup(html: str) -> list[str]:
    """The dangerous things that would run in a browser: real tags, handlers, script URLs."""
    found = re.findall(r"<(script|style|iframe|object|embed)\b", html, re.IGNORECASE)
    found += re.findall(r"<[a-z][^>]*\son[a-z]+\s*=", html, re.IGNORECASE)
    found += re.findall(r"<[a-z][^>]*(?:href|src)\s*=\s*[\"']?\s*javascript:", html,
                        re.IGNORECASE)
    return found


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_attacks_are_inert(attack: str) -> None:
    html = str(render_markdown(f"Hello\n\n{attack}\n"))
    assert _live_markup(html) == []
    assert "Hello" in html


@pytest.mark.parametrize("attack", ATTACKS)
def test_metadata_attacks_are_inert(attack: str) -> None:
    assert _live_markup(str(sanitise_html(attack))) == []


def test_the_check_itself_sees_live_markup() -> None:
    assert _live_markup('<img src=x onerror="alert(1)">')
    assert _live_markup('<a href="javascript:alert(1)">x</a>')
    assert _live_markup("<script>alert(1)</script>")


def test_markdown_keeps_structure_and_safe_links() -> None:
    html = str(render_markdown("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                               "[B1MG](https://b1mg-project.eu)"))
    assert "<h1>Title</h1>" in html
    assert "<td>1</td>" in html
    assert 'href="https://b1mg-project.eu"' in html
    assert "noopener" in html


def test_markdown_to_text_keeps_links() -> None:
    text = markdown_to_text("See [the forum](https://example.org/f) and ![logo](x.png).")
    assert text == "See the forum <https://example.org/f> and logo.\n"
