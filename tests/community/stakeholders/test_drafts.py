"""Drafts split into numbered sections and paragraphs, PDF text extraction, version diffs."""

from __future__ import annotations

import difflib

import pytest

from onemg.community.stakeholders import drafts as dr
from onemg.errors import InvalidInputError


def test_markdown_is_numbered_by_heading_and_blank_line() -> None:
    text = (
        "Preamble line.\n\n# Scope\n\nFirst\nstill first.\n\n```\ncode\n\nstill code\n```\n\n"
        "## Roles\n\n- a\n- b\n\n# Empty\n"
    )
    sections = dr.split_sections(text)
    assert [(s.number, s.title) for s in sections] == [
        (1, "Introduction"),
        (2, "Scope"),
        (3, "Roles"),
        (4, "Empty"),
    ]
    assert [(p.key, p.text) for s in sections for p in s.paragraphs] == [
        ("1.1", "Preamble line."),
        ("2.1", "First\nstill first."),
        ("2.2", "```\ncode\n\nstill code\n```"),
        ("3.1", "- a\n- b"),
    ]
    assert dr.paragraph_keys(text) == {"1.1", "2.1", "2.2", "3.1"}


def test_pdf_text_becomes_sections_and_paragraphs() -> None:
    import weasyprint

    words = " ".join(["interoperable"] * 60)
    html = (
        f"<h2>1 Introduction</h2><p>The first paragraph. {words}</p><p>The second one.</p>"
        "<h2>2 Access to data</h2><p>Visas open the record level.</p>"
    )
    text = dr.pdf_to_markdown(weasyprint.HTML(string=html).write_pdf(), "draft.pdf")
    sections = dr.split_sections(text)
    assert [s.title for s in sections] == ["Introduction", "Access to data"]
    assert [p.key for s in sections for p in s.paragraphs] == ["1.1", "1.2", "2.1"]
    first = sections[0].paragraphs[0].text
    assert first.startswith("The first paragraph.")
    assert first.count("interoperable") == 60  # wrapped lines joined into one paragraph


def test_bad_uploads_say_what_is_wrong() -> None:
    with pytest.raises(InvalidInputError, match=r"x.pdf: not a readable PDF"):
        dr.pdf_to_markdown(b"%PDF-1.4 nonsense", "x.pdf")
    with pytest.raises(InvalidInputError, match=r"d.md: not UTF-8 text \(byte 2\)"):
        dr.check_markdown(b"ab\xff", "d.md")
    with pytest.raises(InvalidInputError, match="the draft is empty"):
        dr.check_markdown(b"  \n", "d.md")


def test_diff_matches_difflib_and_keeps_lines_that_start_with_dashes() -> None:
    old = "a\nb\n--- not a header\nc\n"
    new = "a\nB\n--- not a header\nc\n+++ also kept\n"
    lines = dr.diff_versions(old, new)
    expected = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2))[2:]
    assert [
        ("@" if d.kind == "hunk" else {"add": "+", "del": "-", "same": " "}[d.kind]) for d in lines
    ] == [e[0] for e in expected]
    assert ("add", "+++ also kept") in [(d.kind, d.text) for d in lines]
    assert dr.diff_versions("same\n", "same\n") == []
